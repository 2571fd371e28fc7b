import { type BatchMessage, DepthImage, encodeMessage, Pinhole, Transform3D } from "@depthroom/schema";
import { describe, expect, it } from "vitest";
import { cacheBatch, FrameCache } from "./frameCache.ts";
import { absentEntities, lookupTime } from "./recordingFeed.ts";
import { clampedCursor } from "./reviewController.ts";

const T0 = 1_764_000_000_000_000_000n; // a present-day time in ns
const MS = 1_000_000n;

function depth(entityPath: string, frame: number, timeNs: bigint): BatchMessage {
  const bytes = encodeMessage({
    entityPath,
    timelines: [
      { timeline: "frame", kind: "sequence", value: BigInt(frame) },
      { timeline: "capture_time", kind: "timestamp", value: timeNs },
    ],
    archetype: new DepthImage(new Uint16Array([frame, frame, frame, frame]), { width: 2, height: 2 }),
  });
  return { logTimeNs: timeNs, bytes };
}
/** The static Pinhole, received (its log time) before the first frame. */
const pinhole: BatchMessage = {
  logTimeNs: T0 - 5_000n * MS,
  bytes: encodeMessage({
    entityPath: "world/cam",
    timelines: [],
    static: true,
    archetype: Pinhole.fromFocalLength({ width: 2, height: 2, focalLength: 2 }),
  }),
};

/** Frames of `world/cam/depth` every 100 ms from T0: frame i at T0 + i * 100 ms. */
const at = (i: number) => T0 + BigInt(i) * 100n * MS;
const frames = (from: number, to: number) =>
  Array.from({ length: to - from + 1 }, (_, k) => depth("world/cam/depth", from + k, at(from + k)));

const framesOf = (messages: { frame: number | undefined; static: boolean }[]) =>
  messages.filter((m) => !m.static).map((m) => m.frame);

describe("FrameCache", () => {
  it("takes each message's log time from the answer: a frame without a timestamp is not guessed", () => {
    // Frame 5 has only its sequence: the relay logged it at its receive time, which the batch says.
    const untimed: BatchMessage = {
      logTimeNs: at(5) + 30n * MS,
      bytes: encodeMessage({
        entityPath: "world/cam/depth",
        timelines: [{ timeline: "frame", kind: "sequence", value: 5n }],
        archetype: new DepthImage(new Uint16Array([5, 5, 5, 5]), { width: 2, height: 2 }),
      }),
    };
    const [still, first, second, third] = cacheBatch([
      pinhole,
      depth("world/cam/depth", 4, at(4)),
      untimed,
      depth("world/cam/depth", 6, at(6)),
    ]);
    expect(still?.timeNs).toBe(-1n);
    expect([first?.timeNs, second?.timeNs, third?.timeNs]).toEqual([at(4), at(5) + 30n * MS, at(6)]);
    const cache = new FrameCache();
    const segment = cache.addLatestAt(at(4), cacheBatch([pinhole, depth("world/cam/depth", 4, at(4))]));
    cache.extend(segment, at(6), cacheBatch([untimed, depth("world/cam/depth", 6, at(6))]));
    // Before its log time the frame before it shows; from it on, it does.
    expect(framesOf(cache.at(segment, at(5) + 29n * MS))).toEqual([4]);
    expect(framesOf(cache.at(segment, at(5) + 30n * MS))).toEqual([5]);
  });

  it("answers the latest frame of each entity at any time a latest-at answer plus read-ahead covers", () => {
    const cache = new FrameCache();
    const segment = cache.addLatestAt(at(3), cacheBatch([pinhole, depth("world/cam/depth", 3, at(3))]));
    expect(cache.covering(at(3) + 50n * MS)).toBeUndefined();
    cache.extend(segment, at(9), cacheBatch(frames(4, 9)));
    for (let i = 3; i <= 9; i++) {
      const shown = cache.at(cache.covering(at(i))!, at(i));
      expect(framesOf(shown)).toEqual([i]);
      expect(shown.some((m) => m.static && m.entityPath === "world/cam")).toBe(true);
      // Just before the next frame: still frame i.
      if (i < 9) expect(framesOf(cache.at(segment, at(i + 1) - 1n))).toEqual([i]);
    }
    expect(cache.covering(at(10))).toBeUndefined();
  });

  it("keeps each archetype of an entity: a camera's Transform3D and its Pinhole on one path are both there", () => {
    const transform = (x: number, timeNs: bigint): BatchMessage => ({
      logTimeNs: timeNs,
      bytes: encodeMessage({
        entityPath: "world/cam",
        timelines: [{ timeline: "capture_time", kind: "timestamp", value: timeNs }],
        archetype: new Transform3D({ translation: [x, 0, 0] }),
      }),
    });
    const cache = new FrameCache();
    const segment = cache.addLatestAt(at(1), cacheBatch([pinhole, transform(1, at(1))]));
    cache.extend(segment, at(3), cacheBatch([transform(2, at(2)), depth("world/cam/depth", 3, at(3))]));
    const kinds = (t: bigint) =>
      cache
        .at(segment, t)
        .filter((m) => m.entityPath === "world/cam")
        .map((m) => m.kind)
        .sort();
    expect(kinds(at(1))).toEqual(["Pinhole", "Transform3D"]);
    expect(kinds(at(3))).toEqual(["Pinhole", "Transform3D"]);
    const moved = cache.at(segment, at(2)).find((m) => m.kind === "Transform3D");
    expect(moved?.timeNs).toBe(at(2));
  });

  it("lets a static message shadow temporal ones of the same entity archetype (the latest-at rule)", () => {
    // A rig logged its Pinhole static, then (wrongly) temporal ones on the same path: the recording's
    // latest-at answers the static one at every time, and so must the cache after read-ahead.
    const temporalPinhole = (i: number): BatchMessage => ({
      logTimeNs: at(i),
      bytes: encodeMessage({
        entityPath: "world/cam",
        timelines: [{ timeline: "capture_time", kind: "timestamp", value: at(i) }],
        archetype: Pinhole.fromFocalLength({ width: 2, height: 2, focalLength: 9 }),
      }),
    });
    const cache = new FrameCache();
    const segment = cache.addLatestAt(at(0), cacheBatch([pinhole, depth("world/cam/depth", 0, at(0))]));
    cache.extend(segment, at(3), cacheBatch([temporalPinhole(1), ...frames(1, 3)]));
    const shown = cache.at(segment, at(2));
    const pinholes = shown.filter((m) => m.kind === "Pinhole");
    expect(pinholes.map((m) => m.static)).toEqual([true]);
    expect(framesOf(shown)).toEqual([2]);
  });

  it("steps to the neighbouring depth frames it holds", () => {
    const cache = new FrameCache();
    const segment = cache.addLatestAt(at(2), cacheBatch([depth("world/cam/depth", 2, at(2))]));
    cache.extend(segment, at(6), cacheBatch(frames(3, 6)));
    expect(cache.nextFrameTime(at(4))).toBe(at(5));
    expect(cache.previousFrameTime(at(4))).toBe(at(3));
    expect(cache.previousFrameTime(at(3))).toBe(at(2));
    expect(cache.nextFrameTime(at(6))).toBeUndefined();
  });

  it("stays under its byte budget, keeping what the cursor needs", () => {
    const one = depth("world/cam/depth", 0, at(0)).bytes.byteLength;
    const cache = new FrameCache(one * 10);
    const segment = cache.addLatestAt(at(0), cacheBatch(frames(0, 0)));
    cache.extend(segment, at(40), cacheBatch(frames(1, 40)));
    cache.evict(at(35), 200n * MS);
    expect(cache.size.bytes).toBeLessThanOrEqual(one * 10);
    const current = cache.covering(at(35))!;
    expect(framesOf(cache.at(current, at(35)))).toEqual([35]);
    expect(framesOf(cache.at(current, at(33)))).toEqual([33]);
    expect(cache.covering(at(20))).toBeUndefined();
    // Trimmed in place: a read-ahead in flight for this segment still lands on it.
    expect(current).toBe(segment);
    expect(cache.has(segment)).toBe(true);
    // Over the budget again: the next frame does not trim again, only once another 200 ms have gone by.
    cache.extend(segment, at(45), cacheBatch(frames(41, 45)));
    cache.evict(at(36), 200n * MS);
    expect(segment.from).toBe(at(33));
    cache.evict(at(38), 200n * MS);
    expect(segment.from).toBe(at(36));
    expect(cache.size.bytes).toBeLessThanOrEqual(one * 10);
  });
});

