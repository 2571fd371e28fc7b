import { decode } from "fast-png";
import { InputError } from "./inputError.ts";

/** What a PNG's IHDR chunk says, read from its first 26 bytes without decoding the image. */
export interface PngHeader {
  readonly width: number;
  readonly height: number;
  readonly bitDepth: number;
  /** 0 grey, 2 RGB, 3 palette, 4 grey + alpha, 6 RGBA. */
  readonly colorType: number;
}

const SIGNATURE = [0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a];
const COLOR_TYPES: Record<number, string> = {
  0: "greyscale",
  2: "RGB",
  3: "palette",
  4: "greyscale+alpha",
  6: "RGBA",
};

/** Read the IHDR; throws `InputError` (data) when `bytes` do not start like a PNG. */
export function readPngHeader(bytes: Uint8Array, where: string): PngHeader {
  const isPng = bytes.length >= 26 && SIGNATURE.every((b, i) => bytes[i] === b);
  // IHDR must be the first chunk: length 13 at 8, type at 12.
  if (!isPng || String.fromCharCode(...bytes.subarray(12, 16)) !== "IHDR") {
    throw new InputError("data", `${where}: not a PNG file`);
  }
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  return {
    width: view.getUint32(16),
    height: view.getUint32(20),
    bitDepth: bytes[24] ?? 0,
    colorType: bytes[25] ?? 0,
  };
}

/** Throws `InputError` unless the header is 16-bit single-channel: what depth PNGs are. */
export function checkDepthPngHeader(header: PngHeader, where: string): void {
  if (header.bitDepth === 16 && header.colorType === 0) return;
  const what = `${header.bitDepth}-bit ${COLOR_TYPES[header.colorType] ?? `colour type ${header.colorType}`}`;
  throw new InputError(
    "data",
    `${where}: ${what} PNG, expected 16-bit single-channel depth` +
      (header.colorType !== 0 ? " (is this a colour image?)" : " (8-bit images hold no metric depth)"),
  );
}

/** Decode a 16-bit single-channel PNG into its depth values; throws `InputError` saying what is wrong. */
export function decodeDepthPng(
  bytes: Uint8Array,
  where: string,
): { width: number; height: number; data: Uint16Array } {
  checkDepthPngHeader(readPngHeader(bytes, where), where);
  let png: ReturnType<typeof decode>;
  try {
    png = decode(bytes);
  } catch (error) {
    throw new InputError("data", `${where}: corrupt PNG (${(error as Error).message})`);
  }
  if (png.depth !== 16 || png.channels !== 1 || !(png.data instanceof Uint16Array)) {
    throw new InputError(
      "data",
      `${where}: decoded as ${png.depth}-bit x ${png.channels}, expected 16-bit single-channel`,
    );
  }
  return { width: png.width, height: png.height, data: png.data };
}
