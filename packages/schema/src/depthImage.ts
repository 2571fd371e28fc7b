import { z } from "zod";
import type { Decoder, Encoder } from "./binary.ts";
import { COLORMAPS, type Colormap, colormapFromId, colormapId, DEFAULT_COLORMAP } from "./colormaps.ts";
import {
  arrayMatchesDatatype,
  arrayOverBytes,
  bytesOfArray,
  bytesPerPixel,
  DATATYPES,
  type Datatype,
  type DepthArray,
  datatypeFromId,
  datatypeOfArray,
  isFloatDatatype,
} from "./datatypes.ts";
import { medDecode, medEncode } from "./depthCodec.ts";
import { DecodeError, ValidationError } from "./errors.ts";
import { floatDecode, floatEncode } from "./floatDepthCodec.ts";
import { rvlDecode, rvlEncodeScratch } from "./rvl.ts";
import { upZstdDecode, upZstdEncode } from "./upZstdCodec.ts";
import { parseOrThrow, withRule } from "./validate.ts";

/**
 * DepthImage: one channel of depth, as Rerun's `DepthImage` archetype. A stored value `d` lies at
 * `d / meter` world units along the optical axis; 0 and NaN mean "no depth".
 */
export const DEPTH_IMAGE_VERSION = 1;
export const MAX_IMAGE_DIMENSION = 16384;
/** 8192 x 4096: the largest image any decoder here will allocate for. */
export const MAX_PIXELS = 1 << 25;

export const DEPTH_IMAGE_DEFAULTS = {
  /** Units per metre: 1000 (millimetres) for integer types. */
  meterInteger: 1000,
  /** Units per metre: 1 (metres) for float types. */
  meterFloat: 1,
  colormap: DEFAULT_COLORMAP,
  pointFillRatio: 1,
  drawOrder: -20,
} as const;

const datatypeNames = Object.keys(DATATYPES) as [Datatype, ...Datatype[]];

/**
 * Why `width` x `height` cannot be an image's size (DepthImage's and Image's), or undefined: each side
 * an integer in 1..MAX_IMAGE_DIMENSION, at most MAX_PIXELS pixels in all.
 */
export function imageSizeProblem(width: number, height: number): string | undefined {
  if (!(Number.isInteger(width) && Number.isInteger(height)))
    return `${width} x ${height} is not whole pixels`;
  if (width < 1 || height < 1 || width > MAX_IMAGE_DIMENSION || height > MAX_IMAGE_DIMENSION) {
    return `${width} x ${height} is outside 1..${MAX_IMAGE_DIMENSION}`;
  }
  if (width * height > MAX_PIXELS) return `${width} x ${height} exceeds ${MAX_PIXELS} pixels`;
  return undefined;
}

/** Why `v` cannot be a draw order (DepthImage's and Image's), or undefined: any finite number. */
export function drawOrderProblem(v: number): string | undefined {
  return Number.isFinite(v) ? undefined : `${v} is not a finite number`;
}

/**
 * The rules of a DepthImage's numbers, each once: the zod schema below (what `new DepthImage` checks)
 * is built from them, and `readDepthImage` calls the same functions on every frame instead of zod.
 * Each says why a value is refused, or returns undefined.
 */
const DEPTH_IMAGE_RULES = {
  meter: (v: number) => (Number.isFinite(v) && v > 0 ? undefined : `${v} is not a positive number`),
  pointFillRatio: (v: number) => (Number.isFinite(v) && v >= 0 ? undefined : `${v} is not a number >= 0`),
  drawOrder: drawOrderProblem,
  depthRange: ([min, max]: readonly [number, number]) =>
    !(Number.isFinite(min) && Number.isFinite(max))
      ? "not finite numbers"
      : min > max
        ? "min must not exceed max"
        : undefined,
};

export const depthImageOptionsSchema = z
  .object({
    width: z.number(),
    height: z.number(),
    /** Needed only for F16 (stored as raw bits in a Uint16Array); otherwise taken from the array. */
    datatype: z.enum(datatypeNames).optional(),
    meter: withRule(z.number(), DEPTH_IMAGE_RULES.meter).optional(),
    colormap: z.enum(COLORMAPS).optional(),
    /** Colormap range in stored units; default: a robust auto range chosen by the viewer. */
    depthRange: withRule(z.tuple([z.number(), z.number()]), DEPTH_IMAGE_RULES.depthRange).optional(),
    pointFillRatio: withRule(z.number(), DEPTH_IMAGE_RULES.pointFillRatio).optional(),
    drawOrder: withRule(z.number(), DEPTH_IMAGE_RULES.drawOrder).optional(),
  })
  .superRefine((o, context) => {
    const why = imageSizeProblem(o.width, o.height);
    if (why !== undefined) context.addIssue({ code: "custom", message: why, path: ["width"] });
  });

export type DepthImageOptions = z.input<typeof depthImageOptionsSchema>;

