import { DecodeError, type EncodedImage } from "@depthroom/schema";

/*
 * JPEG / PNG (EncodedImage) decoding in the frame core (in the frame worker, or on the page when the core
 * runs there), always by the browser's own native decoders; no pixel is touched in JavaScript.
 *
 * JPEG goes through WebCodecs' `ImageDecoder`: Chromium decodes it to its YUV planes (a VideoFrame in
 * I420, not converted to RGBA in the decoder) and the page's `texImage2D` of that frame does the YUV to
 * RGB conversion in Chromium's video upload path. Measured in Chromium + SwiftShader on the 2-core box
 * (TUM 640x480, 60 KB, in a worker): decode 1.2-2.9 ms and upload 0.2-0.4 ms against
 * `createImageBitmap`'s 5.1-8.1 ms and 1.1-1.6 ms; bench/colour.bench.ts prints both. PNG, and pages without WebCodecs (it needs a
 * secure context: an http:// page on a LAN address has none), take `createImageBitmap`.
 */

/**
 * The decoded pixels: a VideoFrame (ImageDecoder) or an ImageBitmap (createImageBitmap). Both are
 * transferable, both go straight to `texImage2D`, and the receiver closes either.
 */
export type DecodedPixels = ImageBitmap | VideoFrame;

/** A decoded colour image: its pixels (the receiver closes them) and what decoding took, ms. */
export interface DecodedImage {
  readonly bitmap: DecodedPixels;
  readonly decodeMs: number;
}

/** Which API decoded them (what a VideoFrame or an ImageBitmap is). */
export function pixelsKind(pixels: DecodedPixels): "VideoFrame" | "ImageBitmap" {
  return "displayWidth" in pixels ? "VideoFrame" : "ImageBitmap";
}

/** Width and height of decoded pixels. */
export function pixelsSize(pixels: DecodedPixels): { width: number; height: number } {
  return "displayWidth" in pixels
    ? { width: pixels.displayWidth, height: pixels.displayHeight }
    : { width: pixels.width, height: pixels.height };
}

/** Decode an EncodedImage; bytes that do not decode reject with a DecodeError (corrupt-payload). */
export async function decodeEncodedImage(image: EncodedImage): Promise<DecodedImage> {
  const start = performance.now();
  let bitmap: DecodedPixels;
  try {
    bitmap = usesImageDecoder(image.mediaType) ? await decodeToFrame(image) : await decodeToBitmap(image);
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

function usesImageDecoder(mediaType: string): boolean {
  return mediaType === "image/jpeg" && typeof ImageDecoder === "function";
}

async function decodeToFrame(image: EncodedImage): Promise<VideoFrame> {
  // The bytes are the message's own (a view into its buffer): ImageDecoder copies what it reads.
  const decoder = new ImageDecoder({
    data: image.blob as Uint8Array<ArrayBuffer>,
    type: image.mediaType,
    colorSpaceConversion: "none",
  });
  try {
    return (await decoder.decode()).image;
  } finally {
    decoder.close();
  }
}

async function decodeToBitmap(image: EncodedImage): Promise<ImageBitmap> {
  if (typeof createImageBitmap !== "function") throw new Error("no createImageBitmap here");
  const blob = new Blob([image.blob as Uint8Array<ArrayBuffer>], { type: image.mediaType });
  return createImageBitmap(blob, { colorSpaceConversion: "none", premultiplyAlpha: "none" });
}
