import { setFlagsFromString } from "node:v8";
import { runInNewContext } from "node:vm";
import { describe, expect, it } from "vitest";
import { loadSampleSets } from "../testing/index.ts";
import { type DepthEncoding, DepthImage } from "./depthImage.ts";
import { decodeMessage, encodeMessage } from "./message.ts";

/*
 * A viewer decodes every frame: over 1,000 frames of the real TUM sample, decoding allocates no
 * ArrayBuffer memory beyond its output (raw pixels aligned in the message are a view of it: nothing;
 * RVL: the output image only, no copy of an unaligned payload), and encoding allocates only the
 * message. Bytes are summed over the rises of process.memoryUsage() between frames, so a collection
 * in the middle cannot hide an allocation; small JS objects (the message, its timelines) are bounded
 * separately.
 */

setFlagsFromString("--expose-gc");
const gc = runInNewContext("gc") as () => void;
const FRAMES = 1000;

function allocationsPerCall(call: () => void, count = FRAMES): { heap: number; arrayBuffers: number } {
  for (let i = 0; i < 20; i++) call();
  gc();
  let heap = 0;
  let arrayBuffers = 0;
  let before = process.memoryUsage();
  for (let i = 0; i < count; i++) {
    call();
    const after = process.memoryUsage();
    heap += Math.max(0, after.heapUsed - before.heapUsed);
    arrayBuffers += Math.max(0, after.arrayBuffers - before.arrayBuffers);
    before = after;
  }
  return { heap: heap / count, arrayBuffers: arrayBuffers / count };
}

describe("decode and encode allocations per frame", () => {
  const tum = loadSampleSets()[0]!;
  const sample = tum.frames[0]!;
  const image = new DepthImage(sample.depth, {
    width: sample.width,
    height: sample.height,
    meter: tum.unitsPerMetre,
  });
  const message = (encoding: DepthEncoding) =>
    encodeMessage(
      {
        entityPath: "world/camera/depth",
        timelines: [
          { timeline: "frame", kind: "sequence", value: 7n },
          { timeline: "capture_time", kind: "timestamp", value: 1_700_000_000_000_000_000n },
        ],
        archetype: image,
      },
      { depthEncoding: encoding },
    );
  const output = sample.depth.byteLength;

  it("raw: the pixels are a view of the message, no ArrayBuffer allocated per frame", () => {
    const bytes = message("raw");
    const decoded = decodeMessage(bytes).archetype as DepthImage;
    expect(decoded.data.buffer).toBe(bytes.buffer);
    expect([...decoded.data.subarray(100_000, 100_010)]).toEqual([
      ...sample.depth.subarray(100_000, 100_010),
    ]);
    const used = allocationsPerCall(() => decodeMessage(bytes));
    expect(used.arrayBuffers).toBeLessThan(1024);
    expect(used.heap).toBeLessThan(8 * 1024);
  });

  it("RVL with an unaligned payload: the output image only", { timeout: 60_000 }, () => {
    const bytes = message("rvl");
    const decoded = decodeMessage(bytes).archetype as DepthImage;
    expect(decoded.data).toEqual(sample.depth);
    const used = allocationsPerCall(() => decodeMessage(bytes));
    expect(used.arrayBuffers).toBeLessThan(output + 1024);
    expect(used.heap).toBeLessThan(8 * 1024);
  });

  it("a raw frame unaligned in its buffer is copied once (the output), and decodes the same", {
    timeout: 60_000,
  }, () => {
    const aligned = message("raw");
    const shifted = new Uint8Array(aligned.length + 1).subarray(1);
    shifted.set(aligned);
    const decoded = decodeMessage(shifted).archetype as DepthImage;
    expect(decoded.data).toEqual(sample.depth);
    const used = allocationsPerCall(() => decodeMessage(shifted), 200);
    expect(used.arrayBuffers).toBeLessThan(output + 1024);
  });

  it("encoding an RVL frame allocates the message and nothing frame-sized besides", {
    timeout: 60_000,
  }, () => {
    const encode = () => message("rvl");
    const size = encode().byteLength;
    const used = allocationsPerCall(encode, 300);
    expect(used.arrayBuffers).toBeLessThan(size + 1024);
  });
});