/**
 * How a depth payload is carried on the wire: raw little-endian pixels, RVL (lossless, U16 only),
 * MED-deflate (lossless, U16 only; depthCodec.ts: a spatial predictor then raw DEFLATE), up-zstd
 * (lossless, U16 only; upZstdCodec.ts: the pixel above as predictor, then zstd; its WebAssembly must
 * be loaded first: loadUpZstdEncoder / loadUpZstdDecoder), or float-deflate (lossless, F32 only; floatDepthCodec.ts: a gradient predictor on the IEEE bits, byte
 * planes, raw DEFLATE).
 */
export type DepthEncoding = "raw" | "rvl" | "med" | "float-deflate" | "up-zstd";
export const DEPTH_ENCODINGS: readonly DepthEncoding[] = ["raw", "rvl", "med", "float-deflate", "up-zstd"];
const ENCODING_IDS: Record<DepthEncoding, number> = {
  raw: 0,
  rvl: 1,
  med: 2,
  "float-deflate": 3,
  "up-zstd": 4,
};
const MAX_ENCODING_ID = 4;
/** The one datatype each compressed encoding carries. */
export const ENCODING_DATATYPE: Readonly<Record<Exclude<DepthEncoding, "raw">, Datatype>> = {
  rvl: "U16",
  med: "U16",
  "float-deflate": "F32",
  "up-zstd": "U16",
};

/** Marks options readDepthImage built and checked (module-private: nothing else can set it). */
const DECODED = Symbol("decoded DepthImage options");

export class DepthImage {
  readonly kind = "DepthImage";
  readonly width: number;
  readonly height: number;
  readonly datatype: Datatype;
  readonly data: DepthArray;
  readonly meter: number;
  readonly colormap: Colormap;
  readonly depthRange: readonly [number, number] | undefined;
  readonly pointFillRatio: number;
  readonly drawOrder: number;

  /** `new DepthImage(u16, { width: 640, height: 480, meter: 1000 })`; throws `ValidationError`. */
  constructor(data: DepthArray, options: DepthImageOptions) {
    // A decoder's options were checked field by field as read (readDepthImage): no zod per frame.
    const o = DECODED in options ? options : parseOrThrow(depthImageOptionsSchema, options, "DepthImage");
    const datatype = o.datatype ?? datatypeOfArray(data);
    if (!arrayMatchesDatatype(data, datatype)) {
      throw new ValidationError("DepthImage.data", `a ${data.constructor.name} cannot hold ${datatype}`);
    }
    if (data.length !== o.width * o.height) {
      throw new ValidationError(
        "DepthImage.data",
        `has ${data.length} values, width x height is ${o.width * o.height}`,
      );
    }
    this.width = o.width;
    this.height = o.height;
    this.datatype = datatype;
    this.data = data;
    this.meter =
      o.meter ??
      (isFloatDatatype(datatype) ? DEPTH_IMAGE_DEFAULTS.meterFloat : DEPTH_IMAGE_DEFAULTS.meterInteger);
    this.colormap = o.colormap ?? DEPTH_IMAGE_DEFAULTS.colormap;
    this.depthRange = o.depthRange;
    this.pointFillRatio = o.pointFillRatio ?? DEPTH_IMAGE_DEFAULTS.pointFillRatio;
    this.drawOrder = o.drawOrder ?? DEPTH_IMAGE_DEFAULTS.drawOrder;
  }

  get pixelCount(): number {
    return this.width * this.height;
  }

  /** The wire encoding used when none is asked for: RVL for U16, raw otherwise. */
  get defaultEncoding(): DepthEncoding {
    return this.datatype === "U16" ? "rvl" : "raw";
  }
}

/*
 * Wire body (see PROTOCOL.md):
 *   u32 width, u32 height, u8 datatype, u8 colormap, u8 encoding, u8 flags (bit 0: depthRange present),
 *   f64 meter, f64 pointFillRatio, f64 drawOrder, [f64 rangeMin, f64 rangeMax], u32 payloadLength, payload
 */
const FLAG_DEPTH_RANGE = 1;

export function writeDepthImage(
  enc: Encoder,
  img: DepthImage,
  encoding: DepthEncoding = img.defaultEncoding,
): void {
  if (encoding !== "raw" && img.datatype !== ENCODING_DATATYPE[encoding]) {
    throw new ValidationError(
      "DepthImage.encoding",
      `${encoding} carries ${ENCODING_DATATYPE[encoding]} only, not ${img.datatype}`,
    );
  }
  enc.u32(img.width);
  enc.u32(img.height);
  enc.u8(DATATYPES[img.datatype].id);
  enc.u8(colormapId(img.colormap));
  enc.u8(ENCODING_IDS[encoding]);
  enc.u8(img.depthRange ? FLAG_DEPTH_RANGE : 0);
  enc.f64(img.meter);
  enc.f64(img.pointFillRatio);
  enc.f64(img.drawOrder);
  if (img.depthRange) {
    enc.f64(img.depthRange[0]);
    enc.f64(img.depthRange[1]);
  }
  const payload =
    encoding === "rvl"
      ? rvlEncodeScratch(img.data as Uint16Array) // the codec's scratch: copied once, by finish()
      : encoding === "med"
        ? medEncode(img.data as Uint16Array, img.width)
        : encoding === "float-deflate"
          ? floatEncode(img.data as Float32Array, img.width)
          : encoding === "up-zstd"
            ? upZstdEncode(img.data as Uint16Array, img.width)
            : bytesOfArray(img.data);
  enc.u32(payload.length);
  enc.payload(payload);
}

