import { deflateSync, inflateSync } from "fflate";
import { DecodeError } from "./errors.ts";

/*
 * MED-deflate ("med" on the wire, encoding id 2): lossless 16-bit depth, about 2.4x RVL's ratio on
 * Kinect v1 depth and 1.5x on time-of-flight depth (see bench/depthCodec.bench.ts).
 *
 * Stage 1 (prediction), row-major, one pass. The image is cut into alternating runs as in RVL: a run of
 * zeros (no depth), then a run of non-zero pixels; each run length is a varint. Each non-zero pixel v is
 * predicted from its decoded neighbours a (left), b (up), c (up-left), with 0 meaning "no depth":
 *   - a, b and c all non-zero: MED / LOCO-I (JPEG-LS): c >= max(a,b) ? min(a,b) : c <= min(a,b) ?
 *     max(a,b) : a + b - c;
 *   - otherwise the first non-zero of a, b and the previous non-zero pixel in scan order (0 at first).
 * The residual (v - prediction) taken modulo 2^16 as a signed 16-bit value is zigzag-mapped (0, -1, 1,
 * -2, ... -> 0, 1, 2, 3, ...) and written as a varint. Varints are LEB128: 7 data bits a byte, low bits
 * first, top bit "more follows"; run lengths take at most 4 bytes, residuals at most 3.
 * Stage 2 (entropy): the stage-1 bytes are compressed as one raw DEFLATE stream (RFC 1951, no zlib or
 * gzip wrapper), level 1: what `DecompressionStream("deflate-raw")`, zlib's `inflateRaw` and fflate read.
 *
 * The prediction is written out in both loops (medPredict, medUnpredict), the same lines over `input`
 * and `out`: as a shared function it measured 10-40 % slower here. The tests hold the two to a naive
 * reference of the grammar.
 *
 * A decoder refuses (DecodeError "corrupt-payload") bad DEFLATE, stage-1 bytes beyond the bound below
 * (so a small payload cannot inflate into a large allocation), a run overflowing the image, an overlong
 * varint, a residual giving 0 inside a non-zero run, and bytes left over after the last pixel.
 */

/** The most stage-1 bytes `pixelCount` pixels can take: every pixel its own run (2 x 4 bytes) + 3. */
export function medStageOneBound(pixelCount: number): number {
  return 11 * pixelCount + 8;
}

let scratch = new Uint8Array(0);

/** Stage 1 only (exported for tests and the bench): the varint bytes before DEFLATE. */
export function medPredict(input: Uint16Array, width: number): Uint8Array {
  const n = input.length;
  const bound = medStageOneBound(n);
  if (scratch.length < bound) scratch = new Uint8Array(bound);
  const out = scratch;
  let o = 0;
  let previous = 0;
  let i = 0;
  let x = 0; // column of pixel i
  while (i < n) {
    let start = i;
    while (i < n && input[i] === 0) i++;
    let value = i - start;
    while (value >= 128) {
      out[o++] = (value & 127) | 128;
      value >>>= 7;
    }
    out[o++] = value;
    x = (x + (i - start)) % width;
    start = i;
    while (i < n && input[i] !== 0) i++;
    value = i - start;
    while (value >= 128) {
      out[o++] = (value & 127) | 128;
      value >>>= 7;
    }
    out[o++] = value;
    for (let p = start; p < i; p++) {
      const v = input[p] as number;
      let prediction: number;
      if (x === 0) {
        prediction = p >= width ? (input[p - width] as number) || previous : previous;
      } else {
        const a = input[p - 1] as number;
        if (p < width) {
          prediction = a || previous;
        } else {
          const b = input[p - width] as number;
          const c = input[p - width - 1] as number;
          if (a !== 0 && b !== 0 && c !== 0) {
            const min = a < b ? a : b;
            const max = a < b ? b : a;
            prediction = c >= max ? min : c <= min ? max : a + b - c;
          } else {
            prediction = a || b || previous;
          }
        }
      }
      previous = v;
      const delta = ((v - prediction) << 16) >> 16;
      let zigzag = ((delta << 1) ^ (delta >> 31)) & 0xffff;
      if (zigzag < 128) {
        out[o++] = zigzag;
      } else {
        out[o++] = (zigzag & 127) | 128;
        zigzag >>>= 7;
        if (zigzag < 128) out[o++] = zigzag;
        else {
          out[o++] = (zigzag & 127) | 128;
          out[o++] = zigzag >>> 7;
        }
      }
      if (++x === width) x = 0;
    }
  }
  return out.subarray(0, o);
}

