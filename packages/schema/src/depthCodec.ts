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
 * gzip wrapper): what `DecompressionStream("deflate-raw")`, zlib's `inflateRaw` and fflate read. Any
 * DEFLATE stream is valid, so the encoder's choice is not wire format (level 1: see deflateRaw).
 *
 * Both loops (medPredict, medUnpredict) walk each non-zero run by row segments: the first pixel of a
 * segment takes the general rule (segmentPrediction), the others have a non-zero left neighbour, so
 * the per-pixel work has no column or row tests. The encoder knows every neighbour up front and runs
 * branch-free (medOrLeft, writeResidual); the decoder waits on each pixel for the next one's
 * prediction and runs faster with branches (medOrLeftBranching). The tests hold both to a naive
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
  while (i < n) {
    const zeros = i;
    while (i < n && input[i] === 0) i++;
    o = writeVarint(out, o, i - zeros);
    // The non-zero run is not scanned ahead (a second read of every pixel): its pixels are written
    // after one byte kept for its length, which moves them up when the length needs more bytes.
    const lengthAt = o++;
    const start = i;
    let p = i;
    while (p < n) {
      // One row segment of the run, from p to the row's end or a zero: its first pixel by the general
      // rule, the others with a non-zero left neighbour `a` (MED when b and c are non-zero too, else a).
      const x = p % width;
      const rowEnd = Math.min(n, p - x + width);
      let a = input[p] as number;
      o = writeResidual(out, o, a, segmentPrediction(input, p, x, width, previous));
      p++;
      if (p <= width) {
        // First row: no b, c; the prediction is the left pixel.
        for (; p < rowEnd; p++) {
          const v = input[p] as number;
          if (v === 0) break;
          o = writeResidual(out, o, v, a);
          a = v;
        }
      } else {
        let c = input[p - width - 1] as number;
        for (; p < rowEnd; p++) {
          const v = input[p] as number;
          if (v === 0) break;
          const b = input[p - width] as number;
          o = writeResidual(out, o, v, medOrLeft(a, b, c));
          a = v;
          c = b;
        }
      }
      previous = a;
      if (p === n || input[p] === 0) break;
    }
    const run = p - start;
    if (run >= 128) {
      const extra = run < 1 << 14 ? 1 : run < 1 << 21 ? 2 : 3; // bytes past the first of its varint
      out.copyWithin(lengthAt + 1 + extra, lengthAt + 1, o);
      o += extra;
    }
    writeVarint(out, lengthAt, run);
    i = p;
  }
  return out.subarray(0, o);
}

/**
 * The prediction of pixel `p` (column `x`) that starts a row segment of a non-zero run: its left
 * neighbour is 0 or outside the image, so only the general rule applies (PROTOCOL.md).
 */
function segmentPrediction(
  values: Uint16Array,
  p: number,
  x: number,
  width: number,
  previous: number,
): number {
  if (p < width) return x !== 0 ? (values[p - 1] as number) || previous : previous;
  const b = values[p - width] as number;
  if (x === 0) return b || previous;
  const a = values[p - 1] as number;
  return a !== 0 ? medOrLeft(a, b, values[p - width - 1] as number) : b || previous;
}

/**
 * The prediction of a pixel whose left neighbour `a` is non-zero: MED if `b` and `c` are, else `a`.
 * Without branches (per pixel, and on noisy depth the branches of the rule mispredict): MED is the
 * median of a, b and a + b - c, i.e. a + b - c clamped to [min(a, b), max(a, b)]; each min/max and
 * "is 0" is a sign mask (all values are 0..65535, so the differences never overflow).
 */
function medOrLeft(a: number, b: number, c: number): number {
  const d = a - b;
  const m = d & (d >> 31); // min(d, 0)
  const low = b + m; // min(a, b)
  const high = a - m; // max(a, b)
  let g = a + b - c;
  let t = g - low;
  g -= t & (t >> 31); // max(g, low)
  t = g - high;
  g -= t & ~(t >> 31); // min(g, high)
  const hole = ((b - 1) | (c - 1)) >> 31; // -1 when b or c is 0
  return (g & ~hole) | (a & hole);
}

/**
 * medOrLeft with branches, for the decoder: there each prediction waits on the pixel before it, and a
 * well-predicted branch lets the CPU run ahead where the branch-free chain of medOrLeft must be waited
 * out (measured: the branch-free form decoded slower, the branching one encoded slower).
 */
