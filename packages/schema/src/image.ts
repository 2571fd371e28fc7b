import { z } from "zod";
import type { Decoder, Encoder } from "./binary.ts";
import { arrayOverBytes, bytesOfArray, DATATYPES, datatypeFromId } from "./datatypes.ts";
import { drawOrderProblem, imageSizeProblem } from "./depthImage.ts";
import { DecodeError, ValidationError } from "./errors.ts";
import { parseOrThrow, withRule } from "./validate.ts";

/**
 * Image: raw colour or grey pixels, as Rerun's `Image` archetype. The pixel layout is Rerun's
 * `ColorModel` (channel order) with a `ChannelDatatype`: 8-bit L, RGB, RGBA, BGR, BGRA, and 16-bit L
 * (mono16). Rows are tightly packed, row-major, channels interleaved. Logged under the same Pinhole
 * entity as a DepthImage it is that depth's registered colour (Rerun's convention).
 */
export const IMAGE_VERSION = 1;

/** Rerun's `ColorModel` words with Rerun's enum numbers, which the wire carries. */
export const COLOR_MODELS = {
  L: { id: 1, channels: 1 },
  RGB: { id: 2, channels: 3 },
  RGBA: { id: 3, channels: 4 },
  BGR: { id: 4, channels: 3 },
  BGRA: { id: 5, channels: 4 },
} as const;
export type ColorModel = keyof typeof COLOR_MODELS;
const colorModelNames = Object.keys(COLOR_MODELS) as [ColorModel, ...ColorModel[]];
const COLOR_MODEL_BY_ID = new Map<number, ColorModel>(colorModelNames.map((m) => [COLOR_MODELS[m].id, m]));

/** The channel datatypes an Image may hold (Rerun's words): U8 for every colour model, U16 for L only. */
export type ImageDatatype = "U8" | "U16";
export type ImageArray = Uint8Array | Uint16Array;

export const IMAGE_DEFAULTS = {
  /** Rerun's default draw order for images: above depth images (-20). */
  drawOrder: -10,
  opacity: 1,
} as const;

/**
 * The rules of an Image's numbers, each once: the zod schema below (what `new Image` checks) is built
 * from them, and `readImage` calls the same functions on every frame instead of zod.
 */
const IMAGE_RULES = {
  /** 0 (invisible) .. 1 (opaque), as Rerun's `Opacity`. */
  opacity: (v: number) => (v >= 0 && v <= 1 ? undefined : `${v} is not in 0..1`),
  drawOrder: drawOrderProblem,
};

const imageDatatypes = ["U8", "U16"] as const;
export const imageOptionsSchema = z
  .object({
    width: z.number(),
    height: z.number(),
    colorModel: z.enum(colorModelNames),
    /** Taken from the array when absent (Uint8Array U8, Uint16Array U16). */
    datatype: z.enum(imageDatatypes).optional(),
    opacity: withRule(z.number(), IMAGE_RULES.opacity).optional(),
    drawOrder: withRule(z.number(), IMAGE_RULES.drawOrder).optional(),
  })
  .superRefine((o, context) => {
    const why = imageSizeProblem(o.width, o.height);
    if (why !== undefined) context.addIssue({ code: "custom", message: why, path: ["width"] });
  })
  .refine((o) => o.datatype !== "U16" || o.colorModel === "L", {
    message: "16-bit pixels are supported for the L (mono) colour model only",
    path: ["datatype"],
  });
export type ImageOptions = z.input<typeof imageOptionsSchema>;

/** Bytes of one pixel of `colorModel` in `datatype`. */
export function imageBytesPerPixel(colorModel: ColorModel, datatype: ImageDatatype): number {
  return COLOR_MODELS[colorModel].channels * DATATYPES[datatype].bytes;
}

/** Marks options readImage built and checked (module-private: nothing else can set it). */
const DECODED = Symbol("decoded Image options");

export class Image {
  readonly kind = "Image";
  readonly width: number;
  readonly height: number;
  readonly colorModel: ColorModel;
  readonly datatype: ImageDatatype;
  /** `width * height * channels` values, interleaved in `colorModel` order. */
  readonly data: ImageArray;
  readonly opacity: number;
  readonly drawOrder: number;

