import {
  DepthImage,
  encodeMessage,
  fromTransferable,
  loadUpZstdEncoder,
  readEnvelope,
  upZstdDecoderLoaded,
} from "@depthroom/schema";
import { loadSampleSets, refuseLargeSynchronousCompile } from "@depthroom/schema/testing";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { FrameCore, type FrameEvent } from "./frameCore.ts";

// Its own file: vitest gives each file a fresh module graph, so up-zstd's decoder starts unloaded here.
// Where a platform refuses synchronous WebAssembly compilation (older Chromium: 4 KB on a page's main
// thread) the decoder (54 KB) cannot be instantiated on first use and frames wait for its asynchronous
// loader. Node compiles any size at once, and so does the Debian Chromium 156 the browser tests run
// (reviewer, 06:45), so they never take that path; this file makes the synchronous compile refuse past
// 4 KB (as older Chromium did) to show what the frame core does then.

describe("FrameCore, up-zstd depth (encoding 4)", { timeout: 30_000 }, () => {
  let undo: () => void;
  beforeAll(() => {
    undo = refuseLargeSynchronousCompile();
  });
  afterAll(() => undo());

  it("a frame that comes before the decoder has loaded waits for it, then decodes bit-exactly", async () => {
    await loadUpZstdEncoder();
    const tum = loadSampleSets()[0]!.frames[0]!;
    const frame = (value: bigint) =>
      encodeMessage(
        {
          entityPath: "world/camera/depth",
          timelines: [{ timeline: "frame", kind: "sequence", value }],
          archetype: new DepthImage(tum.depth, { width: tum.width, height: tum.height, meter: 5000 }),
        },
        { depthEncoding: "up-zstd" },
      );
    const events: FrameEvent[] = [];
    expect(upZstdDecoderLoaded()).toBe(false);
    const core = new FrameCore((event) => events.push(event));
    const live = frame(1n);
    core.receive(readEnvelope(live), live);
    expect(events).toEqual([]); // waiting for the WebAssembly, not a problem
    await expect.poll(() => events.length).toBeGreaterThan(0);
    const message = events.find((e) => e.type === "message");
    expect(message?.type).toBe("message");
    if (message?.type !== "message") return;
    const depth = fromTransferable(message.message).archetype as DepthImage;
    expect(Buffer.from((depth.data as Uint16Array).buffer).equals(Buffer.from(tum.depth.buffer))).toBe(true);
    expect(events.some((e) => e.type === "action" && e.action.type === "problem")).toBe(false);
    // A review room's bytes decode the same way.
    core.handle({ type: "decode", id: 7, bytes: frame(2n) });
    await expect.poll(() => events.some((e) => e.type === "decoded" && e.id === 7)).toBe(true);
  });
});
