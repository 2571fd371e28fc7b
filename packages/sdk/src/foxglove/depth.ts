// Depth pixels out of ROS / Foxglove image messages: raw images (sensor_msgs/Image, foxglove.RawImage),
// image_transport's compressedDepth (PNG or RVL behind its 12-byte config header) and 16-bit PNGs
// (foxglove.CompressedImage). Pure functions: bytes in, a DepthImage or a BridgeMessageError out.

import { DepthImage, MAX_IMAGE_DIMENSION, MAX_PIXELS, rvlDecode } from "@depthroom/schema";
import { BridgeMessageError } from "./errors.ts";
import { decodePng16 } from "./png16.ts";

/** The raw encodings that carry depth, with the DepthImage they become. */
const RAW_DEPTH_ENCODINGS = {
  "16UC1": { bytes: 2, float: false },
  mono16: { bytes: 2, float: false },
  "32FC1": { bytes: 4, float: true },
} as const;
export type RawDepthEncoding = keyof typeof RAW_DEPTH_ENCODINGS;

export function isRawDepthEncoding(encoding: string): encoding is RawDepthEncoding {
  return Object.hasOwn(RAW_DEPTH_ENCODINGS, encoding);
}

/** Units per metre: ROS depth is millimetres in 16-bit images (REP 118) and metres in float ones. */
const MILLIMETRES = 1000;
const METRES = 1;

export interface RawImageFields {
  readonly width: number;
  readonly height: number;
  readonly encoding: string;
  /** Bytes per row, padding included. */
  readonly step: number;
  readonly isBigEndian: boolean;
  readonly data: Uint8Array;
}

function checkSize(width: number, height: number, field: string): void {
  if (
    !Number.isInteger(width) ||
    !Number.isInteger(height) ||
    width < 1 ||
    height < 1 ||
    width > MAX_IMAGE_DIMENSION ||
    height > MAX_IMAGE_DIMENSION ||
    width * height > MAX_PIXELS
  ) {
    throw new BridgeMessageError("bad-image", `${field}: ${width} x ${height} is not an image size we take`);
  }
}

/**
 * A raw depth image (`16UC1`, `mono16` -> U16 millimetres; `32FC1` -> F32 metres). Handles row padding
 * (`step` > width x bytes) and big-endian data. Always copies: the result owns its pixels.
 */
export function depthFromRawImage(image: RawImageFields): DepthImage {
  const { width, height, encoding, step, data } = image;
  if (!isRawDepthEncoding(encoding)) {
    throw new BridgeMessageError(
      "unsupported-encoding",
      `encoding "${encoding}" is not 16UC1, mono16 or 32FC1`,
    );
  }
  checkSize(width, height, "Image");
  const spec = RAW_DEPTH_ENCODINGS[encoding];
  const rowBytes = width * spec.bytes;
  if (!Number.isInteger(step) || step < rowBytes) {
    throw new BridgeMessageError(
      "bad-image",
      `Image.step ${step} is less than width x ${spec.bytes} = ${rowBytes}`,
    );
  }
  // The last row needs only its pixels, not its padding.
  const needed = step * (height - 1) + rowBytes;
  if (data.length < needed) {
    throw new BridgeMessageError(
      "bad-image",
      `Image.data has ${data.length} bytes, ${width}x${height} ${encoding} needs ${needed}`,
    );
  }
  const out = new Uint8Array(width * height * spec.bytes);
  if (step === rowBytes) out.set(data.subarray(0, out.length));
  else for (let y = 0; y < height; y++) out.set(data.subarray(y * step, y * step + rowBytes), y * rowBytes);
  // Our typed arrays are little-endian (every host Node runs on); swap big-endian data in place.
  if (image.isBigEndian) swapBytes(out, spec.bytes);
  if (spec.float) {
    return new DepthImage(new Float32Array(out.buffer), { width, height, meter: METRES });
  }
  return new DepthImage(new Uint16Array(out.buffer), { width, height, meter: MILLIMETRES });
}

function swapBytes(bytes: Uint8Array, size: number): void {
  for (let i = 0; i + size <= bytes.length; i += size) {
    for (let a = i, b = i + size - 1; a < b; a++, b--) {
      const t = bytes[a] as number;
      bytes[a] = bytes[b] as number;
      bytes[b] = t;
    }
  }
}

/** What a `sensor_msgs/CompressedImage.format` string says about a compressedDepth payload. */
export interface CompressedDepthFormat {
  /** The depth image's own encoding: `16UC1` or `32FC1`. */
  readonly encoding: "16UC1" | "32FC1";
  readonly compression: "png" | "rvl";
}

/**
 * Parse a compressedDepth format (`16UC1; compressedDepth png`, `32FC1; compressedDepth rvl`, the older
 * `16UC1; compressedDepth`), as image_transport's decoder reads it; undefined when it is not one.
 */
