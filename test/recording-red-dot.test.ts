import { CollabRoot, getRecordingState, STATE_KEY } from "@depthroom/schema";
import { startRecording, stopRecording } from "@depthroom/sdk";
import { describe, expect, it } from "vitest";
import { cleanupsAfterEach } from "./support/cleanups.ts";
import { openDoc, waitFor } from "./support/clients.ts";
import { recordableSession } from "./support/recordings.ts";

// The red dot: the session's recording state in its Y.Doc is written by the relay alone. Every client
// sees it; a peer that forges or deletes it is put right; with nobody connected it lands in the stored doc.

describe("recording: the red dot", () => {
  const cleanups = cleanupsAfterEach();

  it("shows everyone the red dot, written by the relay only", async () => {
    const { relay, session, edit } = await recordableSession(cleanups, "review");
    const alice = openDoc(relay.url, session.id, session.tokens.edit);
    const viewer = openDoc(relay.url, session.id, session.tokens.view);
    cleanups.push(() => alice.destroy());
    cleanups.push(() => viewer.destroy());
    await Promise.all([alice.synced(), viewer.synced()]);
    expect(getRecordingState(viewer.doc)).toBeNull();

    const recording = await startRecording(edit, { by: "Alice" });
    await waitFor(
      () => getRecordingState(viewer.doc)?.active === true,
      5000,
      "the viewer to see the red dot",
    );
    expect(getRecordingState(viewer.doc)).toEqual({
      active: true,
      recordingId: recording.id,
      startedAt: recording.startedAt,
      stoppedAt: null,
      by: "Alice",
    });
    // An edit peer forges "not recording": the relay puts its state back, for everyone.
    alice.doc.getMap(CollabRoot.recording).set(STATE_KEY, {
      v: 1,
      active: false,
      recordingId: null,
      startedAt: null,
      stoppedAt: null,
      by: "Mallory",
    });
    await waitFor(
      () => getRecordingState(alice.doc)?.active === true,
      5000,
      "the relay to restore the state",
    );
    await waitFor(() => getRecordingState(viewer.doc)?.by === "Alice", 5000, "the viewer to converge");
    alice.doc.getMap(CollabRoot.recording).delete(STATE_KEY);
    await waitFor(
      () => getRecordingState(alice.doc)?.active === true,
      5000,
      "the relay to restore a deletion",
    );

    const stopped = await stopRecording(edit, recording.id, { by: "Bob" });
    await waitFor(() => getRecordingState(viewer.doc)?.active === false, 5000, "the red dot to go off");
    expect(getRecordingState(viewer.doc)).toEqual({
      active: false,
      recordingId: recording.id,
      startedAt: recording.startedAt,
      stoppedAt: stopped.stoppedAt,
      by: "Bob",
    });
    // Nobody connected: the state still lands in the stored doc.
    alice.destroy();
    viewer.destroy();
    await new Promise((resolve) => setTimeout(resolve, 200));
    const second = await startRecording(edit, { by: "Carol" });
    const late = openDoc(relay.url, session.id, session.tokens.view);
    cleanups.push(() => late.destroy());
    await late.synced();
    await waitFor(() => getRecordingState(late.doc)?.recordingId === second.id, 5000, "the stored red dot");
    expect(getRecordingState(late.doc)).toMatchObject({ active: true, by: "Carol" });
  });
});
