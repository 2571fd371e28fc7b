// A fast path for the one PNG shape depth cameras send: 16-bit greyscale, not interlaced. It inflates
// with Node's native zlib (fast-png inflates in JavaScript: 21 ms for an 848x480 depth PNG on the bench
// machine against about 5 ms here), undoes the row filters and swaps to little-endian. Any other PNG, or
// one this path cannot read, goes to fast-png, the maintained decoder, and the fallback is counted
// (`png16Stats.fallbacks`). png16.test.ts compares both decoders on the shipped samples.

import { inflateSync } from "node:zlib";
import { decode as decodeWithFastPng } from "fast-png";

const SIGNATURE = [0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a];

/** `fallbacks`: PNGs the fast path handed to fast-png (another pixel format, interlacing, or a failure). */
export const png16Stats = { fallbacks: 0 };

/**
 * Decode a 16-bit greyscale PNG whose IHDR the caller has checked (size bounded). Throws on a corrupt
 * file (either decoder's error).
 */
export function decodePng16(bytes: Uint8Array, width: number, height: number): Uint16Array {
  const fast = tryFast(bytes, width, height);
  if (fast) return fast;
  png16Stats.fallbacks++;
  const png = decodeWithFastPng(bytes);
  if (!(png.data instanceof Uint16Array) || png.channels !== 1 || png.data.length !== width * height) {
    throw new Error(`decoded as ${png.depth}-bit x ${png.channels}, not 16-bit greyscale`);
  }
  return png.data;
}

function tryFast(bytes: Uint8Array, width: number, height: number): Uint16Array | undefined {
  if (bytes.length < 33 || !SIGNATURE.every((b, i) => bytes[i] === b)) return undefined;
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  // IHDR: width, height, bit depth 16, colour type 0, compression 0, filter 0, interlace 0.
  if (view.getUint32(16) !== width || view.getUint32(20) !== height) return undefined;
  if (bytes[24] !== 16 || bytes[25] !== 0 || bytes[26] !== 0 || bytes[27] !== 0 || bytes[28] !== 0)
    return undefined;
  const idat: Uint8Array[] = [];
  let offset = 8;
  while (offset + 12 <= bytes.length) {
    const length = view.getUint32(offset);
    const type = view.getUint32(offset + 4);
    const end = offset + 12 + length;
    if (end > bytes.length) return undefined;
    if (type === 0x49444154) idat.push(bytes.subarray(offset + 8, offset + 8 + length)); // IDAT
    if (type === 0x49454e44) break; // IEND
    offset = end;
  }
  if (idat.length === 0) return undefined;
  const rowBytes = width * 2;
  const expected = (rowBytes + 1) * height;
  let raw: Buffer;
  try {
    // maxOutputLength: a zip bomb stops at the image's size instead of filling memory.
    raw = inflateSync(idat.length === 1 ? (idat[0] as Uint8Array) : Buffer.concat(idat), {
      maxOutputLength: expected,
    });
  } catch {
    return undefined;
  }
  if (raw.length !== expected) return undefined;
  const out = new Uint8Array(width * height * 2);
  if (!unfilter(raw, out, rowBytes, height)) return undefined;
  // PNG samples are big-endian; typed arrays here little-endian.
  for (let i = 0; i < out.length; i += 2) {
    const hi = out[i] as number;
    out[i] = out[i + 1] as number;
    out[i + 1] = hi;
  }
  return new Uint16Array(out.buffer);
}

/** Undo PNG row filters (bytes per pixel 2) from `raw` (filter byte + row, per row) into `out`. */
function unfilter(raw: Uint8Array, out: Uint8Array, rowBytes: number, height: number): boolean {
  const bpp = 2;
  for (let y = 0; y < height; y++) {
    const filter = raw[y * (rowBytes + 1)];
    const src = y * (rowBytes + 1) + 1;
    const dst = y * rowBytes;
    const up = dst - rowBytes;
    switch (filter) {
      case 0:
        out.set(raw.subarray(src, src + rowBytes), dst);
        break;
      case 1: // Sub
        for (let i = 0; i < rowBytes; i++) {
          const left = i >= bpp ? (out[dst + i - bpp] as number) : 0;
          out[dst + i] = ((raw[src + i] as number) + left) & 0xff;
        }
        break;
      case 2: // Up
        for (let i = 0; i < rowBytes; i++) {
          const above = y > 0 ? (out[up + i] as number) : 0;
          out[dst + i] = ((raw[src + i] as number) + above) & 0xff;
        }
        break;
      case 3: // Average
        for (let i = 0; i < rowBytes; i++) {
          const left = i >= bpp ? (out[dst + i - bpp] as number) : 0;
          const above = y > 0 ? (out[up + i] as number) : 0;
          out[dst + i] = ((raw[src + i] as number) + ((left + above) >> 1)) & 0xff;
        }
        break;
      case 4: // Paeth
        for (let i = 0; i < rowBytes; i++) {
          const a = i >= bpp ? (out[dst + i - bpp] as number) : 0;
          const b = y > 0 ? (out[up + i] as number) : 0;
          const c = i >= bpp && y > 0 ? (out[up + i - bpp] as number) : 0;
          const p = a + b - c;
          const pa = Math.abs(p - a);
          const pb = Math.abs(p - b);
          const pc = Math.abs(p - c);
          const predictor = pa <= pb && pa <= pc ? a : pb <= pc ? b : c;
          out[dst + i] = ((raw[src + i] as number) + predictor) & 0xff;
        }
        break;
      default:
        return false;
    }
  }
  return true;
}
