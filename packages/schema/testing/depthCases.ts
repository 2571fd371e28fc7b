import { deflateRawSync } from "node:zlib";
import { rvlEncode } from "../src/rvl.ts";
import { seededRandom } from "./fuzzPayloads.ts";
import { loadSampleSets } from "./samples.ts";

/** A U16 depth image for a codec's round trip. */
export interface U16Case {
  readonly depth: Uint16Array;
  readonly width: number;
  readonly height: number;
}

const image = (depth: Uint16Array, width: number): U16Case => ({
  depth,
  width,
  height: depth.length / width,
});

/**
 * The lossless U16 codecs' edge cases: 1x1 (0, 1, 65535), all-zero with an odd width, all-max 640x480,
 * a ramp as 16384 x 1 and 1 x 16384, alternating 65535 and 0 (or `low`), then `trials` random images
 * (seeded) of 1..67 x 1..23 pixels with a random share of holes (0), a step edge down the middle and
 * noise of 0, 3, 300 or 65535.
 */
export function u16EdgeCases(seed: number, trials: number, low = 0): U16Case[] {
  const ramp = Uint16Array.from({ length: 16384 }, (_, i) => (i * 4099) & 0xffff);
  const cases = [
    image(Uint16Array.of(0), 1),
    image(Uint16Array.of(1), 1),
    image(Uint16Array.of(65535), 1),
    image(new Uint16Array(7 * 5), 7),
    image(new Uint16Array(640 * 480).fill(65535), 640),
    image(ramp, 16384),
    image(ramp, 1),
    image(
      Uint16Array.from({ length: 9 * 3 }, (_, i) => (i % 2 ? 65535 : low)),
      9,
    ),
  ];
  const random = seededRandom(seed);
  for (let trial = 0; trial < trials; trial++) {
    const width = 1 + Math.floor(random() * 67);
    const height = 1 + Math.floor(random() * 23);
    const d = new Uint16Array(width * height);
    const invalid = random();
    const base = Math.floor(random() * 65536);
    const noise = [0, 3, 300, 65535][trial % 4] as number;
    for (let i = 0; i < d.length; i++) {
      if (random() < invalid) continue;
      const edge = i % width > width / 2 ? 20000 : 0; // a step edge down the middle
      d[i] = (base + edge + Math.floor(random() * (noise + 1))) & 0xffff || 1;
    }
    cases.push({ depth: d, width, height });
  }
  return cases;
}

/**
 * Per shipped sample set, the bytes of `encode` over its frames beside RVL's and deflate-1's of the raw
 * pixels, and issue 19's ratio goal against RVL (1.6x on Kinect v1, 1.1x on time-of-flight).
 */
export function sampleSetSizes(
  encode: (depth: Uint16Array, width: number) => Uint8Array,
): { name: string; bytes: number; rvl: number; deflate: number; goal: number }[] {
  return loadSampleSets().map((set) => {
    let bytes = 0;
    let rvl = 0;
    let deflate = 0;
    for (const f of set.frames) {
      bytes += encode(f.depth, f.width).length;
      rvl += rvlEncode(f.depth).length;
      deflate += deflateRawSync(Buffer.from(f.depth.buffer), { level: 1 }).length;
    }
    return { name: set.name, bytes, rvl, deflate, goal: set.name.includes("Kinect v1") ? 1.6 : 1.1 };
  });
}
