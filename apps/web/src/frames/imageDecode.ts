import { DecodeError, type EncodedImage } from "@depthroom/schema";

/*
 * JPEG / PNG (EncodedImage) decoding in the frame core: the browser's own decoder (`createImageBitmap`,
 * native, in the frame worker or on the page when the core runs there); no pixel is touched in
 * JavaScript. The bitmap is transferable: it moves to the page with its message and goes straight to
 * `texImage2D` there.
 */

/** A decoded colour image: its bitmap (the receiver closes it) and what decoding it took, ms. */
export interface DecodedImage {
  readonly bitmap: ImageBitmap;
  readonly decodeMs: number;
}

/** Decode an EncodedImage; bytes that do not decode reject with a DecodeError (corrupt-payload). */
export async function decodeEncodedImage(image: EncodedImage): Promise<DecodedImage> {
  const start = performance.now();
  let bitmap: ImageBitmap;
  try {
    if (typeof createImageBitmap !== "function") throw new Error("no createImageBitmap here");
    const blob = new Blob([image.blob as Uint8Array<ArrayBuffer>], { type: image.mediaType });
    bitmap = await createImageBitmap(blob, { colorSpaceConversion: "none", premultiplyAlpha: "none" });
  } catch (error) {
    const detail = error instanceof Error ? error.message : String(error);
    throw new DecodeError(
      "corrupt-payload",
      "EncodedImage.blob",
      `${image.mediaType} does not decode: ${detail}`,
    );
  }
  return { bitmap, decodeMs: performance.now() - start };
}
