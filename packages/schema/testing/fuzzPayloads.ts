import { deflateRawSync } from "node:zlib";
import { DecodeError } from "../src/errors.ts";

/** mulberry32: a small seeded PRNG in [0, 1), so a failing fuzz case can be reproduced. */
export function seededRandom(seed: number): () => number {
  let s = seed >>> 0;
  return () => {
    s = (s + 0x6d2b79f5) >>> 0;
    let t = s;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/**
 * `trials` damaged versions of a depth payload staged by `compress` (raw DEFLATE unless given), four
 * kinds in turn: `good` with 1-8 bytes overwritten; `good` cut short; up to 64 random bytes; a valid
 * `compress` of `stageOne` with 1-4 bytes overwritten (half of them in its first 40 bytes, where the
 * headers and run lengths are) and 0-2 cut.
 */
export function damagedPayloads(
  good: Uint8Array,
  stageOne: Uint8Array,
  trials: number,
  random: () => number,
  compress: (bytes: Uint8Array) => Uint8Array = (bytes) => new Uint8Array(deflateRawSync(bytes)),
): Uint8Array[] {
  const out: Uint8Array[] = [];
  const at = (length: number) => Math.floor(random() * length);
  for (let trial = 0; trial < trials; trial++) {
    const mode = trial % 4;
    if (mode === 0) {
      const bytes = good.slice();
      for (let k = 0; k < 1 + at(8); k++) bytes[at(bytes.length)] = at(256);
      out.push(bytes);
    } else if (mode === 1) {
      out.push(good.slice(0, at(good.length)));
    } else if (mode === 2) {
      out.push(Uint8Array.from({ length: at(64) }, () => at(256)));
    } else {
      const damaged = stageOne.slice(0, stageOne.length - at(3));
      for (let k = 0; k < 1 + at(4); k++) {
        damaged[Math.min(random() < 0.5 ? at(40) : at(damaged.length), damaged.length - 1)] = at(256);
      }
      out.push(compress(damaged));
    }
  }
  return out;
}

/**
 * Run every decoder on every payload: each must return `pixelCount` pixels or throw a DecodeError of
 * `field`; anything else is thrown as an Error naming the payload. Returns how many were refused.
 */
export function countRefusals(
  payloads: readonly Uint8Array[],
  decoders: readonly ((bytes: Uint8Array) => ArrayLike<number>)[],
  pixelCount: number,
  field: string,
): number {
  let refused = 0;
  payloads.forEach((bytes, index) => {
    for (const decode of decoders) {
      try {
        const length = decode(bytes).length;
        if (length !== pixelCount) throw new Error(`payload ${index}: ${length} pixels, not ${pixelCount}`);
      } catch (error) {
        if (!(error instanceof DecodeError) || error.field !== field) {
          throw new Error(`payload ${index}: not a DecodeError of ${field}: ${String(error)}`);
        }
        refused++;
      }
    }
  });
  return refused;
}