  /** `new Image(rgbBytes, { width: 640, height: 480, colorModel: "RGB" })`; throws `ValidationError`. */
  constructor(data: ImageArray, options: ImageOptions) {
    // A decoder's options were checked field by field as read (readImage): no zod per frame.
    const o = DECODED in options ? options : parseOrThrow(imageOptionsSchema, options, "Image");
    const datatype: ImageDatatype | undefined =
      data instanceof Uint8Array ? "U8" : data instanceof Uint16Array ? "U16" : undefined;
    if (datatype === undefined)
      throw new ValidationError("Image.data", "expected a Uint8Array or Uint16Array");
    if (o.datatype !== undefined && o.datatype !== datatype) {
      throw new ValidationError("Image.data", `a ${data.constructor.name} cannot hold ${o.datatype}`);
    }
    if (datatype === "U16" && o.colorModel !== "L") {
      throw new ValidationError(
        "Image.datatype",
        "16-bit pixels are supported for the L (mono) colour model only",
      );
    }
    const expected = o.width * o.height * COLOR_MODELS[o.colorModel].channels;
    if (data.length !== expected) {
      throw new ValidationError(
        "Image.data",
        `has ${data.length} values, width x height x channels (${o.colorModel}) is ${expected}`,
      );
    }
    this.width = o.width;
    this.height = o.height;
    this.colorModel = o.colorModel;
    this.datatype = datatype;
    this.data = data;
    this.opacity = o.opacity ?? IMAGE_DEFAULTS.opacity;
    this.drawOrder = o.drawOrder ?? IMAGE_DEFAULTS.drawOrder;
  }

  get channels(): number {
    return COLOR_MODELS[this.colorModel].channels;
  }
}

/*
 * Wire body (see PROTOCOL.md):
 *   u32 width, u32 height, u8 colorModel, u8 datatype, u8 flags (0), f64 opacity, f64 drawOrder,
 *   u32 payloadLength, payload (width*height*channels*bytes(datatype), little-endian)
 */
export function writeImage(enc: Encoder, img: Image): void {
  enc.u32(img.width);
  enc.u32(img.height);
  enc.u8(COLOR_MODELS[img.colorModel].id);
  enc.u8(DATATYPES[img.datatype].id);
  enc.u8(0);
  enc.f64(img.opacity);
  enc.f64(img.drawOrder);
  const payload = bytesOfArray(img.data);
  enc.u32(payload.length);
  enc.payload(payload);
}

export function readImage(dec: Decoder): Image {
  const width = dec.u32("Image.width");
  const height = dec.u32("Image.height");
  const badSize = imageSizeProblem(width, height);
  if (badSize !== undefined) throw new DecodeError("too-large", "Image.width", badSize);
  const modelId = dec.u8("Image.colorModel");
  const colorModel = COLOR_MODEL_BY_ID.get(modelId);
  if (!colorModel)
    throw new DecodeError("invalid-field", "Image.colorModel", `unknown colour model ${modelId}`);
  const datatypeId = dec.u8("Image.datatype");
  const datatype = datatypeFromId(datatypeId);
  if (datatype !== "U8" && datatype !== "U16") {
    throw new DecodeError(
      "invalid-field",
      "Image.datatype",
      `datatype ${datatype ?? datatypeId} is not U8 or U16`,
    );
  }
  const flags = dec.u8("Image.flags");
  if (flags !== 0) throw new DecodeError("invalid-field", "Image.flags", `unknown flags ${flags}`);
  const opacity = dec.f64("Image.opacity");
  const drawOrder = dec.f64("Image.drawOrder");
  const payloadLength = dec.u32("Image.payload");
  const expected = width * height * imageBytesPerPixel(colorModel, datatype);
  if (payloadLength !== expected) {
    throw new DecodeError("invalid-field", "Image.payload", `${payloadLength} bytes, expected ${expected}`);
  }
  const payload = dec.bytesView(payloadLength, "Image.payload");
  // What imageOptionsSchema checks beyond the reads above: its rules, called without zod.
  const badOpacity = IMAGE_RULES.opacity(opacity);
  if (badOpacity !== undefined) throw new DecodeError("invalid-field", "Image.opacity", badOpacity);
  const badDrawOrder = IMAGE_RULES.drawOrder(drawOrder);
  if (badDrawOrder !== undefined) throw new DecodeError("invalid-field", "Image.drawOrder", badDrawOrder);
  try {
    // The pixels are a view of the message when aligned (as a raw DepthImage's).
    return new Image(
      arrayOverBytes(datatype, payload) as ImageArray,
      {
        width,
        height,
        colorModel,
        datatype,
        opacity,
        drawOrder,
        [DECODED]: true,
      } as ImageOptions,
    );
  } catch (error) {
    if (error instanceof ValidationError) throw new DecodeError("invalid-field", error.field, error.message);
    throw error;
  }
}
