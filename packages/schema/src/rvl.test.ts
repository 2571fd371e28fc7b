import { describe, expect, it } from "vitest";
import { loadSampleSets } from "../testing/samples.ts";
import { DecodeError } from "./errors.ts";
import { rvlDecode, rvlEncode } from "./rvl.ts";

/**
 * A line-by-line port of the decoder published with the RVL paper (Wilson 2017, Figure 2): words read
 * in order, nibbles taken from the most significant end. Kept deliberately naive, as the independent
 * reference that our layout matches the paper's.
 */
function paperDecode(bytes: Uint8Array, numPixels: number): Uint16Array {
  const buffer = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  let pBuffer = 0;
  let word = 0;
  let nibblesWritten = 0;
  const decodeVLE = (): number => {
    let nibble: number;
    let value = 0;
    let bits = 29;
    do {
      if (!nibblesWritten) {
        word = buffer.getUint32(pBuffer, true);
        pBuffer += 4;
        nibblesWritten = 8;
      }
      nibble = (word & 0xf0000000) >>> 0;
      value |= (nibble << 1) >>> bits;
      word = (word << 4) >>> 0;
      nibblesWritten--;
      bits -= 3;
    } while (nibble & 0x80000000);
    return value;
  };
  const output = new Uint16Array(numPixels);
  let o = 0;
  let previous = 0;
  while (o < numPixels) {
    let zeros = decodeVLE();
    let nonzeros = decodeVLE();
    while (zeros--) output[o++] = 0;
    while (nonzeros--) {
      const positive = decodeVLE();
      const delta = (positive >> 1) ^ -(positive & 1);
      const current = (previous + delta) & 0xffff;
      output[o++] = current;
      previous = current;
    }
  }
  return output;
}

describe("RVL", () => {
  it("round-trips edge cases bit-exactly", () => {
    const cases: Uint16Array[] = [
      new Uint16Array(0),
      new Uint16Array(1),
      Uint16Array.of(1),
      Uint16Array.of(65535),
      Uint16Array.of(0, 65535, 0, 1, 65535, 1, 0, 0, 32768, 32767),
      new Uint16Array(100_000),
      new Uint16Array(100_000).fill(65535),
      Uint16Array.from({ length: 10_007 }, (_, i) => (i * 7919) & 0xffff),
      Uint16Array.from({ length: 10_007 }, (_, i) => (i % 3 === 0 ? 0 : 1000 + (i % 17))),
    ];
    for (const input of cases) {
      const encoded = rvlEncode(input);
      expect(encoded.length % 4).toBe(0);
      expect(rvlDecode(encoded, input.length)).toEqual(input);
      expect(paperDecode(encoded, input.length)).toEqual(input);
    }
  });

  it("encodes a known stream in the paper's layout", () => {
    // Pixels [0, 0, 5, 6]: zeros=2 -> 0x2, nonzeros=2 -> 0x2, zigzag(5)=10 -> 0xA 0x1, zigzag(1)=2 -> 0x2.
    // Nibbles 2 2 A 1 2, padded: word 0x22A12000, stored little-endian.
    expect([...rvlEncode(Uint16Array.of(0, 0, 5, 6))]).toEqual([0x00, 0x20, 0xa1, 0x22]);
  });

  // The ratio is a property of a sensor's data, so it is asserted per sample set (all its bytes over
  // all its compressed bytes): RVL gives about 3.4 on both sets (research notes: TUM 3.47, Azure 3.40).
  describe.each(loadSampleSets())("on real frames: $name", (set) => {
    let rawBytes = 0;
    let compressedBytes = 0;
    it.each(set.frames)("$file round-trips bit-exactly, also through the paper's decoder", (frame) => {
      const encoded = rvlEncode(frame.depth);
      expect(rvlDecode(encoded, frame.depth.length)).toEqual(frame.depth);
      expect(paperDecode(encoded, frame.depth.length)).toEqual(frame.depth);
      rawBytes += frame.depth.byteLength;
      compressedBytes += encoded.length;
    });
    it("compresses the set by >= 3.35x", () => {
      expect(compressedBytes).toBeGreaterThan(0);
      expect(rawBytes / compressedBytes).toBeGreaterThanOrEqual(3.35);
    });
  });

  it("rejects corrupt streams with DecodeError", () => {
    const encoded = rvlEncode(Uint16Array.from({ length: 1000 }, (_, i) => 500 + i));
    expect(() => rvlDecode(encoded.subarray(0, 8), 1000)).toThrow(DecodeError); // ends early
    expect(() => rvlDecode(encoded.subarray(0, 7), 1000)).toThrow(DecodeError); // not whole words
    expect(() => rvlDecode(new Uint8Array(64).fill(0xff), 1000)).toThrow(DecodeError); // over-long code
    // A zero run longer than the image.
    expect(() => rvlDecode(rvlEncode(new Uint16Array(5000)), 100)).toThrow(DecodeError);
  });

  it("decodes from an unaligned view", () => {
    const input = Uint16Array.from({ length: 333 }, (_, i) => (i % 5 ? i * 3 : 0));
    const encoded = rvlEncode(input);
    const shifted = new Uint8Array(encoded.length + 1);
    shifted.set(encoded, 1);
    expect(rvlDecode(shifted.subarray(1), input.length)).toEqual(input);
  });
});
