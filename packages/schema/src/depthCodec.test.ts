import { deflateRawSync, inflateRawSync } from "node:zlib";
import { describe, expect, it } from "vitest";
import { sampleSetSizes, u16EdgeCases } from "../testing/depthCases.ts";
import { countRefusals, damagedPayloads, seededRandom } from "../testing/fuzzPayloads.ts";
import { loadSampleSets } from "../testing/samples.ts";
import {
  MED_DEFLATE_IMPLEMENTATION,
  medDecode,
  medEncode,
  medInflateJs,
  medPredict,
  medStageOneBound,
  medUnpredict,
} from "./depthCodec.ts";
import { DepthImage } from "./depthImage.ts";
import { decodeMessage, encodeMessage } from "./message.ts";

/** The stage-1 grammar of PROTOCOL.md written naively (2D loops, arrays), as an independent reference. */
function referencePredict(d: Uint16Array, width: number, height: number): number[] {
  const out: number[] = [];
  const varint = (v: number) => {
    while (v >= 128) {
      out.push((v % 128) + 128);
      v = Math.floor(v / 128);
    }
    out.push(v);
  };
  const at = (x: number, y: number) => (x < 0 || y < 0 ? 0 : (d[y * width + x] as number));
  let previous = 0;
  let p = 0;
  const n = width * height;
  while (p < n) {
    let zeros = 0;
    while (p + zeros < n && d[p + zeros] === 0) zeros++;
    varint(zeros);
    p += zeros;
    let count = 0;
    while (p + count < n && d[p + count] !== 0) count++;
    varint(count);
    for (let k = 0; k < count; k++, p++) {
      const x = p % width;
      const y = Math.floor(p / width);
      const a = at(x - 1, y);
      const b = at(x, y - 1);
      const c = at(x - 1, y - 1);
      let prediction: number;
      if (a && b && c) {
        if (c >= Math.max(a, b)) prediction = Math.min(a, b);
        else if (c <= Math.min(a, b)) prediction = Math.max(a, b);
        else prediction = a + b - c;
      } else prediction = a || b || previous;
      let delta = (d[p] as number) - prediction;
      if (delta > 32767) delta -= 65536;
      if (delta < -32768) delta += 65536;
      varint(delta >= 0 ? 2 * delta : -2 * delta - 1);
      previous = d[p] as number;
    }
  }
  return out;
}

function roundTrip(d: Uint16Array, width: number): void {
  const bytes = medEncode(d, width);
  const back = medDecode(bytes, d.length, width);
  expect(back.length).toBe(d.length);
  // The browsers' path (fflate, JS) reads what Node's zlib wrote.
  const js = medUnpredict(medInflateJs(bytes, d.length), d.length, width);
  expect(Buffer.from(js.buffer).equals(Buffer.from(back.buffer))).toBe(true);
  // Compare as one buffer: toEqual on large typed arrays is slow.
  expect(Buffer.from(back.buffer).equals(Buffer.from(d.buffer, d.byteOffset, d.byteLength))).toBe(true);
  // Any raw-DEFLATE decoder reads the payload (zlib here; browsers' DecompressionStream("deflate-raw")).
  expect(Buffer.from(inflateRawSync(bytes)).equals(Buffer.from(medPredict(d, width)))).toBe(true);
}