/**
 * Node's own zlib when running in Node (found at run time through `process.getBuiltinModule`, so this
 * file stays browser-safe with no `node:` import), else undefined and fflate (JS) does the DEFLATE.
 */
interface NativeZlib {
  deflateRawSync(data: Uint8Array, options: { level: number }): Uint8Array;
  inflateRawSync(data: Uint8Array, options: { maxOutputLength: number }): Uint8Array;
}
const nativeZlib = (
  globalThis as { process?: { getBuiltinModule?: (id: string) => unknown } }
).process?.getBuiltinModule?.("node:zlib") as NativeZlib | undefined;

/** Which DEFLATE implementation this runtime uses: "node:zlib" (native) or "fflate" (JS). */
export const MED_DEFLATE_IMPLEMENTATION: "node:zlib" | "fflate" = nativeZlib ? "node:zlib" : "fflate";

/** Compress 16-bit depth of a `width`-wide image; returns a new Uint8Array (raw DEFLATE, level 1). */
export function medEncode(input: Uint16Array, width: number): Uint8Array {
  const stageOne = medPredict(input, width);
  if (nativeZlib) {
    const out = nativeZlib.deflateRawSync(stageOne, { level: 1 });
    return new Uint8Array(out.buffer, out.byteOffset, out.byteLength);
  }
  return deflateSync(stageOne, { level: 1 });
}

/** Undo stage 1: `stageOne` holds exactly the varint bytes of `pixelCount` pixels. */
export function medUnpredict(stageOne: Uint8Array, pixelCount: number, width: number): Uint16Array {
  const out = new Uint16Array(pixelCount);
  const length = stageOne.length;
  let r = 0;
  let previous = 0;
  let p = 0;
  let x = 0;
  while (p < pixelCount) {
    // Zero run, then non-zero run: varints of <= 4 bytes.
    let value = 0;
    let shift = 0;
    let byte: number;
    do {
      if (r >= length) throw truncated(p);
      byte = stageOne[r++] as number;
      value |= (byte & 127) << shift;
      shift += 7;
      if (shift >= 28 && byte & 128) throw overlong(p);
    } while (byte & 128);
    if (value > pixelCount - p) throw overflow(p, value);
    p += value;
    x = (x + value) % width;
    value = 0;
    shift = 0;
    do {
      if (r >= length) throw truncated(p);
      byte = stageOne[r++] as number;
      value |= (byte & 127) << shift;
      shift += 7;
      if (shift >= 28 && byte & 128) throw overlong(p);
    } while (byte & 128);
    if (value > pixelCount - p) throw overflow(p, value);
    const end = p + value;
    for (; p < end; p++) {
      if (r >= length) throw truncated(p);
      let zigzag = stageOne[r++] as number;
      if (zigzag & 128) {
        if (r >= length) throw truncated(p);
        byte = stageOne[r++] as number;
        zigzag = (zigzag & 127) | ((byte & 127) << 7);
        if (byte & 128) {
          if (r >= length) throw truncated(p);
          byte = stageOne[r++] as number;
          if (byte > 3) throw overlong(p);
          zigzag |= byte << 14;
        }
      }
      let prediction: number;
      if (x === 0) {
        prediction = p >= width ? (out[p - width] as number) || previous : previous;
      } else {
        const a = out[p - 1] as number;
        if (p < width) {
          prediction = a || previous;
        } else {
          const b = out[p - width] as number;
          const c = out[p - width - 1] as number;
          if (a !== 0 && b !== 0 && c !== 0) {
            const min = a < b ? a : b;
            const max = a < b ? b : a;
            prediction = c >= max ? min : c <= min ? max : a + b - c;
          } else {
            prediction = a || b || previous;
          }
        }
      }
      const v = (prediction + ((zigzag >>> 1) ^ -(zigzag & 1))) & 0xffff;
      if (v === 0) {
        throw new DecodeError("corrupt-payload", "med", `zero depth inside a non-zero run at pixel ${p}`);
      }
      out[p] = v;
      previous = v;
      if (++x === width) x = 0;
    }
  }
  if (r !== length) {
    throw new DecodeError("corrupt-payload", "med", `${length - r} bytes left after the last pixel`);
  }
  return out;
}

