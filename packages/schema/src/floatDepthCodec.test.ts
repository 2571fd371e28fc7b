import { deflateRawSync, inflateRawSync } from "node:zlib";
import { describe, expect, it } from "vitest";
import { generatedFloatSequence } from "../testing/floatSequence.ts";
import { countRefusals, damagedPayloads, seededRandom } from "../testing/fuzzPayloads.ts";
import { loadSampleSets } from "../testing/samples.ts";
import { inflateRawJs } from "./depthCodec.ts";
import { DepthImage } from "./depthImage.ts";
import {
  floatDecode,
  floatEncode,
  floatPredict,
  floatStageOneBits,
  floatStageOneBound,
  floatUnpredict,
} from "./floatDepthCodec.ts";
import { decodeMessage, encodeMessage } from "./message.ts";

/** The stage-1 grammar of PROTOCOL.md written naively (2D loops, BigInt-free u32 maths), as a reference. */
function referencePredict(f: Float32Array, width: number, bitsLayout = false): number[] {
  const bits = Array.from(new Uint32Array(f.buffer, f.byteOffset, f.length));
  const height = bits.length / width;
  const nans = bits.filter((b) => b === 0x7fc00000).length;
  const zeros = bits.filter((b) => b === 0).length;
  const hole = nans >= zeros ? 0x7fc00000 : 0;
  const virtual: number[] = [];
  const at = (x: number, y: number) => (x < 0 || y < 0 ? 0 : (virtual[y * width + x] as number));
  const residuals: number[] = [];
  const runs: number[] = [];
  let inHoles = true;
  let run = 0;
  for (let y = 0; y < height; y++) {
    for (let x = 0; x < width; x++) {
      const prediction = (at(x - 1, y) + at(x, y - 1) - at(x - 1, y - 1)) >>> 0;
      const value = bits[y * width + x] as number;
      const isHole = value === hole;
      if (isHole !== inHoles) {
        runs.push(run);
        run = 0;
        inHoles = isHole;
      }
      run++;
      virtual.push(isHole ? prediction : value);
      if (!isHole) {
        const d = (value - prediction) | 0;
        residuals.push(d >= 0 ? 2 * d : -2 * d - 1);
      }
    }
  }
  runs.push(run);
  if (runs.length % 2) runs.push(0);
  const out = [hole & 255, (hole >>> 8) & 255, (hole >>> 16) & 255, hole >>> 24];
  const interleaved = residuals.filter((z) => z === 0).length * 4 > residuals.length;
  out.push(bitsLayout ? 2 : interleaved ? 1 : 0);
  for (let r of runs) {
    while (r >= 128) {
      out.push((r % 128) + 128);
      r = Math.floor(r / 128);
    }
    out.push(r);
  }
  const byte = (z: number, k: number) => Math.floor(z / 256 ** k) % 256;
  if (bitsLayout) {
    for (const v of bits) if (v !== hole) out.push(byte(v, 0), byte(v, 1), byte(v, 2), byte(v, 3));
  } else if (interleaved) for (const z of residuals) out.push(byte(z, 0), byte(z, 1), byte(z, 2), byte(z, 3));
  else for (let k = 0; k < 4; k++) for (const z of residuals) out.push(byte(z, k));
  return out;
}

const bits = (f: Float32Array) => Buffer.from(f.buffer, f.byteOffset, f.byteLength);

function roundTrip(f: Float32Array, width: number): void {
  const bytes = floatEncode(f, width);
  expect(bits(floatDecode(bytes, f.length, width)).equals(bits(f))).toBe(true);
  // Browsers' JS path (fflate) and any raw-DEFLATE reader read what Node's zlib wrote.
  const bound = floatStageOneBound(f.length);
  const js = floatUnpredict(inflateRawJs(bytes, bound, "float-deflate"), f.length, width);
  expect(bits(js).equals(bits(f))).toBe(true);
  const i32 = new Int32Array(f.buffer, f.byteOffset, f.length);
  const inflated = inflateRawSync(bytes);
  // Layout 2 only where the encoder also had layout 1, and only when it deflated smaller.
  const predicted = floatPredict(i32, width).slice();
  let stageOne = predicted;
  if (inflated[4] === 2) {
    expect(predicted[4]).toBe(1);
    expect(bytes.length).toBeLessThan(deflateRawSync(predicted, { level: 1 }).length);
    stageOne = floatStageOneBits(i32, floatPredict(i32, width)).slice();
  }
  expect(Buffer.from(inflated).equals(Buffer.from(stageOne))).toBe(true);
  // The naive reference is slow: held to every image up to 2^17 pixels (the shipped Azure frames).
  if (f.length <= 1 << 17)
    expect(Array.from(stageOne)).toEqual(referencePredict(f, width, inflated[4] === 2));
}