function medOrLeftBranching(a: number, b: number, c: number): number {
  if (b === 0 || c === 0) return a;
  const min = Math.min(a, b);
  const max = Math.max(a, b);
  return c >= max ? min : c <= min ? max : a + b - c;
}

/**
 * Write the residual of `v` against `prediction` (PROTOCOL.md: zigzag of the signed 16-bit difference)
 * as a varint of 1-3 bytes at `out[o]`; returns the index after it. The 1- and 2-byte cases (all but
 * rare jumps) share one branch-free path: which of them a pixel takes is data-dependent, and a branch
 * on it mispredicts on edges and noise.
 */
function writeResidual(out: Uint8Array, o: number, v: number, prediction: number): number {
  const delta = ((v - prediction) << 16) >> 16;
  const zigzag = ((delta << 1) ^ (delta >> 31)) & 0xffff;
  if (zigzag < 16384) {
    const more = (127 - zigzag) >>> 31; // 1 when zigzag >= 128: a second byte
    out[o] = (zigzag & 127) | (more << 7);
    out[o + 1] = zigzag >>> 7; // harmless when more is 0: the next write lands there
    return o + 1 + more;
  }
  out[o] = (zigzag & 127) | 128;
  out[o + 1] = ((zigzag >>> 7) & 127) | 128;
  out[o + 2] = zigzag >>> 14;
  return o + 3;
}

/** Write `value` as a LEB128 varint at `out[o]`; returns the index after it. */
export function writeVarint(out: Uint8Array, o: number, value: number): number {
  while (value >= 128) {
    out[o++] = (value & 127) | 128;
    value >>>= 7;
  }
  out[o++] = value;
  return o;
}

/** Where a stage-1 reader is: the index of the next byte (one object a decode, not one a run). */
export interface StageOneCursor {
  at: number;
}

/**
 * Read the run length (a LEB128 varint of at most 4 bytes) at `cursor.at` and step past it. Refused
 * (DecodeError "corrupt-payload", `field`) when the bytes end, the varint is longer, or the run is longer
 * than the `remaining` pixels; `pixel` (where the run starts) goes into the message.
 */
