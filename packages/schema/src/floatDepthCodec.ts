import { deflateRaw, inflateRawBounded, readRunLength, writeVarint } from "./depthCodec.ts";
import { DecodeError } from "./errors.ts";

/*
 * Float-deflate ("float-deflate" on the wire, encoding id 3): lossless F32 depth. Every bit pattern comes
 * back exactly (NaN payloads, infinities, -0, denormals), because all the arithmetic is on the pixels'
 * IEEE 754 bits read as 32-bit integers, modulo 2^32. Against deflate-1 of the raw floats: 1.37x its
 * ratio on a generated sequence in metres, 1.39x on Azure Kinect depth converted to metres, 1.03x on
 * Kinect v1 depth in metres (bench/depthCodec.bench.ts).
 *
 * Stage 1:
 *   hole:u32 (little-endian): the bit pattern that marks "no depth" in this frame (the encoder takes the
 *     more common of NaN 0x7fc00000 and +0.0 0x00000000);
 *   layout:u8: 0 planes, 1 interleaved, 2 bits (below);
 *   runs: alternating run lengths as LEB128 varints (<= 4 bytes), a run of hole pixels then a run of
 *     other pixels, ..., covering the image row-major exactly, as MED-deflate's runs;
 *   residuals: 4m bytes, m the number of non-hole pixels, in scan order: with layout 0 four byte planes
 *     of m bytes (plane k holds byte k of each residual), with layout 1 each residual as u32
 *     little-endian. The encoder takes layout 1 when over a quarter of the residuals are 0 (quantised
 *     depth, e.g. millimetres converted to metres: DEFLATE finds the repeats in whole words), else 0
 *     (noisy depth: the high planes are mostly zero bytes). Layout 2 ("bits", added after 0 and 1: a
 *     decoder that knows only those refuses it as an unknown layout) holds each pixel's own bits as u32
 *     little-endian, no prediction: on quantised depth with few distinct values DEFLATE finds each
 *     value again at any distance, which the residuals of a step hide (Kinect v1 depth in metres: 12.0x
 *     against 9.6x with layout 1, deflate-1 of the raw floats 11.7x). Where it took layout 1, the
 *     encoder also deflates layout 2 and keeps the smaller: a second DEFLATE on such frames (Kinect v1
 *     in metres: encode 171 -> 99 MB/s, decode 326 -> 386 MB/s, no prefix sum).
 * In layouts 0 and 1 the residual is the zigzag ((d << 1) ^ (d >> 31)) of d = bits - prediction (int32, modulo 2^32). The
 * prediction is the planar gradient a + b - c over a "virtual" image V: a left, b up, c up-left, 0
 * outside the image; V is the pixel's bits, and at a hole its own prediction (so a hole costs no
 * residual and does not disturb its neighbours' predictions). Undoing it needs no branches: V is the 2D
 * prefix sum of the residuals (0 at holes), then the holes are written back.
 * Stage 2: the stage-1 bytes as one raw DEFLATE stream (level 1), as MED-deflate. Browsers inflate it
 * with fflate, synchronously (depthCodec.ts inflateRawBounded).
 *
 * A decoder refuses (DecodeError "corrupt-payload", field "float-deflate") bad DEFLATE, stage-1 bytes
 * past `floatStageOneBound`, a run past the image, an overlong varint, planes of the wrong length, and a
 * non-hole pixel decoding to the hole pattern (an encoder never writes one).
 */

const FIELD = "float-deflate";
const NAN_BITS = 0x7fc00000;

/** The most stage-1 bytes `pixelCount` pixels can take: the header, two 4-byte runs and 4 bytes a pixel. */
export function floatStageOneBound(pixelCount: number): number {
  return 12 * pixelCount + 13;
}

const LAYOUT_PLANES = 0;
const LAYOUT_INTERLEAVED = 1;
const LAYOUT_BITS = 2;

let scratch = new Uint8Array(0);
let virtualScratch = new Int32Array(0);
let residualScratch = new Int32Array(0);