export function readDepthImage(dec: Decoder): DepthImage {
  const width = dec.u32("DepthImage.width");
  const height = dec.u32("DepthImage.height");
  const badSize = imageSizeProblem(width, height);
  if (badSize !== undefined) throw new DecodeError("too-large", "DepthImage.width", badSize);
  const datatypeId = dec.u8("DepthImage.datatype");
  const datatype = datatypeFromId(datatypeId);
  if (!datatype)
    throw new DecodeError("invalid-field", "DepthImage.datatype", `unknown datatype ${datatypeId}`);
  const colormapNumber = dec.u8("DepthImage.colormap");
  const colormap = colormapFromId(colormapNumber);
  if (!colormap)
    throw new DecodeError("invalid-field", "DepthImage.colormap", `unknown colormap ${colormapNumber}`);
  const encodingId = dec.u8("DepthImage.encoding");
  if (encodingId > MAX_ENCODING_ID) {
    throw new DecodeError("invalid-field", "DepthImage.encoding", `unknown encoding ${encodingId}`);
  }
  const flags = dec.u8("DepthImage.flags");
  if (flags & ~FLAG_DEPTH_RANGE)
    throw new DecodeError("invalid-field", "DepthImage.flags", `unknown flags ${flags}`);
  const meter = dec.f64("DepthImage.meter");
  const pointFillRatio = dec.f64("DepthImage.pointFillRatio");
  const drawOrder = dec.f64("DepthImage.drawOrder");
  const depthRange: [number, number] | undefined =
    flags & FLAG_DEPTH_RANGE
      ? [dec.f64("DepthImage.depthRange"), dec.f64("DepthImage.depthRange")]
      : undefined;
  const payloadLength = dec.u32("DepthImage.payload");
  const payload = dec.bytesView(payloadLength, "DepthImage.payload");
  const pixels = width * height;
  let data: DepthArray;
  if (encodingId === ENCODING_IDS.rvl) {
    if (datatype !== "U16")
      throw new DecodeError("invalid-field", "DepthImage.encoding", `RVL with ${datatype}`);
    data = rvlDecode(payload, pixels);
  } else if (encodingId === ENCODING_IDS.med) {
    if (datatype !== "U16")
      throw new DecodeError("invalid-field", "DepthImage.encoding", `MED-deflate with ${datatype}`);
    data = medDecode(payload, pixels, width);
  } else if (encodingId === ENCODING_IDS["float-deflate"]) {
    if (datatype !== "F32")
      throw new DecodeError("invalid-field", "DepthImage.encoding", `float-deflate with ${datatype}`);
    data = floatDecode(payload, pixels, width);
  } else if (encodingId === ENCODING_IDS["up-zstd"]) {
    if (datatype !== "U16")
      throw new DecodeError("invalid-field", "DepthImage.encoding", `up-zstd with ${datatype}`);
    data = upZstdDecode(payload, pixels, width);
  } else {
    const expected = pixels * bytesPerPixel(datatype);
    if (payloadLength !== expected) {
      throw new DecodeError(
        "invalid-field",
        "DepthImage.payload",
        `${payloadLength} bytes, expected ${expected}`,
      );
    }
    data = arrayOverBytes(datatype, payload); // a view of the message when aligned
  }
  // What depthImageOptionsSchema checks beyond the reads above: its rules, called without zod.
  refuseIf("meter", DEPTH_IMAGE_RULES.meter(meter));
  refuseIf("pointFillRatio", DEPTH_IMAGE_RULES.pointFillRatio(pointFillRatio));
  refuseIf("drawOrder", DEPTH_IMAGE_RULES.drawOrder(drawOrder));
  if (depthRange) refuseIf("depthRange", DEPTH_IMAGE_RULES.depthRange(depthRange));
  try {
    return new DepthImage(data, {
      width,
      height,
      datatype,
      meter,
      colormap,
      depthRange,
      pointFillRatio,
      drawOrder,
      [DECODED]: true,
    } as DepthImageOptions);
  } catch (error) {
    if (error instanceof ValidationError) throw new DecodeError("invalid-field", error.field, error.message);
    throw error;
  }
}

function refuseIf(field: string, why: string | undefined): void {
  if (why !== undefined) throw new DecodeError("invalid-field", `DepthImage.${field}`, why);
}
