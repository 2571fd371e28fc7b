import { readFileSync } from "node:fs";
import { beforeAll, describe, expect, it } from "vitest";
import { sampleSetSizes, u16EdgeCases } from "../testing/depthCases.ts";
import { countRefusals, damagedPayloads, seededRandom } from "../testing/fuzzPayloads.ts";
import { loadSampleSets } from "../testing/samples.ts";
import { medEncode } from "./depthCodec.ts";
import { DepthImage } from "./depthImage.ts";
import { DecodeError } from "./errors.ts";
import { decodeMessage, encodeMessage } from "./message.ts";
import {
  loadUpZstdDecoder,
  loadUpZstdEncoder,
  UP_ZSTD_DECODER_MEMORY_BOUND,
  UP_ZSTD_LEVEL,
  upEscPredict,
  upZstdDecode,
  upZstdDecoderMemoryBytes,
  upZstdEncode,
  zstdFrameExtent,
} from "./upZstdCodec.ts";
import { buildUpEscUnpredict, upEscUnpredictSource, zstdDecoderSource } from "./wasm/build.ts";

/** The stage-1 grammar of PROTOCOL.md written naively (2D indexing, arrays), as an independent reference. */
function referencePredict(d: Uint16Array, width: number, height: number): number[] {
  const out: number[] = [];
  for (let y = 0; y < height; y++) {
    for (let x = 0; x < width; x++) {
      const prediction = y === 0 ? (x === 0 ? 0 : (d[x - 1] as number)) : (d[(y - 1) * width + x] as number);
      let r = ((d[y * width + x] as number) - prediction + 65536) % 65536;
      if (r >= 32768) r -= 65536;
      const z = r >= 0 ? 2 * r : -2 * r - 1;
      if (z < 255) out.push(z);
      else out.push(255, z % 256, z >> 8);
    }
  }
  return out;
}

/** A zstd frame (RFC 8878) holding `content` in one raw block, single segment, content size in 1 byte. */
function rawZstdFrame(content: number[]): Uint8Array {
  const blockHeader = 1 | (content.length << 3); // last block, type raw
  return Uint8Array.from([
    0x28,
    0xb5,
    0x2f,
    0xfd,
    0x20, // frame header descriptor: single segment, 1-byte content size
    content.length,
    blockHeader & 255,
    (blockHeader >> 8) & 255,
    blockHeader >> 16,
    ...content,
  ]);
}

function roundTrip(d: Uint16Array, width: number): void {
  const bytes = upZstdEncode(d, width);
  const back = upZstdDecode(bytes, d.length, width);
  // Compare as one buffer: toEqual on large typed arrays is slow.
  expect(Buffer.from(back.buffer).equals(Buffer.from(d.buffer, d.byteOffset, d.byteLength))).toBe(true);
}

let zstdOf: (bytes: Uint8Array) => Uint8Array;

beforeAll(async () => {
  await Promise.all([loadUpZstdEncoder(), loadUpZstdDecoder()]);
  const zstd = await import("@bokuweb/zstd-wasm"); // initialised by loadUpZstdEncoder
  zstdOf = (bytes) => zstd.compress(bytes, UP_ZSTD_LEVEL);
});

/** The encoding byte of an encoded DepthImage message with no timelines (PROTOCOL.md offsets). */
function encodingByteOffset(bytes: Uint8Array): number {
  // header 8, entity length u16 + path, timelines count 0, body length u32, then width, height,
  // datatype, colormap, encoding.
  const pathLength = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength).getUint16(8, true);
  return 10 + pathLength + 1 + 4 + 10;
}

