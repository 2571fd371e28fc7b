import {
  bytesOfArray,
  bytesPerPixel,
  type Datatype,
  type DepthArray,
  type DepthImage,
  toFloat32,
} from "@depthroom/schema";

/*
 * Depth pixels between ROS / Foxglove image encodings and DepthImage datatypes.
 */

/** Single-channel depth encodings we import, and their datatype. */
const IMPORT_ENCODINGS: Record<string, Datatype> = {
  "16UC1": "U16",
  mono16: "U16",
  "16SC1": "I16",
  "32SC1": "I32",
  "32FC1": "F32",
  "64FC1": "F64",
};

const EIGHT_BIT = /^(8SC\d|bayer_\w+8|yuv422(_yuy2)?|uyvy|yuyv|nv12)$/i;

export type EncodingVerdict =
  | { readonly ok: true; readonly datatype: Datatype }
  | { readonly ok: false; readonly eightBit: boolean; readonly reason: string };

export function importEncoding(encoding: string): EncodingVerdict {
  const datatype = IMPORT_ENCODINGS[encoding];
  if (datatype) return { ok: true, datatype };
  if (EIGHT_BIT.test(encoding)) {
    return {
      ok: false,
      eightBit: true,
      reason: `image encoding "${encoding}" is 8-bit colour or grey, not depth (16UC1, mono16 or 32FC1 are depth)`,
    };
  }
  return {
    ok: false,
    eightBit: false,
    reason: `image encoding "${encoding}" is not a single-channel depth encoding (16UC1, mono16 or 32FC1 are)`,
  };
}

/**
 * The pixels of a raw image message without row padding: `height` rows of `width * bytesPerPixel`
 * bytes taken `step` bytes apart, each value of `valueBytes` byte-swapped when `bigEndian`. A fresh
 * buffer. Throws `Error` with a readable reason when the sizes do not add up.
 */
export function packedRows(
  width: number,
  height: number,
  step: number,
  data: Uint8Array,
  bytesPerPixel: number,
  valueBytes: number,
  bigEndian: boolean,
): Uint8Array {
  const row = width * bytesPerPixel;
  if (!(width > 0 && height > 0)) throw new Error(`image is ${width} x ${height}`);
  if (step < row) throw new Error(`step ${step} is less than width x ${bytesPerPixel} bytes (${row})`);
  if (data.byteLength < step * (height - 1) + row) {
    throw new Error(
      `data has ${data.byteLength} bytes, ${height} rows of step ${step} need ${step * (height - 1) + row}`,
    );
  }
  const out = new Uint8Array(row * height);
  if (step === row) out.set(data.subarray(0, row * height));
  else for (let y = 0; y < height; y++) out.set(data.subarray(y * step, y * step + row), y * row);
  if (bigEndian && valueBytes > 1) {
    for (let i = 0; i < out.length; i += valueBytes) out.subarray(i, i + valueBytes).reverse();
  }
  return out;
}

/**
 * Pixels of a raw image as a typed array: rows `step` bytes apart (padding dropped), byte-swapped when
 * big-endian. Throws `Error` with a readable reason when the sizes do not add up.
 */
export function pixelsFromImage(
  datatype: Datatype,
  width: number,
  height: number,
  step: number,
  data: Uint8Array,
  bigEndian: boolean,
): DepthArray {
  const bpp = bytesPerPixel(datatype);
  const buffer = packedRows(width, height, step, data, bpp, bpp, bigEndian).buffer;
  switch (datatype) {
    case "U16":
      return new Uint16Array(buffer);
    case "I16":
      return new Int16Array(buffer);
    case "I32":
      return new Int32Array(buffer);
    case "F32":
      return new Float32Array(buffer);
    case "F64":
      return new Float64Array(buffer);
    default:
      throw new Error(`datatype ${datatype} is not imported`);
  }
}

export interface ExportedPixels {
  readonly encoding: "16UC1" | "32FC1";
  readonly step: number;
  readonly data: Uint8Array;
  /** Units per metre of the exported values (1000 for 16UC1 by convention, 1 for 32FC1 metres). */
  readonly meter: number;
}

/**
 * A DepthImage as a ROS/Foxglove raw image: U16 stays 16UC1 (values untouched; its `meter` is returned
 * so the exporter can record it when it is not the conventional 1000), F32 stays 32FC1, every other
 * datatype becomes 32FC1 in metres (value / meter).
 */
export function exportPixels(image: DepthImage): ExportedPixels {
  if (image.datatype === "U16") {
    return { encoding: "16UC1", step: image.width * 2, data: bytesOfArray(image.data), meter: image.meter };
  }
  if (image.datatype === "F32" && image.meter === 1) {
    return { encoding: "32FC1", step: image.width * 4, data: bytesOfArray(image.data), meter: 1 };
  }
  const values = toFloat32(image.data, image.datatype);
  const metres = new Float32Array(values.length);
  const meter = image.meter;
  for (let i = 0; i < values.length; i++) metres[i] = (values[i] as number) / meter;
  return { encoding: "32FC1", step: image.width * 4, data: bytesOfArray(metres), meter: 1 };
}
