import { describe, expect, it } from "vitest";
import {
  activeNotices,
  droppedFrames,
  entityRate,
  entityTree,
  initialViewerState,
  MAX_NOTICES,
  RATE_STALE_MS,
  receivedBytesPerSecond,
  statusSummary,
  type ViewerAction,
  viewerReducer,
} from "./viewerState.ts";

const producer = { id: "p1", name: "rig", connectedAt: 0 };
const run = (actions: ViewerAction[], now = 0) => actions.reduce(viewerReducer, initialViewerState(now));

describe("viewer state", () => {
  it("says connecting, then waiting for a rig, then live", () => {
    let state = initialViewerState(0);
    expect(statusSummary(state, 0).key).toBe("connecting");
    state = viewerReducer(state, { type: "connection", state: "connected", at: 10 });
    state = viewerReducer(state, { type: "subscribed", entities: [], producers: [], at: 10 });
    expect(statusSummary(state, 20).key).toBe("waiting");
    state = viewerReducer(state, { type: "producer", event: { type: "joined", producer } });
    expect(statusSummary(state, 20).key).toBe("live");
  });

  it("says rig offline when the rig leaves, and no frames when it stalls", () => {
    const live = run([
      { type: "connection", state: "connected", at: 0 },
      { type: "subscribed", entities: [], producers: [producer], at: 0 },
      {
        type: "message",
        entityPath: "cam/depth",
        kind: "DepthImage",
        width: 4,
        height: 4,
        datatype: "U16",
        at: 100,
      },
    ]);
    expect(statusSummary(live, 200).key).toBe("live");
    expect(statusSummary(live, 100 + 3500).key).toBe("stalled");
    const gone = viewerReducer(live, { type: "producer", event: { type: "left", producer } });
    expect(statusSummary(gone, 300)).toMatchObject({ key: "rig-offline", label: "Rig offline" });
  });

  it("shows reconnecting, and a version mismatch as its own state", () => {
    const state = run([
      { type: "connection", state: "connected", at: 0 },
      { type: "connection", state: "reconnecting", at: 1000 },
    ]);
    expect(statusSummary(state, 3000)).toMatchObject({ key: "reconnecting", tone: "warn" });
    const mismatch = viewerReducer(state, {
      type: "closed",
      code: "version-mismatch",
      message: "relay speaks 2",
    });
    expect(statusSummary(mismatch, 3000).key).toBe("version-mismatch");
    // Closed is final: a late state event does not revive it.
    expect(viewerReducer(mismatch, { type: "connection", state: "connected", at: 4000 })).toBe(mismatch);
  });

  it("tracks rate, frame counter and dropped frames per entity", () => {
    const actions: ViewerAction[] = [];
    for (const frame of [1, 2, 3, 5, 6]) {
      actions.push({ type: "message", entityPath: "cam/depth", kind: "DepthImage", frame, at: frame * 33 });
    }
    actions.push({
      type: "message",
      entityPath: "cam/depth",
      kind: "DepthImage",
      frame: 7,
      at: 7 * 33,
      decodeMs: 1.5,
    });
    actions.push({ type: "message", entityPath: "cam/depth", kind: "DepthImage", frame: 8, at: 8 * 33 });
    const state = run(actions);
    const entry = state.entities["cam/depth"]!;
    // The latest decode time stays until a frame brings a new one.
    expect(entry.decodeMs).toBe(1.5);
    expect(state.framesReceived).toBe(7);
    expect(entry.frame).toBe(8);
    expect(entry.dropped).toBe(1);
    expect(entityRate(entry, 8 * 33)).toBeGreaterThan(20);
    expect(entityRate(entry, 8 * 33 + 5000)).toBeUndefined();
  });

  it("shows the rig's rate to a viewer that gets one frame in four (the relay's latest wins)", () => {
    const actions: ViewerAction[] = [0, 4, 8, 12, 16, 20].map((frame) => ({
      type: "message",
      entityPath: "cam/depth",
      kind: "DepthImage",
      frame,
      at: frame * 33,
    }));
    const entry = run(actions).entities["cam/depth"]!;
    expect(entityRate(entry, 20 * 33)).toBeCloseTo(1000 / 33, 5);
    expect(entry.dropped).toBe(15);
  });

  it("adds the frames this viewer replaced before showing them to the dropped count", () => {
    const arrived: ViewerAction[] = [1, 2, 3].map((frame) => ({
      type: "message",
      entityPath: "cam/depth",
      kind: "DepthImage",
      frame,
      at: frame * 16,
    }));
    const state = run([
      ...arrived,
      { type: "dropped", entityPath: "cam/depth", count: 1 },
      { type: "dropped", entityPath: "cam/depth", count: 1 },
      // Nothing to add to: an entity never seen, or no frames.
      { type: "dropped", entityPath: "cam/other", count: 1 },
      { type: "dropped", entityPath: "cam/depth", count: 0 },
    ]);
    expect(state.entities["cam/depth"]?.dropped).toBe(2);
    expect(state.entities["cam/other"]).toBeUndefined();
    expect(droppedFrames(state)).toBe(2);
  });

  it("keeps the relay's notices until dismissed or expired; a dismissed one sent again stays dismissed", () => {
    const notice = (id: string, at: number, expiresAt?: number) => ({
      id,
      text: `notice ${id}`,
      level: "info" as const,
      at,
      ...(expiresAt === undefined ? {} : { expiresAt }),
    });
    let state = run([
      { type: "notice", notice: notice("a", 1) },
      { type: "notice", notice: { ...notice("b", 2), level: "warning" } },
      { type: "notice", notice: notice("c", 3, 5000) },
      { type: "notice", notice: notice("a", 1) }, // sent again after a reconnect: not twice
    ]);
    expect(activeNotices(state, 1000).map((n) => n.id)).toEqual(["a", "c", "b"]);
    expect(activeNotices(state, 6000).map((n) => n.id)).toEqual(["a", "b"]);
    state = viewerReducer(state, { type: "dismiss-notice", id: "b" });
    expect(viewerReducer(state, { type: "dismiss-notice", id: "b" })).toBe(state);
    state = viewerReducer(state, { type: "notice", notice: notice("b", 2) });
    expect(activeNotices(state, 1000).map((n) => n.id)).toEqual(["a", "c"]);
    for (let i = 0; i < MAX_NOTICES + 3; i++) {
      state = viewerReducer(state, { type: "notice", notice: notice(`n${i}`, 10 + i) });
    }
    expect(state.notices).toHaveLength(MAX_NOTICES);
    expect(activeNotices(state, 1000)[0]?.id).toBe(`n${MAX_NOTICES + 2}`);
  });

  it("lists entities as a tree with their parents", () => {
    const state = run([
      { type: "message", entityPath: "world/camera/depth", kind: "DepthImage", at: 0 },
      { type: "message", entityPath: "world/camera", kind: "Pinhole", at: 0 },
      { type: "message", entityPath: "world/rig/cam1", kind: "Pinhole", at: 0 },
    ]);
    expect(entityTree(state.entities).map((n) => `${n.depth}:${n.path}:${n.entry?.kind ?? "-"}`)).toEqual([
      "0:world:-",
      "1:world/camera:Pinhole",
      "2:world/camera/depth:DepthImage",
      "1:world/rig:-",
      "2:world/rig/cam1:Pinhole",
    ]);
  });

  it("keeps a bounded list of problems without repeating the same one", () => {
    let state = initialViewerState(0);
    for (let i = 0; i < 20; i++)
      state = viewerReducer(state, { type: "problem", code: "bad-message", message: `m${i}`, at: i });
    state = viewerReducer(state, { type: "problem", code: "bad-message", message: "m19", at: 21 });
    expect(state.problems).toHaveLength(8);
    expect(state.problems.at(-1)!.message).toBe("m19");
  });
});