// Real frames and hundreds of fuzz cases: seconds on a loaded 2-core machine, past vitest's 5 s default.
describe("up-zstd depth codec", { timeout: 60_000 }, () => {
  it("golden stage-1 bytes (PROTOCOL.md), and a hand-built zstd frame of them decodes", () => {
    const d = Uint16Array.from([0, 1000, 1002, 1001, 0, 1003]);
    const stageOne = [0x00, 0xff, 0xd0, 0x07, 0x04, 0xff, 0xd2, 0x07, 0xff, 0xcf, 0x07, 0x02];
    expect(Array.from(upEscPredict(d, 3))).toEqual(stageOne);
    expect(referencePredict(d, 3, 2)).toEqual(stageOne);
    expect(Array.from(upZstdDecode(rawZstdFrame(stageOne), 6, 3))).toEqual(Array.from(d));
    const wrap = Uint16Array.from([65535, 0, 127, 255]);
    expect(Array.from(upEscPredict(wrap, 4))).toEqual([0x01, 0x02, 0xfe, 0xff, 0x00, 0x01]);
    expect(Array.from(upZstdDecode(rawZstdFrame([1, 2, 0xfe, 0xff, 0, 1]), 4, 4))).toEqual(Array.from(wrap));
    // What this encoder writes: one frame, magic first, content size in the header.
    const ours = upZstdEncode(d, 3);
    expect(Array.from(ours.subarray(0, 4))).toEqual([0x28, 0xb5, 0x2f, 0xfd]);
    expect(UP_ZSTD_LEVEL).toBe(1);
  });

  it("the committed unpredict WebAssembly is what npm wabt builds from the .wat", async () => {
    const committed = readFileSync(new URL("./wasm/upEscUnpredictWasm.ts", import.meta.url), "utf8");
    expect(committed).toBe(upEscUnpredictSource(await buildUpEscUnpredict()));
  });

  it("the committed zstd decoder is the one the installed zstddec embeds", () => {
    const committed = readFileSync(new URL("./wasm/zstdDecoderWasm.ts", import.meta.url), "utf8");
    expect(committed).toBe(zstdDecoderSource());
  });

  it("round-trips every shipped frame bit-exactly, stage 1 matching the naive reference", () => {
    for (const set of loadSampleSets()) {
      for (const frame of set.frames) {
        roundTrip(frame.depth, frame.width);
        expect(
          Buffer.from(upEscPredict(frame.depth, frame.width)).equals(
            Buffer.from(referencePredict(frame.depth, frame.width, frame.height)),
          ),
        ).toBe(true);
      }
    }
  });

  it("beats RVL by the issue's goals and deflate-1 on the shipped frames", () => {
    for (const set of sampleSetSizes(upZstdEncode)) {
      expect(set.rvl / set.bytes, set.name).toBeGreaterThanOrEqual(set.goal);
      expect(set.bytes, set.name).toBeLessThan(set.deflate);
    }
  });

  it("round-trips edge cases: 1x1, odd widths, all-zero, all-max, 16384 x 1, 1 x 16384, random masks", () => {
    for (const c of u16EdgeCases(4, 200)) {
      roundTrip(c.depth, c.width);
      expect(Array.from(upEscPredict(c.depth, c.width))).toEqual(
        referencePredict(c.depth, c.width, c.height),
      );
    }
  });

  it("fuzzed payloads give only DecodeError; the decoder stays usable after each", () => {
    const random = seededRandom(4444);
    const frame = loadSampleSets()[1]!.frames[0]!;
    const good = upZstdEncode(frame.depth, frame.width);
    const stageOne = upEscPredict(frame.depth, frame.width).slice();
    const payloads = damagedPayloads(good, stageOne, 400, random, zstdOf);
    const refused = countRefusals(
      payloads,
      [(bytes: Uint8Array) => upZstdDecode(bytes, frame.depth.length, frame.width)],
      frame.depth.length,
      "up-zstd",
    );
    expect(refused).toBeGreaterThan(300);
    roundTrip(frame.depth, frame.width);
  });

  it("refuses content sizes outside [pixels, 3 x pixels] before allocating, bad frames, short and long stage 1", () => {
    const refusal = (bytes: Uint8Array, pixels: number, width: number) => {
      try {
        upZstdDecode(bytes, pixels, width);
      } catch (error) {
        expect(error).toBeInstanceOf(DecodeError);
        return (error as DecodeError).message;
      }
      throw new Error("decoded");
    };
    // A frame claiming 2^31 bytes of content (4-byte content size field) in a few bytes.
    const huge = Uint8Array.from([0x28, 0xb5, 0x2f, 0xfd, 0xa0, 0, 0, 0, 0x80, 0x01, 0, 0]);
    expect(refusal(huge, 4, 2)).toMatch(/content of 2147483648 bytes, 4 pixels take 4\.\.12/);
    // No content size in the header (not single segment: a window descriptor instead).
    const unsized = Uint8Array.from([0x28, 0xb5, 0x2f, 0xfd, 0x00, 0x00, 0x21, 0x00, 0x00, 1, 2, 3, 4]);
    expect(refusal(unsized, 4, 2)).toMatch(/content size \(unknown\)/);
    expect(refusal(new Uint8Array(0), 4, 2)).toMatch(/not a whole zstd frame/);
    expect(refusal(Uint8Array.of(1, 2, 3), 4, 2)).toMatch(/not a whole zstd frame/);
    expect(refusal(rawZstdFrame([]), 4, 2)).toMatch(/content of 0 bytes/);
    expect(refusal(rawZstdFrame([0, 0, 0, 0, 9]), 4, 2)).toMatch(/1 stage-1 bytes after the last pixel/);
    // An escape cut short by the end, in the first row and in a later one.
    expect(refusal(rawZstdFrame([0, 0, 0xff, 1]), 3, 3)).toMatch(/ends before pixel 3/);
    expect(refusal(rawZstdFrame([0, 0, 0, 0xff, 1]), 4, 2)).toMatch(/ends before pixel 4/);
    // Exactly one frame: a second frame or a skippable frame after it, or only a skippable frame.
    const one = rawZstdFrame([0, 0, 0, 0]);
    expect(Array.from(upZstdDecode(one, 4, 2))).toEqual([0, 0, 0, 0]);
    expect(zstdFrameExtent(one)).toEqual({ length: one.length, contentBound: 4 });
    expect(refusal(Uint8Array.from([...one, ...rawZstdFrame([])]), 4, 2)).toMatch(
      /9 bytes after the zstd frame/,
    );
    const skippable = [0x50, 0x2a, 0x4d, 0x18, 2, 0, 0, 0, 7, 7];
    expect(refusal(Uint8Array.from([...one, ...skippable]), 4, 2)).toMatch(/10 bytes after the zstd frame/);
    expect(refusal(Uint8Array.from(skippable), 4, 2)).toMatch(/not a whole zstd frame/);
    expect(refusal(one.subarray(0, one.length - 1), 4, 2)).toMatch(/not a whole zstd frame/);
    // A content size in range that its blocks cannot give: refused before memory is reserved for it.
    const claims = Uint8Array.from([0x28, 0xb5, 0x2f, 0xfd, 0xa0, 0x00, 0x60, 0x09, 0x00, 0x01, 0, 0]);
    expect(refusal(claims, 640 * 480, 640)).toMatch(/content of 614400 bytes from blocks giving 0 at most/);
    // Content longer than the header says.
    const lying = rawZstdFrame([0, 0, 0, 0, 0]);
    lying[5] = 4;
    expect(refusal(lying, 4, 2)).toMatch(/invalid zstd frame/);
    roundTrip(Uint16Array.of(1, 2, 3, 4), 2);
  });

  it("gives back the WebAssembly memory of one large frame: the next frame runs in a fresh instance", () => {
    // A valid ~1 KB payload of 2^25 zero pixels (the pixel cap) grows the decoder's memory past 96 MiB
    // (stage 1 + output), which a WebAssembly memory never returns; a VGA frame after it needs ~2 MiB.
    const big = upZstdEncode(new Uint16Array(2 ** 25), 8192);
    expect(big.length).toBeLessThan(4096);
    expect(upZstdDecode(big, 2 ** 25, 8192)[2 ** 25 - 1]).toBe(0);
    const vga = loadSampleSets()[0]!.frames[0]!;
    roundTrip(vga.depth, vga.width);
    expect(upZstdDecoderMemoryBytes()).toBeGreaterThan(0);
    expect(upZstdDecoderMemoryBytes()).toBeLessThanOrEqual(UP_ZSTD_DECODER_MEMORY_BOUND);
  });

  it("travels in a message as encoding 4, U16 only; an unknown encoding is refused by name", () => {
    const f = loadSampleSets()[0]!.frames[0]!;
    const img = new DepthImage(f.depth, { width: f.width, height: f.height, meter: 5000 });
    const message = { entityPath: "cam/depth", timelines: [], static: false, archetype: img };
    const up = encodeMessage(message, { depthEncoding: "up-zstd" });
    const rvl = encodeMessage(message);
    expect(up.length * 1.6).toBeLessThan(rvl.length);
    expect(up.length).toBeLessThan(medEncode(f.depth, f.width).length);
    const back = decodeMessage(up).archetype as DepthImage;
    expect(Buffer.from((back.data as Uint16Array).buffer).equals(Buffer.from(f.depth.buffer))).toBe(true);
    // The encoding byte: a reader that does not know an id refuses it as invalid-field (what a reader
    // from before encoding 4 does with 4; this one with 5).
    const body = encodingByteOffset(up);
    expect(up[body]).toBe(4);
    const unknown = up.slice();
    unknown[body] = 5;
    expect(() => decodeMessage(unknown)).toThrow(/DepthImage.encoding: unknown encoding 5 \(invalid-field\)/);
    const floats = new DepthImage(new Float32Array(4), { width: 2, height: 2 });
    expect(() => encodeMessage({ ...message, archetype: floats }, { depthEncoding: "up-zstd" })).toThrow(
      /up-zstd carries U16 only/,
    );
  });
});