// Real frames and hundreds of fuzz cases: seconds on a loaded 2-core machine, past vitest's 5 s default.
describe("MED-deflate depth codec", { timeout: 60_000 }, () => {
  it("golden stage-1 bytes of a 3x2 image (PROTOCOL.md)", () => {
    const d = Uint16Array.from([0, 1000, 1002, 1001, 0, 1003]);
    const stageOne = Array.from(medPredict(d, 3));
    expect(stageOne).toEqual([0x01, 0x03, 0xd0, 0x0f, 0x04, 0x01, 0x01, 0x01, 0x02]);
    expect(referencePredict(d, 3, 2)).toEqual(stageOne);
    // A stored (uncompressed) DEFLATE block holding those bytes decodes: any encoder's output is valid.
    const stored = Uint8Array.from([0x01, 9, 0, 0xf6, 0xff, ...stageOne]);
    expect(Array.from(medDecode(stored, 6, 3))).toEqual(Array.from(d));
  });

  it("round-trips every shipped frame bit-exactly, stage 1 matching the naive reference", () => {
    for (const set of loadSampleSets()) {
      for (const frame of set.frames) {
        roundTrip(frame.depth, frame.width);
        expect(referencePredict(frame.depth, frame.width, frame.height)).toEqual(
          Array.from(medPredict(frame.depth, frame.width)),
        );
      }
    }
  });

  it("beats RVL by the issue's goals and deflate-1 on the shipped frames", () => {
    for (const set of sampleSetSizes(medEncode)) {
      expect(set.rvl / set.bytes, set.name).toBeGreaterThanOrEqual(set.goal);
      expect(set.bytes, set.name).toBeLessThan(set.deflate);
    }
  });

  it("round-trips edge cases: 1x1, odd widths, all-zero, all-max, 16384 x 1, 1 x 16384, random masks", () => {
    for (const c of u16EdgeCases(19, 200, 1)) roundTrip(c.depth, c.width);
  });

  it("fuzzed payloads give only DecodeError, never more memory than the stage-1 bound", () => {
    const random = seededRandom(1919);
    const frame = loadSampleSets()[1]!.frames[0]!;
    const good = medEncode(frame.depth, frame.width);
    const stageOne = medPredict(frame.depth, frame.width).slice();
    const refused = countRefusals(
      damagedPayloads(good, stageOne, 400, random),
      [
        (bytes: Uint8Array) => medDecode(bytes, frame.depth.length, frame.width),
        (bytes: Uint8Array) =>
          medUnpredict(medInflateJs(bytes, frame.depth.length), frame.depth.length, frame.width),
      ],
      frame.depth.length,
      "med",
    );
    expect(refused).toBeGreaterThan(600);
  });

  it("refuses a payload inflating past the bound, trailing bytes, overlong varints and zeros in a run", () => {
    const bomb = deflateRawSync(new Uint8Array(medStageOneBound(4) + 100));
    expect(MED_DEFLATE_IMPLEMENTATION).toBe("node:zlib");
    expect(() => medDecode(bomb, 4, 2)).toThrow(/inflates past/);
    expect(() => medInflateJs(bomb, 4)).toThrow(/inflates past/);
    expect(() => medUnpredict(Uint8Array.of(0, 1, 2, 9), 1, 1)).toThrow(/left after the last pixel/);
    expect(() => medUnpredict(Uint8Array.of(0x80, 0x80, 0x80, 0x80, 0x00), 1, 1)).toThrow(/varint/);
    expect(() => medUnpredict(Uint8Array.of(0, 1, 0xff, 0xff, 0x04), 1, 1)).toThrow(/varint/);
    expect(() => medUnpredict(Uint8Array.of(0, 1, 0), 1, 1)).toThrow(/zero depth/);
    expect(() => medUnpredict(Uint8Array.of(0, 2, 2), 1, 1)).toThrow(/overflows/);
    expect(() => medUnpredict(Uint8Array.of(0, 1), 1, 1)).toThrow(/ends at pixel/);
  });

  it("travels in a message as encoding 2; RVL and raw stay readable; U16 only", () => {
    const set = loadSampleSets()[0]!;
    const f = set.frames[0]!;
    const img = new DepthImage(f.depth, { width: f.width, height: f.height, meter: 5000 });
    const med = encodeMessage(
      { entityPath: "cam/depth", timelines: [], static: false, archetype: img },
      { depthEncoding: "med" },
    );
    const rvl = encodeMessage({ entityPath: "cam/depth", timelines: [], static: false, archetype: img });
    expect(med.length * 1.6).toBeLessThan(rvl.length);
    for (const bytes of [med, rvl]) {
      const back = decodeMessage(bytes).archetype as DepthImage;
      expect(Buffer.from((back.data as Uint16Array).buffer).equals(Buffer.from(f.depth.buffer))).toBe(true);
    }
    // The encoding byte sits after width, height, datatype and colormap in the body.
    const floats = new DepthImage(new Float32Array(4), { width: 2, height: 2 });
    expect(() =>
      encodeMessage(
        { entityPath: "c", timelines: [], static: false, archetype: floats },
        { depthEncoding: "med" },
      ),
    ).toThrow(/med carries U16 only/);
  });
});
