import { DecodeError } from "./errors.ts";

/*
 * RVL: lossless depth compression (A. D. Wilson, "Fast Lossless Depth Image Compression", ISS 2017).
 *
 * Pixels are scanned row-major as alternating runs: a run of zeros (no depth), then a run of non-zero
 * pixels. Each run length, and each non-zero pixel as the zigzag-mapped difference to the previous
 * non-zero pixel, is written as a variable-length code of 4-bit nibbles (3 data bits, low bits first;
 * the nibble's top bit says "more follows"). Nibbles fill 32-bit words from the most significant end;
 * words are stored little-endian; the last word is padded with zero nibbles. This is the paper's
 * reference layout (also ROS `compressed_depth_image_transport`'s `rvl_codec` and Rerun's `re_rvl`), so
 * their decoders read our output and we read theirs. Deltas are taken between unsigned 16-bit values;
 * a decoder that truncates to 16 bits (all of the above do) recovers the pixels exactly.
 *
 * The two loops below are the hot path (per pixel, per frame): state lives in locals, the variable-
 * length code is written out inline, the common one-nibble case takes a short path, and a decoded word
 * of eight one-nibble codes is unrolled.
 */

let scratch = new Int32Array(0);
/** Where an unaligned payload is copied to be read as words; reused, so a decode allocates only its output. */
let alignedCopy = new Int32Array(0);

function unalignedWords(bytes: Uint8Array): Int32Array {
  const count = bytes.length >> 2;
  if (alignedCopy.length < count) alignedCopy = new Int32Array(count);
  new Uint8Array(alignedCopy.buffer, 0, count * 4).set(bytes);
  return alignedCopy.subarray(0, count);
}

/** Compress 16-bit depth; returns a new Uint8Array of little-endian 32-bit words. */
export function rvlEncode(input: Uint16Array): Uint8Array {
  return rvlEncodeScratch(input).slice();
}

/**
 * `rvlEncode` without the copy: a view of this module's scratch buffer, valid until the next encode.
 * For writers that copy it at once (the message encoder), so a frame allocates nothing here.
 */
export function rvlEncodeScratch(input: Uint16Array): Uint8Array {
  const n = input.length;
  // Bound: each nibble run (two run lengths, <= 9 nibbles each for n <= 2^27) precedes >= 1 non-zero
  // pixel or ends the image, and each pixel costs <= 6 nibbles: nibbles <= 24n + 18.
  const maxWords = 3 * n + 3;
  if (scratch.length < maxWords) scratch = new Int32Array(maxWords);
  const out = scratch;
  let w = 0;
  let word = 0;
  let nibbles = 0;
  let previous = 0;
  let i = 0;
  while (i < n) {
    // Run of zeros.
    let start = i;
    while (i < n && input[i] === 0) i++;
    let value = i - start;
    do {
      let nibble = value & 7;
      value >>>= 3;
      if (value !== 0) nibble |= 8;
      word = (word << 4) | nibble;
      if (++nibbles === 8) {
        out[w++] = word;
        nibbles = 0;
        word = 0;
      }
    } while (value !== 0);
    // Run of non-zeros.
    start = i;
    while (i < n && input[i] !== 0) i++;
    value = i - start;
    do {
      let nibble = value & 7;
      value >>>= 3;
      if (value !== 0) nibble |= 8;
      word = (word << 4) | nibble;
      if (++nibbles === 8) {
        out[w++] = word;
        nibbles = 0;
        word = 0;
      }
    } while (value !== 0);
    // The non-zero pixels, as zigzag deltas.
    for (let j = start; j < i; j++) {
      const current = input[j] as number;
      const delta = current - previous;
      previous = current;
      let zigzag = (delta << 1) ^ (delta >> 31);
      if (zigzag < 8) {
        word = (word << 4) | zigzag;
        if (++nibbles === 8) {
          out[w++] = word;
          nibbles = 0;
          word = 0;
        }
        continue;
      }
      do {
        let nibble = zigzag & 7;
        zigzag >>>= 3;
        if (zigzag !== 0) nibble |= 8;
        word = (word << 4) | nibble;
        if (++nibbles === 8) {
          out[w++] = word;
          nibbles = 0;
          word = 0;
        }
      } while (zigzag !== 0);
    }
  }
  if (nibbles !== 0) out[w++] = word << (4 * (8 - nibbles));
  return new Uint8Array(out.buffer, 0, w * 4);
}

/**
 * Decompress `pixelCount` 16-bit pixels. Throws `DecodeError("corrupt-payload")` when the stream ends
 * early, a run overflows the image, or a code is longer than 30 bits; allocates only the output.
 */
