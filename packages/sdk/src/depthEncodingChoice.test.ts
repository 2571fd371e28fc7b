import {
  DecodeError,
  DepthImage,
  decodeMessage,
  loadUpZstdDecoder,
  loadUpZstdEncoder,
} from "@depthroom/schema";
import { loadSampleSets } from "@depthroom/schema/testing";
import { beforeAll, describe, expect, it } from "vitest";
import { AUTO_TRIAL_FRAMES, AUTO_UNINFORMATIVE_FRAMES, AutoDepthEncoding } from "./depthEncodingChoice.ts";
import { encodeLog } from "./encodeLog.ts";

/** The encoding byte of an encoded DepthImage message with no timelines (PROTOCOL.md offsets). */
function encodingOf(bytes: Uint8Array): number {
  // header 8, entity length u16 + path, timelines count 0, body length u32, then width, height,
  // datatype, colormap, encoding.
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const pathLength = view.getUint16(8, true);
  const body = 10 + pathLength + 1 + 4;
  return bytes[body + 10] as number;
}

describe("auto depth encoding (per entity)", { timeout: 30_000 }, () => {
  beforeAll(async () => {
    await Promise.all([loadUpZstdEncoder(), loadUpZstdDecoder()]);
  });
  const tum = loadSampleSets()[0]!.frames[0]!;
  const kinect = new DepthImage(tum.depth, { width: tum.width, height: tum.height, meter: 5000 });
  // 2 pixels: RVL's one word (4 bytes) beats DEFLATE's framing (7 bytes).
  const tiny = new DepthImage(Uint16Array.of(500, 501), { width: 2, height: 1 });

  it("sends the smaller encoding while measuring, then keeps the smaller in total per entity", () => {
    const auto = new AutoDepthEncoding();
    const sent: number[] = [];
    for (let i = 0; i < AUTO_TRIAL_FRAMES; i++) {
      sent.push(encodingOf(encodeLog("cam/depth", kinect, [], {}, auto).bytes));
      sent.push(encodingOf(encodeLog("tiny/depth", tiny, [], {}, auto).bytes));
    }
    // Kinect v1 depth: up-zstd (4) is the smallest; 2 pixels: RVL's one word.
    expect(sent).toEqual([4, 1, 4, 1, 4, 1]);
    expect(Object.fromEntries(auto.choices())).toEqual({ "cam/depth": "up-zstd", "tiny/depth": "rvl" });
    // Kept after the trial, whatever later frames would favour.
    expect(encodingOf(encodeLog("cam/depth", tiny, [], {}, auto).bytes)).toBe(4);
    // A log() call naming its encoding wins; F32 images go float-deflate, other types raw.
    expect(encodingOf(encodeLog("cam/depth", kinect, [], { encoding: "rvl" }, auto).bytes)).toBe(1);
    const floats = new DepthImage(new Float32Array(4), { width: 2, height: 2 });
    expect(encodingOf(encodeLog("f/depth", floats, [], {}, auto).bytes)).toBe(3);
    const f64 = new DepthImage(new Float64Array(4), { width: 2, height: 2 });
    expect(encodingOf(encodeLog("d/depth", f64, [], {}, auto).bytes)).toBe(0);
  });

  it("a named stream encoding applies to the datatype it carries; the rest take their default", () => {
    const floats = new DepthImage(Float32Array.of(1.5, Number.NaN, -0, 2), { width: 2, height: 2 });
    const u16 = new DepthImage(Uint16Array.of(500, 0, 501, 502), { width: 2, height: 2 });
    expect(encodingOf(encodeLog("f", floats, [], {}, "float-deflate").bytes)).toBe(3);
    expect(encodingOf(encodeLog("u", u16, [], {}, "float-deflate").bytes)).toBe(1);
    expect(encodingOf(encodeLog("f", floats, [], {}, "med").bytes)).toBe(0);
    expect(encodingOf(encodeLog("f", floats, [], {}, undefined).bytes)).toBe(0);
    expect(encodingOf(encodeLog("u", u16, [], {}, undefined).bytes)).toBe(1);
    const back = decodeMessage(encodeLog("f", floats, [], {}, "float-deflate").bytes).archetype as DepthImage;
    expect(Buffer.from((back.data as Float32Array).buffer).equals(Buffer.from(floats.data.buffer))).toBe(
      true,
    );
  });

  it("blank first frames (no valid pixel) are sent as their smallest but are not trial frames", () => {
    const auto = new AutoDepthEncoding();
    const blank = new DepthImage(new Uint16Array(tum.depth.length), {
      width: tum.width,
      height: tum.height,
      meter: 5000,
    });
    const sent: number[] = [];
    // More than AUTO_UNINFORMATIVE_FRAMES of them: a camera blank for its first seconds.
    for (let i = 0; i < 2 * AUTO_UNINFORMATIVE_FRAMES; i++)
      sent.push(encodingOf(encodeLog("cam/depth", blank, [], {}, auto).bytes));
    expect(new Set(sent)).toEqual(new Set([1])); // RVL: 4 bytes for 640x480 zeros
    expect(auto.choices().size).toBe(0);
    for (let i = 0; i < AUTO_TRIAL_FRAMES; i++) encodeLog("cam/depth", kinect, [], {}, auto);
    expect(auto.choices().get("cam/depth")).toBe("up-zstd");
  });

  it("settles after AUTO_UNINFORMATIVE_FRAMES when every frame is that small (noise-free synthetic depth)", () => {
    // A slanted wall: every pixel valid, each row 1 more than the last (reviewer, 06:59: never settled,
    // every encoder on every frame).
    const wall = new Uint16Array(tum.width * tum.height);
    for (let i = 0; i < wall.length; i++) wall[i] = 1000 + Math.floor(i / tum.width);
    const image = new DepthImage(wall, { width: tum.width, height: tum.height, meter: 5000 });
    const auto = new AutoDepthEncoding();
    for (let i = 0; i < AUTO_UNINFORMATIVE_FRAMES - 1; i++) encodeLog("synthetic/depth", image, [], {}, auto);
    expect(auto.choices().size).toBe(0);
    encodeLog("synthetic/depth", image, [], {}, auto);
    expect(auto.choices().get("synthetic/depth")).toBe("up-zstd");
  });

  it("keeps MED-deflate for time-of-flight depth (Azure), where it is smaller than up-zstd", () => {
    const auto = new AutoDepthEncoding();
    const azure = loadSampleSets()[1]!.frames;
    for (let i = 0; i < AUTO_TRIAL_FRAMES; i++) {
      const f = azure[i % azure.length]!;
      encodeLog("tof/depth", new DepthImage(f.depth, { width: f.width, height: f.height }), [], {}, auto);
    }
    expect(auto.choices().get("tof/depth")).toBe("med");
  });

  it("a named up-zstd stream sends encoding 4 for U16 and decodes bit-exactly", () => {
    const bytes = encodeLog("cam/depth", kinect, [], {}, "up-zstd").bytes;
    expect(encodingOf(bytes)).toBe(4);
    const back = decodeMessage(bytes).archetype as DepthImage;
    expect(Buffer.from((back.data as Uint16Array).buffer).equals(Buffer.from(tum.depth.buffer))).toBe(true);
    const floats = new DepthImage(new Float32Array(4), { width: 2, height: 2 });
    expect(encodingOf(encodeLog("f", floats, [], {}, "up-zstd").bytes)).toBe(0);
  });

  it("is lossless: what auto sent decodes to the logged pixels", () => {
    const auto = new AutoDepthEncoding();
    const bytes = encodeLog("cam/depth", kinect, [], {}, auto).bytes;
    const back = decodeMessage(bytes).archetype as DepthImage;
    expect(Buffer.from((back.data as Uint16Array).buffer).equals(Buffer.from(tum.depth.buffer))).toBe(true);
    expect(() => decodeMessage(bytes.subarray(0, bytes.length - 1))).toThrow(DecodeError);
  });
});