/** Stage 1 only (exported for tests and the bench): `bits` are the pixels' IEEE bits (a Float32Array's). */
export function floatPredict(bits: Int32Array, width: number): Uint8Array {
  const n = bits.length;
  let nans = 0;
  let zeros = 0;
  for (let p = 0; p < n; p++) {
    const v = bits[p] as number;
    if (v === NAN_BITS) nans++;
    else if (v === 0) zeros++;
  }
  const hole = nans >= zeros ? NAN_BITS : 0;
  const holes = hole === NAN_BITS ? nans : zeros;
  const m = n - holes;
  // Runs: at most a pair of 4-byte varints per non-hole pixel, and one more pair.
  const runsBound = 8 * m + 8;
  const bound = 5 + runsBound + 4 * m;
  if (scratch.length < bound) scratch = new Uint8Array(bound);
  if (virtualScratch.length < n) virtualScratch = new Int32Array(n);
  if (residualScratch.length < m) residualScratch = new Int32Array(m);
  const out = scratch;
  const virtual = virtualScratch;
  const residuals = residualScratch;
  out[0] = hole & 255;
  out[1] = (hole >>> 8) & 255;
  out[2] = (hole >>> 16) & 255;
  out[3] = hole >>> 24;
  let o = 5;
  let k = 0; // non-hole pixels so far
  let zeroResiduals = 0;
  let p = 0;
  let x = 0;
  while (p < n) {
    const holeStart = p;
    // A run of holes: V is the prediction.
    while (p < n && bits[p] === hole) {
      virtual[p] = gradient(virtual, p, x, width);
      p++;
      if (++x === width) x = 0;
    }
    o = writeVarint(out, o, p - holeStart);
    const start = p;
    while (p < n && bits[p] !== hole) {
      const v = bits[p] as number;
      virtual[p] = v;
      const d = (v - gradient(virtual, p, x, width)) | 0;
      if (d === 0) zeroResiduals++;
      residuals[k++] = (d << 1) ^ (d >> 31);
      p++;
      if (++x === width) x = 0;
    }
    o = writeVarint(out, o, p - start);
  }
  if (zeroResiduals * 4 > m) {
    out[4] = LAYOUT_INTERLEAVED;
    for (let j = 0; j < m; j++, o += 4) {
      const z = residuals[j] as number;
      out[o] = z & 255;
      out[o + 1] = (z >>> 8) & 255;
      out[o + 2] = (z >>> 16) & 255;
      out[o + 3] = z >>> 24;
    }
  } else {
    out[4] = LAYOUT_PLANES;
    for (let j = 0; j < m; j++) {
      const z = residuals[j] as number;
      out[o + j] = z & 255;
      out[o + m + j] = (z >>> 8) & 255;
      out[o + 2 * m + j] = (z >>> 16) & 255;
      out[o + 3 * m + j] = z >>> 24;
    }
    o += 4 * m;
  }
  return out.subarray(0, o);
}

/** a + b - c at pixel p (column x) of V, 0 outside the image. */
function gradient(virtual: Int32Array, p: number, x: number, width: number): number {
  if (p < width) return x === 0 ? 0 : (virtual[p - 1] as number);
  const b = virtual[p - width] as number;
  if (x === 0) return b;
  return ((virtual[p - 1] as number) + b - (virtual[p - width - 1] as number)) | 0;
}

/**
 * Stage 1 in layout 2 (exported for tests and the bench): `predicted` is floatPredict's output for the
 * same pixels, whose header and runs it keeps; the residuals become the non-hole pixels' bits. Written
 * into floatPredict's scratch: `predicted` is gone afterwards.
 */
export function floatStageOneBits(bits: Int32Array, predicted: Uint8Array): Uint8Array {
  const hole = readU32(predicted, 0) | 0;
  let m = 0;
  for (let p = 0; p < bits.length; p++) if (bits[p] !== hole) m++;
  const out = scratch;
  const o0 = predicted.length - 4 * m; // where the runs end
  out[4] = LAYOUT_BITS;
  let o = o0;
  for (let p = 0; p < bits.length; p++) {
    const v = bits[p] as number;
    if (v === hole) continue;
    out[o] = v & 255;
    out[o + 1] = (v >>> 8) & 255;
    out[o + 2] = (v >>> 16) & 255;
    out[o + 3] = v >>> 24;
    o += 4;
  }
  return out.subarray(0, o);
}

function readU32(bytes: Uint8Array, at: number): number {
  return (
    ((bytes[at] as number) |
      ((bytes[at + 1] as number) << 8) |
      ((bytes[at + 2] as number) << 16) |
      ((bytes[at + 3] as number) << 24)) >>>
    0
  );
}

/** Compress F32 depth of a `width`-wide image: a new Uint8Array (raw DEFLATE, level 1). */
export function floatEncode(input: Float32Array, width: number): Uint8Array {
  const bits = new Int32Array(input.buffer, input.byteOffset, input.length);
  const predicted = floatPredict(bits, width);
  const deflated = deflateRaw(predicted);
  if (predicted[4] !== LAYOUT_INTERLEAVED) return deflated;
  const plain = deflateRaw(floatStageOneBits(bits, predicted));
  return plain.length < deflated.length ? plain : deflated;
}