describe("review clock", () => {
  const range = { startNs: 1e18, endNs: 1e18 + 5e9 };
  const state = { playing: true, anchorMediaTime: 1e18 + 1e9, anchorWallTime: 1000, rate: 2 };

  it("computes the cursor from the shared state, clamped to the recording", () => {
    expect(clampedCursor(null, 5000, range)).toBe(range.startNs);
    expect(clampedCursor({ ...state, source: { kind: "live" }, by: "a" }, 1500, range)).toBe(1e18 + 2e9);
    expect(clampedCursor({ ...state, source: { kind: "live" }, by: "a" }, 99_000, range)).toBe(range.endNs);
    expect(
      clampedCursor(
        { ...state, anchorMediaTime: 0, playing: false, source: { kind: "live" }, by: "a" },
        0,
        range,
      ),
    ).toBe(range.startNs);
  });

  it("finds a frame from the float cursor a seek to its exact time leaves", () => {
    const exact = T0 + 123_456_789n;
    const cursor = Number(exact); // what a seek writes into the shared state
    expect(lookupTime(cursor) >= exact).toBe(true);
    expect(lookupTime(cursor) - exact).toBeLessThan(1000n);
  });

  it("seeking back before an entity's first message: the answer lacks it, so the feed clears what it showed", () => {
    // A second camera starts at frame 5; the first one from frame 0.
    const cache = new FrameCache();
    const segment = cache.addLatestAt(at(0), cacheBatch([pinhole, depth("world/cam/depth", 0, at(0))]));
    cache.extend(
      segment,
      at(8),
      cacheBatch(
        [...frames(1, 8), depth("world/cam2/depth", 5, at(5)), depth("world/cam2/depth", 6, at(6))].sort(
          (x, y) => (x.logTimeNs < y.logTimeNs ? -1 : x.logTimeNs > y.logTimeNs ? 1 : 0),
        ),
      ),
    );
    const shownAt7 = cache.at(segment, at(7)).map((m) => m.entityPath);
    expect(shownAt7.sort()).toEqual(["world/cam", "world/cam/depth", "world/cam2/depth"]);
    // Back to frame 3: cam2 had nothing yet.
    expect(absentEntities(shownAt7, cache.at(segment, at(3)))).toEqual(["world/cam2/depth"]);
    // A latest-at answer before everything temporal holds only the static Pinhole.
    const early = cache.addLatestAt(at(0) - 1n, cacheBatch([pinhole]));
    expect(absentEntities(shownAt7, cache.at(early, at(0) - 1n)).sort()).toEqual([
      "world/cam/depth",
      "world/cam2/depth",
    ]);
    // Forward again: nothing is absent.
    expect(absentEntities(shownAt7, cache.at(segment, at(8)))).toEqual([]);
  });
});
