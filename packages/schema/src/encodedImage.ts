import { z } from "zod";
import type { Decoder, Encoder } from "./binary.ts";
import { DecodeError, ValidationError } from "./errors.ts";
import { IMAGE_DEFAULTS } from "./image.ts";
import { parseOrThrow } from "./validate.ts";

/**
 * EncodedImage: a compressed image file's bytes (JPEG or PNG) with its media type, as Rerun's
 * `EncodedImage` archetype. Viewers decode it natively (the browser's image decoder); the relay and
 * recordings carry the bytes untouched. Only the file signature is checked here, not the whole file.
 */
export const ENCODED_IMAGE_VERSION = 1;

/** The media types carried, with their ids on the wire. */
export const IMAGE_MEDIA_TYPES = {
  "image/jpeg": { id: 1 },
  "image/png": { id: 2 },
} as const;
export type ImageMediaType = keyof typeof IMAGE_MEDIA_TYPES;
const mediaTypeNames = Object.keys(IMAGE_MEDIA_TYPES) as [ImageMediaType, ...ImageMediaType[]];
const MEDIA_TYPE_BY_ID = new Map<number, ImageMediaType>(
  mediaTypeNames.map((t) => [IMAGE_MEDIA_TYPES[t].id, t]),
);

const PNG_SIGNATURE = [0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a];
const JPEG_SIGNATURE = [0xff, 0xd8, 0xff];

/** The media type a file's first bytes announce (as Rerun guesses it), or undefined. */
export function guessImageMediaType(blob: Uint8Array): ImageMediaType | undefined {
  const starts = (signature: number[]) => signature.every((b, i) => blob[i] === b);
  if (starts(PNG_SIGNATURE)) return "image/png";
  if (starts(JPEG_SIGNATURE)) return "image/jpeg";
  return undefined;
}

export const encodedImageOptionsSchema = z.object({
  /** Guessed from the bytes when absent. */
  mediaType: z.enum(mediaTypeNames).optional(),
  opacity: z.number().min(0).max(1).optional(),
  drawOrder: z.number().optional(),
});
export type EncodedImageOptions = z.input<typeof encodedImageOptionsSchema>;

export class EncodedImage {
  readonly kind = "EncodedImage";
  readonly blob: Uint8Array;
  readonly mediaType: ImageMediaType;
  readonly opacity: number;
  readonly drawOrder: number;

  /** `new EncodedImage(jpegBytes)`; throws `ValidationError` when the bytes are not the media type's. */
  constructor(blob: Uint8Array, options: EncodedImageOptions = {}) {
    const o = parseOrThrow(encodedImageOptionsSchema, options, "EncodedImage");
    if (!(blob instanceof Uint8Array))
      throw new ValidationError("EncodedImage.blob", "expected a Uint8Array");
    const guessed = guessImageMediaType(blob);
    if (guessed === undefined) {
      throw new ValidationError("EncodedImage.blob", "neither a JPEG nor a PNG file (no known signature)");
    }
    if (o.mediaType !== undefined && o.mediaType !== guessed) {
      throw new ValidationError("EncodedImage.mediaType", `${o.mediaType}, but the bytes are ${guessed}`);
    }
    this.blob = blob;
    this.mediaType = guessed;
    this.opacity = o.opacity ?? IMAGE_DEFAULTS.opacity;
    this.drawOrder = o.drawOrder ?? IMAGE_DEFAULTS.drawOrder;
  }
}

/*
 * Wire body (see PROTOCOL.md):
 *   u8 mediaType, u8 flags (0), f64 opacity, f64 drawOrder, u32 blobLength, blob
 */
export function writeEncodedImage(enc: Encoder, img: EncodedImage): void {
  enc.u8(IMAGE_MEDIA_TYPES[img.mediaType].id);
  enc.u8(0);
  enc.f64(img.opacity);
  enc.f64(img.drawOrder);
  enc.u32(img.blob.length);
  enc.payload(img.blob);
}

export function readEncodedImage(dec: Decoder): EncodedImage {
  const mediaTypeId = dec.u8("EncodedImage.mediaType");
  const mediaType = MEDIA_TYPE_BY_ID.get(mediaTypeId);
  if (!mediaType) {
    throw new DecodeError("invalid-field", "EncodedImage.mediaType", `unknown media type ${mediaTypeId}`);
  }
  const flags = dec.u8("EncodedImage.flags");
  if (flags !== 0) throw new DecodeError("invalid-field", "EncodedImage.flags", `unknown flags ${flags}`);
  const opacity = dec.f64("EncodedImage.opacity");
  const drawOrder = dec.f64("EncodedImage.drawOrder");
  const blobLength = dec.u32("EncodedImage.blob");
  // A copy, so the image owns its bytes (and can be transferred) whatever buffer the message sits in.
  const blob = new Uint8Array(dec.bytesView(blobLength, "EncodedImage.blob"));
  try {
    return new EncodedImage(blob, { mediaType, opacity, drawOrder });
  } catch (error) {
    if (error instanceof ValidationError) throw new DecodeError("invalid-field", error.field, error.message);
    throw error;
  }
}
