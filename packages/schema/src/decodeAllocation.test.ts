import { describe, expect, it } from "vitest";
import { allocationsPerCall, sampleDepthMessage } from "../testing/index.ts";
import type { DepthEncoding, DepthImage } from "./depthImage.ts";
import { Image } from "./image.ts";
import { decodeMessage, encodeMessage } from "./message.ts";

/*
 * A viewer decodes every frame: over 1,000 frames of the real TUM sample, decoding allocates no
 * ArrayBuffer memory beyond its output (raw pixels aligned in the message are a view of it: nothing;
 * RVL: the output image only, no copy of an unaligned payload), the heap does not grow, and encoding
 * allocates only the message. The meter is checked first on calls whose allocation is known, so a
 * meter that sees nothing cannot make the bounds pass.
 */

const FRAMES = 1000;
/** Small JS objects per decoded message (the message, its timelines, the image): far below a frame. */
const HEAP_PER_FRAME = 8 * 1024;
/**
 * What may be held more after 1,000 frames and a full collection: no frame's pixels (ArrayBuffers
 * stay put to the byte when nothing is kept), and under 1 KB a frame of heap (whose figure moves by
 * +-300 KB between runs with nothing kept: the test runner shares the heap).
 */
const RETAINED_BUFFERS = 256 * 1024;
const RETAINED_HEAP = 1024 * 1024;

describe("decode and encode allocations per frame", () => {
  const depth = sampleDepthMessage();
  const image = depth.archetype;
  const message = (depthEncoding: DepthEncoding) => encodeMessage(depth, { depthEncoding });
  const output = image.data.byteLength;
  let kept: unknown;

  it("the meter sees a frame-sized buffer and small objects, and what a call keeps", () => {
    const buffer = allocationsPerCall(() => {
      kept = new Uint8Array(output);
    }, 200);
    expect(buffer.clean).toBeGreaterThan(100);
    expect(buffer.arrayBuffers).toBeGreaterThan(output * 0.95);
    expect(buffer.arrayBuffers).toBeLessThan(output + 1024);
    const objects = allocationsPerCall(() => {
      kept = Array.from({ length: 1000 }, (_, i) => ({ i }));
    }, 200);
    expect(objects.heap).toBeGreaterThan(HEAP_PER_FRAME);
    const held: Uint8Array[] = [];
    const retained = allocationsPerCall(() => held.push(new Uint8Array(1024)), FRAMES);
    expect(retained.retainedArrayBuffers).toBeGreaterThan(RETAINED_BUFFERS);
  });

  it("raw: the pixels are a view of the message, no ArrayBuffer allocated per frame", () => {
    const bytes = message("raw");
    const decoded = decodeMessage(bytes).archetype as DepthImage;
    expect(decoded.data.buffer).toBe(bytes.buffer);
    expect([...decoded.data.subarray(100_000, 100_010)]).toEqual([...image.data.subarray(100_000, 100_010)]);
    const used = allocationsPerCall(() => decodeMessage(bytes), FRAMES);
    expect(used.clean).toBeGreaterThan(FRAMES / 2);
    expect(used.arrayBuffers).toBeLessThan(1024);
    expect(used.heap).toBeLessThan(HEAP_PER_FRAME);
    expect(used.retainedHeap).toBeLessThan(RETAINED_HEAP);
    expect(used.retainedArrayBuffers).toBeLessThan(RETAINED_BUFFERS);
  });

  it("a colour Image: its pixels are a view of the message too, no zod, no ArrayBuffer per frame", () => {
    const rgb = new Uint8Array(640 * 480 * 3).map((_, i) => i % 251);
    const bytes = encodeMessage({
      entityPath: "world/camera/rgb",
      timelines: depth.timelines,
      archetype: new Image(rgb, { width: 640, height: 480, colorModel: "RGB" }),
    });
    const decoded = decodeMessage(bytes).archetype as Image;
    expect(decoded.data.buffer).toBe(bytes.buffer);
    expect(decoded.data).toEqual(rgb);
    const used = allocationsPerCall(() => decodeMessage(bytes), FRAMES);
    expect(used.clean).toBeGreaterThan(FRAMES / 2);
    expect(used.arrayBuffers).toBeLessThan(1024);
    expect(used.heap).toBeLessThan(HEAP_PER_FRAME);
  });

  it("RVL with an unaligned payload: the output image only", { timeout: 60_000 }, () => {
    const bytes = message("rvl");
    const decoded = decodeMessage(bytes).archetype as DepthImage;
    expect(decoded.data).toEqual(image.data);
    const used = allocationsPerCall(() => decodeMessage(bytes), FRAMES);
    expect(used.clean).toBeGreaterThan(FRAMES / 2);
    expect(used.arrayBuffers).toBeGreaterThan(output * 0.95);
    expect(used.arrayBuffers).toBeLessThan(output + 1024);
    expect(used.heap).toBeLessThan(HEAP_PER_FRAME);
    expect(used.retainedHeap).toBeLessThan(RETAINED_HEAP);
    expect(used.retainedArrayBuffers).toBeLessThan(RETAINED_BUFFERS);
  });

  it("a raw frame unaligned in its buffer is copied once (the output), and decodes the same", {
    timeout: 60_000,
  }, () => {
    const aligned = message("raw");
    const shifted = new Uint8Array(aligned.length + 1).subarray(1);
    shifted.set(aligned);
    const decoded = decodeMessage(shifted).archetype as DepthImage;
    expect(decoded.data).toEqual(image.data);
    const used = allocationsPerCall(() => decodeMessage(shifted), 200);
    expect(used.arrayBuffers).toBeGreaterThan(output * 0.95);
    expect(used.arrayBuffers).toBeLessThan(output + 1024);
  });

  it("encoding a raw or RVL frame allocates the message and nothing frame-sized besides", {
    timeout: 60_000,
  }, () => {
    for (const encoding of ["raw", "rvl"] as const) {
      const size = message(encoding).byteLength;
      const used = allocationsPerCall(() => message(encoding), 300);
      expect(used.arrayBuffers, encoding).toBeGreaterThan(size * 0.95);
      expect(used.arrayBuffers, encoding).toBeLessThan(size + 1024);
      expect(used.heap, encoding).toBeLessThan(HEAP_PER_FRAME);
    }
    expect(kept).toBeDefined();
  });
});