/**
 * Decompress `pixelCount` 16-bit pixels of a `width`-wide image from raw DEFLATE bytes (Node's zlib in
 * Node, fflate elsewhere). Throws `DecodeError("corrupt-payload")` for any bad input.
 */
export function medDecode(bytes: Uint8Array, pixelCount: number, width: number): Uint16Array {
  return medUnpredict(medInflate(bytes, pixelCount), pixelCount, width);
}

let inflateScratch = new Uint8Array(0);

/** Set only during `withInflatedPayload`'s synchronous call. */
let inflatedAhead: { payload: Uint8Array; stageOne: Uint8Array } | undefined;

/**
 * Run `decode` (synchronous) with `payload`'s stage-1 bytes already inflated elsewhere (e.g. natively by
 * `DecompressionStream`, which is asynchronous): `medInflate` of that very payload view returns them.
 */
export function withInflatedPayload<T>(payload: Uint8Array, stageOne: Uint8Array, decode: () => T): T {
  inflatedAhead = { payload, stageOne };
  try {
    return decode();
  } finally {
    inflatedAhead = undefined;
  }
}

/** Stage 2 undone (native zlib in Node, else fflate), bounded by `medStageOneBound(pixelCount)`. */
export function medInflate(bytes: Uint8Array, pixelCount: number): Uint8Array {
  const bound = medStageOneBound(pixelCount);
  const given = inflatedAhead;
  if (
    given &&
    given.payload.buffer === bytes.buffer &&
    given.payload.byteOffset === bytes.byteOffset &&
    given.payload.byteLength === bytes.byteLength
  ) {
    if (given.stageOne.length > bound) {
      throw new DecodeError("corrupt-payload", "med", `inflates past ${bound} bytes`);
    }
    return given.stageOne;
  }
  if (nativeZlib) {
    try {
      return nativeZlib.inflateRawSync(bytes, { maxOutputLength: bound });
    } catch (error) {
      const code = (error as { code?: string }).code;
      if (code === "ERR_BUFFER_TOO_LARGE") {
        throw new DecodeError("corrupt-payload", "med", `inflates past ${bound} bytes`);
      }
      throw new DecodeError("corrupt-payload", "med", `bad DEFLATE stream: ${(error as Error).message}`);
    }
  }
  return medInflateJs(bytes, pixelCount);
}

/** Stage 2 undone by fflate (JS), as in browsers; exported so tests run it in Node too. */
export function medInflateJs(bytes: Uint8Array, pixelCount: number): Uint8Array {
  const bound = medStageOneBound(pixelCount);
  if (inflateScratch.length < bound + 1) inflateScratch = new Uint8Array(bound + 1);
  const target = inflateScratch.subarray(0, bound + 1);
  let stageOne: Uint8Array;
  try {
    stageOne = inflateSync(bytes, { out: target });
  } catch (error) {
    throw new DecodeError("corrupt-payload", "med", `bad DEFLATE stream: ${(error as Error).message}`);
  }
  if (stageOne.length > bound) {
    throw new DecodeError("corrupt-payload", "med", `inflates past ${bound} bytes`);
  }
  return stageOne;
}

function truncated(pixel: number): DecodeError {
  return new DecodeError("corrupt-payload", "med", `stream ends at pixel ${pixel}`);
}
function overlong(pixel: number): DecodeError {
  return new DecodeError("corrupt-payload", "med", `varint too long at pixel ${pixel}`);
}
function overflow(pixel: number, run: number): DecodeError {
  return new DecodeError("corrupt-payload", "med", `run of ${run} at pixel ${pixel} overflows the image`);
}