describe("float-deflate depth codec (F32)", { timeout: 60_000 }, () => {
  it("golden stage-1 bytes of a 3x2 image (PROTOCOL.md)", () => {
    const f = Float32Array.of(Number.NaN, 1, 1, 2, Number.NaN, 1);
    const stageOne = Array.from(floatPredict(new Int32Array(f.buffer), 3));
    // Worked by hand in PROTOCOL.md: hole NaN, layout 0 (planes), runs 1 3 1 1, residuals 7f000000,
    // 0, 80000000, 7fffffff (the hole at (1,1) predicts 7f800000 for its right neighbour).
    expect(Buffer.from(stageOne).toString("hex")).toBe("0000c07f0001030101000000ff000000ff000000ff7f00807f");
    expect(referencePredict(f, 3)).toEqual(stageOne);
    // A stored (uncompressed) DEFLATE block holding those bytes decodes: any encoder's output is valid.
    const stored = Uint8Array.from([0x01, stageOne.length, 0, ~stageOne.length & 255, 0xff, ...stageOne]);
    expect(bits(floatDecode(stored, 6, 3)).equals(bits(f))).toBe(true);
    // Layout 2 (PROTOCOL.md): the same header and runs, then the non-hole pixels' own bits.
    const i32 = new Int32Array(f.buffer);
    const plain = Array.from(floatStageOneBits(i32, floatPredict(i32, 3)));
    expect(Buffer.from(plain).toString("hex")).toBe("0000c07f02010301010000803f0000803f000000400000803f");
    expect(referencePredict(f, 3, true)).toEqual(plain);
    const storedPlain = Uint8Array.from([0x01, plain.length, 0, ~plain.length & 255, 0xff, ...plain]);
    expect(bits(floatDecode(storedPlain, 6, 3)).equals(bits(f))).toBe(true);
  });

  it("round-trips NaN payloads, infinities, -0, denormals and extremes bit-exactly", () => {
    const special = new Uint32Array([
      0x7fc00000, 0x7fc00001, 0xffc00000, 0x7f800001, 0x7f800000, 0xff800000, 0x00000000, 0x80000000,
      0x00000001, 0x007fffff, 0x80000001, 0x7f7fffff, 0xff7fffff, 0x3f800000, 0xbf800000, 0x00800000,
    ]);
    roundTrip(new Float32Array(special.buffer), 4);
    roundTrip(new Float32Array(special.buffer), 16);
    roundTrip(new Float32Array(special.buffer), 1);
  });

  it("round-trips edge cases: 1x1, all NaN, all zero, odd widths, random masks, all three layouts", () => {
    for (const v of [Number.NaN, 0, -0, 1.5, Number.POSITIVE_INFINITY]) roundTrip(Float32Array.of(v), 1);
    roundTrip(new Float32Array(7 * 5).fill(Number.NaN), 7);
    roundTrip(new Float32Array(7 * 5), 7);
    roundTrip(new Float32Array(64 * 3).fill(2.5), 64);
    const random = seededRandom(32);
    const u32 = new Uint32Array(1);
    for (let trial = 0; trial < 200; trial++) {
      const width = 1 + Math.floor(random() * 67);
      const height = 1 + Math.floor(random() * 23);
      const f = new Float32Array(width * height);
      const view = new Uint32Array(f.buffer);
      const invalid = random();
      const hole = trial % 3 === 0 ? 0 : Number.NaN;
      const quantised = trial % 2 === 0; // many zero residuals: the interleaved layout
      for (let i = 0; i < f.length; i++) {
        if (random() < invalid) {
          f[i] = hole;
          continue;
        }
        if (trial % 5 === 4) {
          u32[0] = Math.floor(random() * 2 ** 32); // any bit pattern, NaNs and denormals included
          view[i] = u32[0] as number;
        } else {
          const edge = i % width > width / 2 ? 3 : 0;
          f[i] = quantised ? Math.round((1 + edge + random()) * 10) / 10 : 1 + edge + random() * 0.01;
        }
      }
      roundTrip(f, width);
    }
  });

  it("round-trips the generated sequence and the shipped frames converted to metres", () => {
    for (const frame of generatedFloatSequence(2)) roundTrip(frame.depth, frame.width);
    for (const set of loadSampleSets()) {
      const f = set.frames[0]!;
      const metres = Float32Array.from(f.depth, (v) => (v === 0 ? Number.NaN : v / set.unitsPerMetre));
      roundTrip(metres, f.width);
      // Kinect v1 depth in metres: few distinct values, where layout 2 (the bits) deflates smallest.
      if (set.name.includes("Kinect v1")) expect(inflateRawSync(floatEncode(metres, f.width))[4]).toBe(2);
      expect(floatEncode(metres, f.width).length).toBeLessThan(
        deflateRawSync(bits(metres), { level: 1 }).length,
      );
    }
  });

  it("fuzzed payloads give only DecodeError, within the stage-1 bound", () => {
    const random = seededRandom(3232);
    const frame = generatedFloatSequence(1, 64, 48)[0]!;
    const good = floatEncode(frame.depth, frame.width);
    const stageOne = floatPredict(new Int32Array(frame.depth.buffer), frame.width).slice();
    const n = frame.depth.length;
    const refused = countRefusals(
      damagedPayloads(good, stageOne, 400, random),
      [
        (bytes: Uint8Array) => floatDecode(bytes, n, frame.width),
        (bytes: Uint8Array) =>
          floatUnpredict(inflateRawJs(bytes, floatStageOneBound(n), "float-deflate"), n, frame.width),
      ],
      n,
      "float-deflate",
    );
    expect(refused).toBeGreaterThan(500);
  });

  it("refuses a bomb, a bad layout, planes of the wrong length, leftovers and the hole outside a hole run", () => {
    const bomb = deflateRawSync(new Uint8Array(floatStageOneBound(4) + 100));
    expect(() => floatDecode(bomb, 4, 2)).toThrow(/inflates past/);
    expect(() => inflateRawJs(bomb, floatStageOneBound(4), "float-deflate")).toThrow(/inflates past/);
    const one = (...b: number[]) => Uint8Array.from(b);
    // 1x1, hole NaN, layout 0, runs 0 1, residual 0x3f800000 zigzagged = 0x7f000000: 1.0.
    expect(floatUnpredict(one(0, 0, 0xc0, 0x7f, 0, 0, 1, 0, 0, 0, 0x7f), 1, 1)[0]).toBe(1);
    expect(() => floatUnpredict(one(0, 0, 0xc0, 0x7f, 3, 0, 1, 0, 0, 0, 0x7f), 1, 1)).toThrow(/layout/);
    // Layout 2: the bits as they are, 0x3f800000: 1.0; the hole pattern itself is refused there too.
    expect(floatUnpredict(one(0, 0, 0xc0, 0x7f, 2, 0, 1, 0, 0, 0x80, 0x3f), 1, 1)[0]).toBe(1);
    expect(() => floatUnpredict(one(0, 0, 0xc0, 0x7f, 2, 0, 1, 0, 0, 0xc0, 0x7f), 1, 1)).toThrow(/hole/);
    expect(() => floatUnpredict(one(0, 0, 0xc0, 0x7f, 0, 0, 1, 0, 0, 0), 1, 1)).toThrow(/residuals/);
    expect(() => floatUnpredict(one(0, 0, 0xc0, 0x7f, 0, 0, 1, 0, 0, 0, 0x7f, 9), 1, 1)).toThrow(/residuals/);
    expect(() => floatUnpredict(one(0, 0, 0xc0, 0x7f, 0, 0, 2, 0, 0, 0, 0x7f), 1, 1)).toThrow(/overflows/);
    expect(() => floatUnpredict(one(0, 0, 0xc0, 0x7f, 0, 1), 1, 1)).toThrow(/ends at pixel/);
    expect(() => floatUnpredict(one(0, 0, 0xc0), 1, 1)).toThrow(/header/);
    // zigzag 0xff800000 -> 0x7fc00000, the hole pattern, in a run of non-holes.
    expect(() => floatUnpredict(one(0, 0, 0xc0, 0x7f, 0, 0, 1, 0, 0, 0x80, 0xff), 1, 1)).toThrow(/hole/);
    expect(() => floatUnpredict(one(0, 0, 0xc0, 0x7f, 0, 0x80, 0x80, 0x80, 0x80, 0x01), 1, 1)).toThrow(
      /varint/,
    );
  });

  it("travels in a message as encoding 3 (F32 only); raw F32 stays readable", () => {
    const frame = generatedFloatSequence(1, 40, 30)[0]!;
    const img = new DepthImage(frame.depth, { width: 40, height: 30, depthRange: [0.5, 4] });
    const message = { entityPath: "cam/depth", timelines: [], static: false, archetype: img };
    const packed = encodeMessage(message, { depthEncoding: "float-deflate" });
    const raw = encodeMessage(message);
    expect(packed.length).toBeLessThan(raw.length);
    for (const bytes of [packed, raw]) {
      const back = decodeMessage(bytes).archetype as DepthImage;
      expect(back.datatype).toBe("F32");
      expect(bits(back.data as Float32Array).equals(bits(frame.depth))).toBe(true);
    }
    const u16 = new DepthImage(new Uint16Array(4), { width: 2, height: 2 });
    expect(() =>
      encodeMessage(
        { entityPath: "c", timelines: [], static: false, archetype: u16 },
        { depthEncoding: "float-deflate" },
      ),
    ).toThrow(/float-deflate carries F32 only/);
  });
});