export function parseCompressedDepthFormat(format: string): CompressedDepthFormat | undefined {
  const split = format.indexOf(";");
  if (split < 0) return undefined;
  const encoding = format.slice(0, split).trim();
  const rest = format.slice(split + 1).trim();
  let compression: "png" | "rvl";
  if (rest === "compressedDepth" || rest === "compressedDepth png") compression = "png";
  else if (rest === "compressedDepth rvl") compression = "rvl";
  else return undefined;
  if (encoding !== "16UC1" && encoding !== "32FC1") return undefined;
  return { encoding, compression };
}

/** image_transport's `ConfigHeader`: int32 format, float32 depthParam[2] (little-endian, as memcpy'd on the rig). */
export const COMPRESSED_DEPTH_HEADER_BYTES = 12;

/**
 * Decode a compressedDepth payload: 12-byte config header, then a 16-bit PNG, or u32 cols, u32 rows and
 * an RVL stream. 16UC1 comes back bit-exact (U16 millimetres). 32FC1 was quantised to inverse depth by
 * the rig; it is restored as image_transport does, `depth = a / (v - b)` in float32 with the header's
 * (a, b), and 0 becomes NaN (no depth).
 */
export function depthFromCompressedDepth(format: CompressedDepthFormat, payload: Uint8Array): DepthImage {
  if (payload.length <= COMPRESSED_DEPTH_HEADER_BYTES) {
    throw new BridgeMessageError(
      "bad-image",
      `compressedDepth payload of ${payload.length} bytes has no image after its header`,
    );
  }
  const view = new DataView(payload.buffer, payload.byteOffset, payload.byteLength);
  const quantA = view.getFloat32(4, true);
  const quantB = view.getFloat32(8, true);
  const body = payload.subarray(COMPRESSED_DEPTH_HEADER_BYTES);
  const { width, height, data } =
    format.compression === "png" ? decodeGrey16Png(body, "compressedDepth png") : decodeRosRvl(body);
  if (format.encoding === "16UC1") return new DepthImage(data, { width, height, meter: MILLIMETRES });
  const depth = new Float32Array(data.length);
  for (let i = 0; i < data.length; i++) {
    const v = data[i] as number;
    depth[i] = v === 0 ? Number.NaN : Math.fround(quantA / Math.fround(v - quantB));
  }
  return new DepthImage(depth, { width, height, meter: METRES });
}

/** compressed_depth_image_transport's RVL body: u32 cols, u32 rows (little-endian), then the RVL words. */
function decodeRosRvl(body: Uint8Array): { width: number; height: number; data: Uint16Array } {
  if (body.length < 8)
    throw new BridgeMessageError("bad-image", `compressedDepth rvl: ${body.length} bytes, no size header`);
  const view = new DataView(body.buffer, body.byteOffset, body.byteLength);
  const width = view.getUint32(0, true);
  const height = view.getUint32(4, true);
  checkSize(width, height, "compressedDepth rvl");
  try {
    return { width, height, data: rvlDecode(body.subarray(8), width * height) };
  } catch (error) {
    throw new BridgeMessageError("bad-image", `compressedDepth rvl: ${(error as Error).message}`);
  }
}

const PNG_SIGNATURE = [0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a];

/**
 * Decode a 16-bit greyscale PNG (depth). The IHDR is checked before anything is inflated, so a PNG
 * claiming a huge size or the wrong pixel format costs nothing.
 */
export function decodeGrey16Png(
  bytes: Uint8Array,
  what: string,
): { width: number; height: number; data: Uint16Array } {
  const isPng = bytes.length >= 33 && PNG_SIGNATURE.every((b, i) => bytes[i] === b);
  if (!isPng || String.fromCharCode(...bytes.subarray(12, 16)) !== "IHDR") {
    throw new BridgeMessageError("bad-image", `${what}: not a PNG`);
  }
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const width = view.getUint32(16);
  const height = view.getUint32(20);
  const bitDepth = bytes[24];
  const colorType = bytes[25];
  if (bitDepth !== 16 || colorType !== 0) {
    throw new BridgeMessageError(
      "unsupported-encoding",
      `${what}: ${bitDepth}-bit PNG of colour type ${colorType}, depth needs 16-bit greyscale`,
    );
  }
  checkSize(width, height, what);
  try {
    return { width, height, data: decodePng16(bytes, width, height) };
  } catch (error) {
    throw new BridgeMessageError("bad-image", `${what}: corrupt PNG (${(error as Error).message})`);
  }
}

/** A 16-bit greyscale PNG as U16 depth in millimetres (foxglove.CompressedImage with format `png`). */
export function depthFromPng(bytes: Uint8Array): DepthImage {
  const { width, height, data } = decodeGrey16Png(bytes, "png");
  return new DepthImage(data, { width, height, meter: MILLIMETRES });
}
