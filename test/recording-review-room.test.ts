import { CloseCode, ErrorCode, type RecordingDescription, reviewRoomName } from "@depthroom/schema";
import { describeRecording, recordingAccess, startRecording, stopRecording } from "@depthroom/sdk";
import { describe, expect, it } from "vitest";
import { cleanupsAfterEach } from "./support/cleanups.ts";
import { handshakeRefusal, openDoc, waitFor } from "./support/clients.ts";
import { recordableSession } from "./support/recordings.ts";

// Review rooms: a recording opens as its own Y.Doc `/yjs/rec-<id>`. Session tokens open it with their
// role; a recording's own token (from a review link) opens that recording only, never the live session.

describe("recording: review rooms", () => {
  const cleanups = cleanupsAfterEach();

  it("opens a review room with session tokens by role, and with the recording's own token only there", async () => {
    const { relay, session, edit } = await recordableSession(cleanups, "review");
    const recording = await startRecording(edit);
    await stopRecording(edit, recording.id);
    const room = reviewRoomName(recording.id);
    const described = (await describeRecording(edit, recording.id)) as RecordingDescription;
    const reviewEdit = recordingAccess(described.links?.edit as string);
    const reviewView = recordingAccess(described.links?.view as string);
    expect(reviewEdit).toMatchObject({ recording: recording.id, role: "edit", session: session.id });

    // Session edit and recording edit tokens write; they converge in the room.
    const a = openDoc(relay.url, room, session.tokens.edit);
    const b = openDoc(relay.url, room, reviewEdit.token);
    const v = openDoc(relay.url, room, reviewView.token);
    cleanups.push(() => a.destroy());
    cleanups.push(() => b.destroy());
    cleanups.push(() => v.destroy());
    await Promise.all([a.synced(), b.synced(), v.synced()]);
    a.doc.getMap("annotations").set("a", { text: "from the session link" });
    b.doc.getMap("annotations").set("b", { text: "from the review link" });
    await waitFor(() => v.doc.getMap("annotations").size === 2, 5000, "the view client to see both");
    // The view token reads but cannot write.
    v.doc.getMap("annotations").set("v", { text: "not allowed" });
    await waitFor(() => v.denials.length > 0, 5000, "the read-only denial");
    expect(v.denials[0]).toMatch(/^read-only/);
    await new Promise((resolve) => setTimeout(resolve, 200));
    expect(a.doc.getMap("annotations").has("v")).toBe(false);
    // The room's doc is not the session's.
    const sessionDoc = openDoc(relay.url, session.id, session.tokens.view);
    cleanups.push(() => sessionDoc.destroy());
    await sessionDoc.synced();
    expect(sessionDoc.doc.getMap("annotations").size).toBe(0);

    // A recording's token never opens the live session (doc or frames), nor another recording.
    const intoSession = openDoc(relay.url, session.id, reviewEdit.token);
    cleanups.push(() => intoSession.destroy());
    await waitFor(() => intoSession.closes.length > 0, 5000, "the session doc to refuse a recording token");
    expect(intoSession.closes[0]?.code).toBe(CloseCode.Forbidden);
    expect(await handshakeRefusal(relay.url, session.id, reviewView.token)).toMatchObject({
      code: ErrorCode.BadToken,
    });
    const other = await startRecording(edit);
    await stopRecording(edit, other.id);
    const intoOther = openDoc(relay.url, reviewRoomName(other.id), reviewEdit.token);
    cleanups.push(() => intoOther.destroy());
    await waitFor(() => intoOther.closes.length > 0, 5000, "another recording's room to refuse");
    expect(intoOther.closes[0]).toMatchObject({ code: CloseCode.Forbidden });
    const denied = await fetch(`${relay.url}/api/recordings/${other.id}?token=${reviewView.token}`);
    expect(denied.status).toBe(403);
    // A review link lists just its recording; it cannot stop or delete it.
    const listed = await fetch(`${relay.url}/api/recordings?token=${reviewEdit.token}`);
    expect(((await listed.json()) as { recordings: { id: string }[] }).recordings.map((r) => r.id)).toEqual([
      recording.id,
    ]);
    const del = await fetch(`${relay.url}/api/recordings/${recording.id}`, {
      method: "DELETE",
      headers: { Authorization: `Bearer ${reviewEdit.token}` },
    });
    expect(del.status).toBe(403);
    // Publish tokens open no review room; another session's token neither.
    const publishRoom = openDoc(relay.url, room, session.tokens.publish);
    cleanups.push(() => publishRoom.destroy());
    await waitFor(() => publishRoom.closes.length > 0, 5000, "the publish token to be refused");
    expect(publishRoom.closes[0]?.code).toBe(CloseCode.Forbidden);
    const foreign = await relay.createSession();
    const foreignRoom = openDoc(relay.url, room, foreign.tokens.edit);
    cleanups.push(() => foreignRoom.destroy());
    await waitFor(() => foreignRoom.closes.length > 0, 5000, "another session's token to be refused");
    expect(foreignRoom.closes[0]?.reason).toMatch(/^bad-token/);
    const noToken = openDoc(relay.url, room, undefined);
    cleanups.push(() => noToken.destroy());
    await waitFor(() => noToken.closes.length > 0, 5000, "no token to be refused");
    expect(noToken.closes[0]?.code).toBe(CloseCode.Unauthorized);
  });
});