export function readRunLength(
  bytes: Uint8Array,
  cursor: StageOneCursor,
  pixel: number,
  remaining: number,
  field: string,
): number {
  let r = cursor.at;
  let value = 0;
  let shift = 0;
  let byte: number;
  do {
    if (r >= bytes.length) throw new DecodeError("corrupt-payload", field, `stream ends at pixel ${pixel}`);
    byte = bytes[r++] as number;
    value |= (byte & 127) << shift;
    shift += 7;
    if (shift >= 28 && byte & 128) {
      throw new DecodeError("corrupt-payload", field, `varint too long at pixel ${pixel}`);
    }
  } while (byte & 128);
  if (value > remaining) {
    throw new DecodeError("corrupt-payload", field, `run of ${value} at pixel ${pixel} overflows the image`);
  }
  cursor.at = r;
  return value;
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

/**
 * Raw DEFLATE (level 1) of stage-1 bytes: a new Uint8Array. Level 1, not one of zlib's faster
 * strategies: every viewer decodes what one producer encodes, and browsers inflate with fflate (JS).
 * Measured on MED's stage 1 of the shipped frames (CPU time, Node; fflate runs the same in Chromium):
 * Z_RLE deflated 1.2x (Kinect v1) to 1.4x (ToF) faster, but fflate inflated its output 1.4x / 1.25x
 * slower; Huffman-only deflated faster still and inflated 1.9x / 1.2x slower. Levels 2-4 inflate 5-9 %
 * faster than level 1 and deflate 1.2-1.6x slower.
 */
export function deflateRaw(stageOne: Uint8Array): Uint8Array {
  if (nativeZlib) {
    const out = nativeZlib.deflateRawSync(stageOne, { level: 1 });
    return new Uint8Array(out.buffer, out.byteOffset, out.byteLength);
  }
  return deflateSync(stageOne, { level: 1 });
}

/** Compress 16-bit depth of a `width`-wide image; returns a new Uint8Array (raw DEFLATE). */
export function medEncode(input: Uint16Array, width: number): Uint8Array {
  return deflateRaw(medPredict(input, width));
}

/** Undo stage 1: `stageOne` holds exactly the varint bytes of `pixelCount` pixels. */
export function medUnpredict(stageOne: Uint8Array, pixelCount: number, width: number): Uint16Array {
  const out = new Uint16Array(pixelCount);
  const length = stageOne.length;
  let r = 0;
  let previous = 0;
  let p = 0;
  const cursor = { at: 0 };
  while (p < pixelCount) {
    cursor.at = r;
    p += readRunLength(stageOne, cursor, p, pixelCount - p, "med");
    const end = p + readRunLength(stageOne, cursor, p, pixelCount - p, "med");
    r = cursor.at;
    while (p < end) {
      const x = p % width;
      const segmentEnd = Math.min(end, p - x + width);
      const below = p >= width;
      let prediction = segmentPrediction(out, p, x, width, previous);
      let c = below ? (out[p - width] as number) : 0; // the up-left neighbour of the next pixel
      for (;;) {
        if (r >= length) throw truncated(p);
        let zigzag = stageOne[r++] as number;
        if (zigzag & 128) {
          if (r >= length) throw truncated(p);
          let byte = stageOne[r++] as number;
          zigzag = (zigzag & 127) | ((byte & 127) << 7);
          if (byte & 128) {
            if (r >= length) throw truncated(p);
            byte = stageOne[r++] as number;
            if (byte > 3) throw overlong(p);
            zigzag |= byte << 14;
          }
        }
        const v = (prediction + ((zigzag >>> 1) ^ -(zigzag & 1))) & 0xffff;
        if (v === 0) {
          throw new DecodeError("corrupt-payload", "med", `zero depth inside a non-zero run at pixel ${p}`);
        }
        out[p] = v;
        previous = v;
        if (++p === segmentEnd) break;
        if (below) {
          const b = out[p - width] as number;
          prediction = medOrLeftBranching(v, b, c);
          c = b;
        } else prediction = v;
      }
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

/** Stage 2 undone (native zlib in Node, else fflate), bounded by `medStageOneBound(pixelCount)`. */
export function medInflate(bytes: Uint8Array, pixelCount: number): Uint8Array {
  return inflateRawBounded(bytes, medStageOneBound(pixelCount), "med");
}

/** Stage 2 undone by fflate (JS), as in browsers; exported so tests run it in Node too. */
export function medInflateJs(bytes: Uint8Array, pixelCount: number): Uint8Array {
  return inflateRawJs(bytes, medStageOneBound(pixelCount), "med");
}

/**
 * Raw DEFLATE undone (native zlib in Node, else fflate: in Chromium's worker fflate measured 2-4x faster
 * per frame than `DecompressionStream`, whose asynchronous hops cost more than they save), refused past
 * `bound` bytes: DecodeError("corrupt-payload", `field`).
 */
export function inflateRawBounded(bytes: Uint8Array, bound: number, field: string): Uint8Array {
  if (nativeZlib) {
    try {
      return nativeZlib.inflateRawSync(bytes, { maxOutputLength: bound });
    } catch (error) {
      const code = (error as { code?: string }).code;
      if (code === "ERR_BUFFER_TOO_LARGE") {
        throw new DecodeError("corrupt-payload", field, `inflates past ${bound} bytes`);
      }
      throw new DecodeError("corrupt-payload", field, `bad DEFLATE stream: ${(error as Error).message}`);
    }
  }
  return inflateRawJs(bytes, bound, field);
}

/** Raw DEFLATE undone by fflate (JS) into a reused buffer, refused past `bound` bytes. */
export function inflateRawJs(bytes: Uint8Array, bound: number, field: string): Uint8Array {
  if (inflateScratch.length < bound + 1) inflateScratch = new Uint8Array(bound + 1);
  const target = inflateScratch.subarray(0, bound + 1);
  let stageOne: Uint8Array;
  try {
    stageOne = inflateSync(bytes, { out: target });
  } catch (error) {
    throw new DecodeError("corrupt-payload", field, `bad DEFLATE stream: ${(error as Error).message}`);
  }
  if (stageOne.length > bound) {
    throw new DecodeError("corrupt-payload", field, `inflates past ${bound} bytes`);
  }
  return stageOne;
}

function truncated(pixel: number): DecodeError {
  return new DecodeError("corrupt-payload", "med", `stream ends at pixel ${pixel}`);
}
function overlong(pixel: number): DecodeError {
  return new DecodeError("corrupt-payload", "med", `varint too long at pixel ${pixel}`);
}