export function rvlDecode(bytes: Uint8Array, pixelCount: number): Uint16Array {
  if (bytes.length % 4 !== 0) {
    throw new DecodeError(
      "corrupt-payload",
      "rvl",
      `length ${bytes.length} is not a whole number of 32-bit words`,
    );
  }
  const words =
    bytes.byteOffset % 4 === 0
      ? new Int32Array(bytes.buffer, bytes.byteOffset, bytes.length >> 2)
      : unalignedWords(bytes);
  const wordCount = words.length;
  const out = new Uint16Array(pixelCount);
  let r = 0;
  let word = 0;
  let nibbles = 0;
  let previous = 0;
  let p = 0;
  while (p < pixelCount) {
    // Zero run length.
    let value = 0;
    let shift = 0;
    let nibble: number;
    do {
      if (nibbles === 0) {
        if (r >= wordCount) throw truncated(p);
        word = words[r++] as number;
        nibbles = 8;
      }
      nibble = word >>> 28;
      word <<= 4;
      nibbles--;
      value |= (nibble & 7) << shift;
      shift += 3;
      if (shift > 30) throw overlong(p);
    } while (nibble & 8);
    const zeros = value;
    if (zeros > pixelCount - p) throw overflow(p, zeros);
    p += zeros; // `out` is zero-filled already.
    // Non-zero run length.
    value = 0;
    shift = 0;
    do {
      if (nibbles === 0) {
        if (r >= wordCount) throw truncated(p);
        word = words[r++] as number;
        nibbles = 8;
      }
      nibble = word >>> 28;
      word <<= 4;
      nibbles--;
      value |= (nibble & 7) << shift;
      shift += 3;
      if (shift > 30) throw overlong(p);
    } while (nibble & 8);
    const end = p + value;
    if (end > pixelCount) throw overflow(p, value);
    // The non-zero pixels.
    while (p < end) {
      if (nibbles === 0) {
        if (r >= wordCount) throw truncated(p);
        word = words[r++] as number;
        nibbles = 8;
        // A fresh word of eight one-nibble codes (no continuation bit set) inside the run: eight pixels
        // without the per-nibble checks (about a fifth of the words of real Kinect frames).
        if ((word & 0x88888888) === 0 && end - p >= 8) {
          let z = word >>> 28;
          previous = (previous + ((z >>> 1) ^ -(z & 1))) & 0xffff;
          out[p] = previous;
          z = (word >>> 24) & 7;
          previous = (previous + ((z >>> 1) ^ -(z & 1))) & 0xffff;
          out[p + 1] = previous;
          z = (word >>> 20) & 7;
          previous = (previous + ((z >>> 1) ^ -(z & 1))) & 0xffff;
          out[p + 2] = previous;
          z = (word >>> 16) & 7;
          previous = (previous + ((z >>> 1) ^ -(z & 1))) & 0xffff;
          out[p + 3] = previous;
          z = (word >>> 12) & 7;
          previous = (previous + ((z >>> 1) ^ -(z & 1))) & 0xffff;
          out[p + 4] = previous;
          z = (word >>> 8) & 7;
          previous = (previous + ((z >>> 1) ^ -(z & 1))) & 0xffff;
          out[p + 5] = previous;
          z = (word >>> 4) & 7;
          previous = (previous + ((z >>> 1) ^ -(z & 1))) & 0xffff;
          out[p + 6] = previous;
          z = word & 7;
          previous = (previous + ((z >>> 1) ^ -(z & 1))) & 0xffff;
          out[p + 7] = previous;
          p += 8;
          nibbles = 0;
          continue;
        }
      }
      nibble = word >>> 28;
      word <<= 4;
      nibbles--;
      let zigzag = nibble & 7;
      if (nibble & 8) {
        shift = 3;
        do {
          if (nibbles === 0) {
            if (r >= wordCount) throw truncated(p);
            word = words[r++] as number;
            nibbles = 8;
          }
          nibble = word >>> 28;
          word <<= 4;
          nibbles--;
          zigzag |= (nibble & 7) << shift;
          shift += 3;
          if (shift > 30) throw overlong(p);
        } while (nibble & 8);
      }
      previous = (previous + ((zigzag >>> 1) ^ -(zigzag & 1))) & 0xffff;
      out[p++] = previous;
    }
  }
  return out;
}

function truncated(pixel: number): DecodeError {
  return new DecodeError("corrupt-payload", "rvl", `stream ends at pixel ${pixel}`);
}
function overlong(pixel: number): DecodeError {
  return new DecodeError("corrupt-payload", "rvl", `code longer than 30 bits at pixel ${pixel}`);
}
function overflow(pixel: number, run: number): DecodeError {
  return new DecodeError("corrupt-payload", "rvl", `run of ${run} at pixel ${pixel} overflows the image`);
}