/** Undo stage 1: `stageOne` holds exactly the stage-1 bytes of `pixelCount` pixels. */
export function floatUnpredict(stageOne: Uint8Array, pixelCount: number, width: number): Float32Array {
  const length = stageOne.length;
  if (length < 5) throw new DecodeError("corrupt-payload", FIELD, `stage 1 of ${length} bytes has no header`);
  const layout = stageOne[4] as number;
  if (layout !== LAYOUT_PLANES && layout !== LAYOUT_INTERLEAVED && layout !== LAYOUT_BITS) {
    throw new DecodeError("corrupt-payload", FIELD, `unknown layout ${layout}`);
  }
  const holeBits =
    (stageOne[0] as number) |
    ((stageOne[1] as number) << 8) |
    ((stageOne[2] as number) << 16) |
    ((stageOne[3] as number) << 24);
  const out = new Float32Array(pixelCount);
  const v = new Int32Array(out.buffer);
  // Pass 1: the runs (hole, other, hole, ...), to find where the residuals start and that they fit.
  const runs = new Int32Array(Math.min(length, 2 * pixelCount + 2));
  let runCount = 0;
  const cursor = { at: 5 };
  let p = 0;
  let m = 0;
  while (p < pixelCount) {
    const holes = readRunLength(stageOne, cursor, p, pixelCount - p, FIELD);
    p += holes;
    const others = readRunLength(stageOne, cursor, p, pixelCount - p, FIELD);
    p += others;
    m += others;
    runs[runCount++] = holes;
    runs[runCount++] = others;
  }
  const runsEnd = cursor.at;
  if (length - runsEnd !== 4 * m) {
    throw new DecodeError(
      "corrupt-payload",
      FIELD,
      `${length - runsEnd} bytes of residuals, ${m} non-hole pixels need ${4 * m}`,
    );
  }
  // Pass 2: residuals into place (0 at holes): byte j of residual k at p0 + k * step + j * stride; in
  // layout 2 the bits themselves (not zigzagged).
  const p0 = runsEnd;
  const step = layout === LAYOUT_PLANES ? 1 : 4;
  const stride = layout === LAYOUT_PLANES ? m : 1;
  const p1 = p0 + stride;
  const p2 = p1 + stride;
  const p3 = p2 + stride;
  p = 0;
  let k = 0;
  for (let j = 0; j < runCount; j += 2) {
    p += runs[j] as number;
    for (const end = p + (runs[j + 1] as number); p < end; p++, k += step) {
      const z =
        (stageOne[p0 + k] as number) |
        ((stageOne[p1 + k] as number) << 8) |
        ((stageOne[p2 + k] as number) << 16) |
        ((stageOne[p3 + k] as number) << 24);
      v[p] = layout === LAYOUT_BITS ? z : (z >>> 1) ^ -(z & 1);
    }
  }
  // Pass 3: V is the 2D prefix sum of the residuals (int32 arithmetic wraps modulo 2^32).
  if (layout !== LAYOUT_BITS) prefixSum2d(v, pixelCount, width);
  // Pass 4: holes written back; a non-hole pixel equal to the hole pattern is refused.
  p = 0;
  for (let j = 0; j < runCount; j += 2) {
    const holesEnd = p + (runs[j] as number);
    v.fill(holeBits, p, holesEnd);
    p = holesEnd;
    for (const end = p + (runs[j + 1] as number); p < end; p++) {
      if (v[p] === holeBits) {
        throw new DecodeError("corrupt-payload", FIELD, `the hole pattern outside a hole run at pixel ${p}`);
      }
    }
  }
  return out;
}

/** V from the residuals in place: the 2D prefix sum, int32 arithmetic wrapping modulo 2^32. */
function prefixSum2d(v: Int32Array, pixelCount: number, width: number): void {
  for (let q = 1; q < width && q < pixelCount; q++) v[q] = ((v[q] as number) + (v[q - 1] as number)) | 0;
  for (let row = width; row < pixelCount; row += width) {
    let left = ((v[row] as number) + (v[row - width] as number)) | 0;
    v[row] = left;
    for (let q = row + 1, end = row + width; q < end; q++) {
      left = ((v[q] as number) + left + (v[q - width] as number) - (v[q - width - 1] as number)) | 0;
      v[q] = left;
    }
  }
}

/** Decompress `pixelCount` F32 pixels of a `width`-wide image; DecodeError("corrupt-payload") if bad. */
export function floatDecode(bytes: Uint8Array, pixelCount: number, width: number): Float32Array {
  return floatUnpredict(inflateRawBounded(bytes, floatStageOneBound(pixelCount), FIELD), pixelCount, width);
}
