import {
  CloseCode,
  decodeMessage,
  decodeMessageBatch,
  ErrorCode,
  MESSAGE_BATCH_CONTENT_TYPE,
  type RecordingDescription,
  reviewRoomName,
} from "@depthroom/schema";
import { fetchRange, recordingAccess, startRecording, stopRecording } from "@depthroom/sdk";
import { describe, expect, it } from "vitest";
import { cleanupsAfterEach } from "./support/cleanups.ts";
import { connectFrames, openDoc, publish, waitFor } from "./support/clients.ts";
import { sampleStream, stampFrame } from "./support/frames.ts";
import { relayWithSession } from "./support/relay.ts";

// The recordings' HTTP routes against a real relay: list, describe, download, latest-at and range
// (with a cut at a time boundary), delete (which closes the review room), and named errors for bad
// ids, bad times, unknown routes and recordings still being written.

describe("recording: HTTP API", () => {
  const cleanups = cleanupsAfterEach();

  it("lists, describes, serves and deletes recordings; bad requests get named errors", async () => {
    const { relay, session } = await relayWithSession(cleanups, {}, { title: "api" });
    const { socket } = await connectFrames(relay.url, session.id, session.tokens.publish);
    cleanups.push(() => socket.close());
    const sample = sampleStream();
    expect(await publish(socket, sample.pinhole)).toEqual({ ok: true });
    const edit = recordingAccess(session.links.edit);
    const api = (path: string, init: RequestInit = {}, token = session.tokens.view) =>
      fetch(`${relay.url}${path}`, {
        ...init,
        headers: { Authorization: `Bearer ${token}`, ...init.headers },
      });
    const errorOf = async (response: Response) => [
      response.status,
      ((await response.json()) as { error: { code: string } }).error.code,
    ];

    const startedNs = BigInt(Date.now()) * 1_000_000n;
    const recording = await startRecording(edit, { title: "take 1" });
    // Starting again while it runs answers the same recording (200, not 201).
    const again = await api(
      `/api/sessions/${session.id}/recordings`,
      { method: "POST" },
      session.tokens.edit,
    );
    expect(again.status).toBe(200);
    expect(((await again.json()) as RecordingDescription).id).toBe(recording.id);
    // While it is written: listed with live figures; reads refused with recording-active.
    const base = 1_800_000_000_000;
    for (let i = 0; i < 30; i++)
      expect(await publish(socket, stampFrame(sample, i, base + i * 100))).toEqual({ ok: true });
    const running = (await (await api("/api/recordings")).json()) as { recordings: RecordingDescription[] };
    expect(running.recordings).toMatchObject([
      { id: recording.id, status: "recording", frames: 31, title: "take 1" },
    ]);
    expect(await errorOf(await api(`/api/recordings/${recording.id}/at?t=1`))).toEqual([
      409,
      ErrorCode.RecordingActive,
    ]);
    expect(await errorOf(await api(`/api/recordings/${recording.id}/file`))).toEqual([
      409,
      ErrorCode.RecordingActive,
    ]);
    const stopped = await stopRecording(edit, recording.id);
    const stoppedNs = BigInt(Date.now()) * 1_000_000n;
    expect(stopped).toMatchObject({
      status: "stopped",
      frames: 31,
      // The log-time range of the temporal messages: from the first frame (not the static Pinhole
      // written when recording began) to the last.
      startTimeNs: String(BigInt(base) * 1_000_000n),
      endTimeNs: String(BigInt(base + 2900) * 1_000_000n),
      origin: "live",
      recovered: false,
      problems: [],
    });
    // Stopping twice is harmless.
    expect(await stopRecording(edit, recording.id)).toMatchObject({
      status: "stopped",
      stoppedAt: stopped.stoppedAt,
    });

    // Describe: review links for the caller's role (view: view only; edit: both).
    const asView = (await (await api(`/api/recordings/${recording.id}`)).json()) as RecordingDescription;
    expect(Object.keys(asView.links ?? {})).toEqual(["view"]);
    expect(asView.links?.view).toMatch(
      new RegExp(`^http://localhost:3000/r/${recording.id}\\?relay=.+#token=v1\\.`),
    );
    const asEdit = (await (
      await api(`/api/recordings/${recording.id}`, {}, session.tokens.edit)
    ).json()) as RecordingDescription;
    expect(Object.keys(asEdit.links ?? {}).sort()).toEqual(["edit", "view"]);

    // Latest-at: a message batch, static first, each message with its log time.
    const at = await api(`/api/recordings/${recording.id}/at?t=${BigInt(base + 1050) * 1_000_000n}`);
    expect(at.headers.get("content-type")).toBe(MESSAGE_BATCH_CONTENT_TYPE);
    expect(at.headers.get("x-depthroom-messages")).toBe("2");
    const batch = decodeMessageBatch(new Uint8Array(await at.arrayBuffer()));
    const latest = batch.map((m) => decodeMessage(m.bytes));
    expect(latest.map((m) => [m.entityPath, m.timelines.find((t) => t.timeline === "frame")?.value])).toEqual(
      [
        ["world/camera", undefined],
        ["world/camera/depth", 10n],
      ],
    );
    // The frame's log time is its capture time; the Pinhole has no timestamp: the relay's receive time
    // (when recording started), which the batch now says.
    expect(batch[1]?.logTimeNs).toBe(BigInt(base + 1000) * 1_000_000n);
    expect(batch[0]!.logTimeNs >= startedNs && batch[0]!.logTimeNs <= stoppedNs).toBe(true);
    // Range: temporal messages in order; a small maxBytes cuts it at a time boundary, `next` goes on.
    const view = recordingAccess(session.links.view);
    const from = BigInt(base) * 1_000_000n;
    const to = BigInt(base + 2900) * 1_000_000n;
    const all = await fetchRange(view, recording.id, from, to);
    expect(all.next).toBeUndefined();
    expect(all.messages).toHaveLength(30);
    expect(all.messages.map((m) => m.logTimeNs)).toEqual(
      Array.from({ length: 30 }, (_, i) => BigInt(base + i * 100) * 1_000_000n),
    );
    const frameBytes = all.messages[0]?.bytes.byteLength as number;
    const first = await fetchRange(view, recording.id, from, to, { maxBytes: frameBytes * 7 + 10 });
    expect(first.messages).toHaveLength(7);
    expect(first.next).toBe(BigInt(base + 700) * 1_000_000n);
    const rest = await fetchRange(view, recording.id, first.next as bigint, to);
    expect([...first.messages, ...rest.messages].map((m) => Buffer.from(m.bytes).toString("base64"))).toEqual(
      all.messages.map((m) => Buffer.from(m.bytes).toString("base64")),
    );

    // Download: the .mcap file with its size and a file name.
    const file = await api(`/api/recordings/${recording.id}/file`);
    expect(file.status).toBe(200);
    expect(file.headers.get("content-disposition")).toBe(`attachment; filename="${recording.id}.mcap"`);
    const bytes = new Uint8Array(await file.arrayBuffer());
    expect(bytes.byteLength).toBe(stopped.bytes);
    expect(Buffer.from(bytes.subarray(1, 5)).toString()).toBe("MCAP");

    // Named errors.
    expect(await errorOf(await api("/api/recordings/not-an-id"))).toEqual([404, ErrorCode.RecordingNotFound]);
    expect(await errorOf(await api("/api/recordings/AAAAAAAAAAAAAAAAAAAAAA"))).toEqual([
      404,
      ErrorCode.RecordingNotFound,
    ]);
    expect(await errorOf(await api(`/api/recordings/${recording.id}/at?t=-5`))).toEqual([
      400,
      ErrorCode.BadMessage,
    ]);
    expect(await errorOf(await api(`/api/recordings/${recording.id}/at`))).toEqual([
      400,
      ErrorCode.BadMessage,
    ]);
    expect(await errorOf(await api(`/api/recordings/${recording.id}/range?from=5&to=1`))).toEqual([
      400,
      ErrorCode.BadMessage,
    ]);
    expect(await errorOf(await api(`/api/recordings/${recording.id}/range?from=1&to=5&maxBytes=0`))).toEqual([
      400,
      ErrorCode.BadMessage,
    ]);
    expect(await errorOf(await api(`/api/recordings/${recording.id}/stop`))).toEqual([
      400,
      ErrorCode.BadMessage,
    ]);
    expect(await errorOf(await fetch(`${relay.url}/api/recordings`))).toEqual([401, ErrorCode.Unauthorized]);
    expect(await errorOf(await api(`/api/recordings/${recording.id}`, { method: "DELETE" }))).toEqual([
      403,
      ErrorCode.Forbidden,
    ]);
    const preflight = await fetch(`${relay.url}/api/recordings/${recording.id}`, { method: "OPTIONS" });
    expect(preflight.status).toBe(204);
    expect(preflight.headers.get("access-control-allow-methods")).toContain("DELETE");

    // Delete: closes the review room (4404, recording-not-found), removes file and record.
    const room = openDoc(relay.url, reviewRoomName(recording.id), session.tokens.edit);
    cleanups.push(() => room.destroy());
    await room.synced();
    room.doc.getMap("annotations").set("a1", { text: "here" });
    const deleted = await api(`/api/recordings/${recording.id}`, { method: "DELETE" }, session.tokens.edit);
    expect(deleted.status).toBe(204);
    await waitFor(() => room.closes.length > 0, 5000, "the review room to close");
    expect(room.closes[0]).toMatchObject({ code: CloseCode.SessionNotFound });
    expect(room.closes[0]?.reason).toMatch(/^recording-not-found/);
    room.destroy();
    expect(await errorOf(await api(`/api/recordings/${recording.id}`))).toEqual([
      404,
      ErrorCode.RecordingNotFound,
    ]);
    expect(((await (await api("/api/recordings")).json()) as { recordings: unknown[] }).recordings).toEqual(
      [],
    );
    const reopened = openDoc(relay.url, reviewRoomName(recording.id), session.tokens.edit);
    cleanups.push(() => reopened.destroy());
    await waitFor(() => reopened.closes.length > 0, 5000, "the deleted room to refuse");
    expect(reopened.closes[0]?.code).toBe(CloseCode.SessionNotFound);
  });
});
