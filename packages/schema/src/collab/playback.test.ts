import { describe, expect, it } from "vitest";
import * as Y from "yjs";
import {
  getPlayback,
  NS_PER_MS,
  type PlaybackState,
  playbackCursor,
  reanchorPlayback,
  setPlayback,
} from "./playback.ts";
import { thrown } from "./testFixtures.ts";

const state: PlaybackState = {
  source: { kind: "recording", recordingId: "rec-1" },
  playing: true,
  anchorMediaTime: 5_000 * NS_PER_MS,
  anchorWallTime: 1_700_000_000_000,
  rate: 1,
  by: "user-alice",
};

describe("playbackCursor", () => {
  it("advances by elapsed wall time while playing", () => {
    expect(playbackCursor(state, state.anchorWallTime)).toBe(5_000 * NS_PER_MS);
    expect(playbackCursor(state, state.anchorWallTime + 1_500)).toBe(6_500 * NS_PER_MS);
  });

  it("advances twice as fast at rate 2, and a quarter as fast at 0.25", () => {
    expect(playbackCursor({ ...state, rate: 2 }, state.anchorWallTime + 1_500)).toBe(8_000 * NS_PER_MS);
    expect(playbackCursor({ ...state, rate: 0.25 }, state.anchorWallTime + 1_000)).toBe(5_250 * NS_PER_MS);
  });

  it("stays at the anchor while paused", () => {
    expect(playbackCursor({ ...state, playing: false, rate: 2 }, state.anchorWallTime + 60_000)).toBe(
      5_000 * NS_PER_MS,
    );
  });

  it("clamps nothing", () => {
    expect(playbackCursor(state, state.anchorWallTime - 6_000)).toBe(-1_000 * NS_PER_MS);
  });
});

describe("reanchorPlayback", () => {
  it("keeps the cursor continuous across pause and rate changes", () => {
    const now = state.anchorWallTime + 2_000;
    const paused = reanchorPlayback(state, now, { playing: false, by: "user-bob" });
    expect(paused).toMatchObject({
      playing: false,
      anchorMediaTime: 7_000 * NS_PER_MS,
      anchorWallTime: now,
      by: "user-bob",
    });
    expect(playbackCursor(paused, now + 10_000)).toBe(7_000 * NS_PER_MS);

    const fast = reanchorPlayback({ ...paused, playing: true }, now, { rate: 2, by: "user-bob" });
    expect(playbackCursor(fast, now)).toBe(7_000 * NS_PER_MS);
    expect(playbackCursor(fast, now + 1_000)).toBe(9_000 * NS_PER_MS);
  });

  it("seeks", () => {
    const sought = reanchorPlayback(state, state.anchorWallTime + 100, { seekTo: 42, by: "user-bob" });
    expect(playbackCursor(sought, state.anchorWallTime + 100)).toBe(42);
  });
});

describe("playback in the doc", () => {
  it("is null until set, then round trips through a peer", () => {
    const doc = new Y.Doc();
    expect(getPlayback(doc)).toBeNull();
    setPlayback(doc, state);
    setPlayback(doc, { ...state, source: { kind: "live" } });
    const peer = new Y.Doc();
    Y.applyUpdate(peer, Y.encodeStateAsUpdate(doc));
    expect(getPlayback(peer)).toEqual({ ...state, source: { kind: "live" } });
    expect(doc.getMap("playback").size).toBe(1);
  });

  it.each([
    ["rate", { ...state, rate: 8 }],
    ["rate", { ...state, rate: 0.1 }],
    ["anchorMediaTime", { ...state, anchorMediaTime: Number.NaN }],
    ["anchorWallTime", { ...state, anchorWallTime: Number.POSITIVE_INFINITY }],
    ["source.recordingId", { ...state, source: { kind: "recording" } }],
    ["by", { ...state, by: "" }],
  ])("rejects a bad %s", (field, bad) => {
    const doc = new Y.Doc();
    expect(thrown(() => setPlayback(doc, bad as PlaybackState))).toMatchObject({ record: "playback", field });
    expect(getPlayback(doc)).toBeNull();
  });
});