describe("received bytes per second", () => {
  const frame = (at: number, bytes?: number): ViewerAction => ({
    type: "message",
    entityPath: "cam/depth",
    kind: "DepthImage",
    at,
    ...(bytes === undefined ? {} : { bytes }),
  });

  it("reads a steady stream's bytes per interval, counting every message", () => {
    // 10 Hz, 100 kB each: 1 MB/s once a window of 1 s closed (at the 11th frame).
    const tenHz = Array.from({ length: 10 }, (_, i) => frame(i * 100, 100_000));
    let state = run(tenHz);
    expect(receivedBytesPerSecond(state.received, 950)).toBeUndefined();
    state = viewerReducer(state, frame(1000, 100_000));
    expect(receivedBytesPerSecond(state.received, 1000)).toBeCloseTo(1_000_000, 6);
    expect(state.received.bytes).toBe(1_100_000);
    // The next window at half the size: half the rate.
    for (let i = 11; i <= 20; i++) state = viewerReducer(state, frame(i * 100, 50_000));
    expect(receivedBytesPerSecond(state.received, 2000)).toBeCloseTo(500_000, 6);
  });

  it("reads 0 once nothing came for a while, and ignores messages without a size (review rooms)", () => {
    const state = run([frame(0, 10), frame(1000, 10), frame(1100)]);
    expect(receivedBytesPerSecond(state.received, 1000)).toBe(10);
    expect(state.received.bytes).toBe(20);
    expect(receivedBytesPerSecond(state.received, 1000 + RATE_STALE_MS + 1)).toBe(0);
    expect(receivedBytesPerSecond(run([frame(0), frame(2000)]).received, 2000)).toBeUndefined();
  });
});
