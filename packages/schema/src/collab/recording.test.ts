import { describe, expect, it } from "vitest";
import * as Y from "yjs";
import { CollabRoot, STATE_KEY } from "./layout.ts";
import {
  getRecordingState,
  RECORDING_STATE_IDLE,
  type RecordingState,
  sameRecordingState,
  setRecordingState,
} from "./recording.ts";
import { thrown } from "./testFixtures.ts";

const active: RecordingState = {
  active: true,
  recordingId: "AAAAAAAAAAAAAAAAAAAAAA",
  startedAt: 1_700_000_000_000,
  stoppedAt: null,
  by: "Alice",
};

describe("recording state", () => {
  it("round trips through a peer", () => {
    const doc = new Y.Doc();
    expect(getRecordingState(doc)).toBeNull();
    setRecordingState(doc, active);
    const peer = new Y.Doc();
    Y.applyUpdate(peer, Y.encodeStateAsUpdate(doc));
    expect(getRecordingState(peer)).toEqual(active);
    setRecordingState(doc, RECORDING_STATE_IDLE);
    expect(getRecordingState(doc)).toEqual(RECORDING_STATE_IDLE);
    expect(sameRecordingState(getRecordingState(doc), RECORDING_STATE_IDLE)).toBe(true);
    expect(sameRecordingState(active, RECORDING_STATE_IDLE)).toBe(false);
  });

  it("rejects bad input, naming the field, and an active state without an id", () => {
    const doc = new Y.Doc();
    expect(thrown(() => setRecordingState(doc, { ...active, startedAt: -1 })).field).toBe("startedAt");
    expect(thrown(() => setRecordingState(doc, { ...active, recordingId: null })).record).toBe("recording");
    expect(getRecordingState(doc)).toBeNull();
  });

  it("reads a peer's garbage or a newer version as null", () => {
    const doc = new Y.Doc();
    const map = doc.getMap<unknown>(CollabRoot.recording);
    map.set(STATE_KEY, { v: 1, active: "yes" });
    expect(getRecordingState(doc)).toBeNull();
    map.set(STATE_KEY, { ...active, v: 2 });
    expect(getRecordingState(doc)).toBeNull();
    map.set(STATE_KEY, { ...active, v: 1, extra: 1 });
    expect(getRecordingState(doc)).toEqual(active);
  });
});
