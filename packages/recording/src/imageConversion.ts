import {
  type ColorModel,
  EncodedImage,
  guessImageMediaType,
  Image,
  type ImageMediaType,
} from "@depthroom/schema";
import { packedRows } from "./depthConversion.ts";

/*
 * Colour and grey images between ROS / Foxglove image messages and Depthroom's Image / EncodedImage.
 * Raw: rgb8, rgba8, bgr8, bgra8, mono8 (8UC1) <-> Image U8 in that colour model; mono16 is imported as
 * depth (see depthConversion.ts) unless the channel says it was an Image. Compressed: JPEG and PNG.
 */

const RAW_COLOR_ENCODINGS: Record<string, ColorModel> = {
  rgb8: "RGB",
  rgba8: "RGBA",
  bgr8: "BGR",
  bgra8: "BGRA",
  mono8: "L",
  "8UC1": "L",
  "8UC3": "BGR", // OpenCV's channel order, as cv_bridge writes it
  "8UC4": "BGRA",
};

const EXPORT_ENCODINGS: Record<ColorModel, string> = {
  RGB: "rgb8",
  RGBA: "rgba8",
  BGR: "bgr8",
  BGRA: "bgra8",
  L: "mono8",
};

/** The colour model of a raw colour/grey image encoding, or undefined when it is not one. */
export function colorModelOfEncoding(encoding: string): ColorModel | undefined {
  return RAW_COLOR_ENCODINGS[encoding];
}

/**
 * An Image from a raw image message's fields: rows `step` bytes apart (padding dropped). 16-bit mono
 * is taken when `encoding` is mono16 (byte-swapped when big-endian). Throws `Error` with a readable
 * reason when the sizes do not add up, or the schema's ValidationError.
 */
export function imageFromRaw(
  encoding: string,
  width: number,
  height: number,
  step: number,
  data: Uint8Array,
  bigEndian: boolean,
): Image {
  const mono16 = encoding === "mono16" || encoding === "16UC1";
  const colorModel = mono16 ? "L" : colorModelOfEncoding(encoding);
  if (!colorModel) throw new Error(`image encoding "${encoding}" is not a colour or grey encoding`);
  const channels = colorModel === "L" ? 1 : colorModel.length;
  const valueBytes = mono16 ? 2 : 1;
  const out = packedRows(width, height, step, data, channels * valueBytes, valueBytes, bigEndian);
  if (!mono16) return new Image(out, { width, height, colorModel });
  return new Image(new Uint16Array(out.buffer), { width, height, colorModel: "L" });
}

/** A compressed image message (`format` "jpeg", "png", "rgb8; jpeg compressed bgr8", ...) as an EncodedImage. */
export function encodedImageFromCompressed(format: string, data: Uint8Array): EncodedImage {
  if (/compressedDepth/i.test(format)) {
    throw new Error(`format "${format}" is compressed depth, not a colour image`);
  }
  const mediaType = guessImageMediaType(data);
  if (!mediaType) throw new Error(`format "${format}": the data is neither JPEG nor PNG`);
  // Own the bytes: the decoder's buffer may be the whole chunk.
  return new EncodedImage(new Uint8Array(data), { mediaType });
}

/** An Image as a ROS / Foxglove raw image's encoding, step and bytes (no copy). */
export function exportImage(image: Image): { encoding: string; step: number; data: Uint8Array } {
  const data = new Uint8Array(image.data.buffer, image.data.byteOffset, image.data.byteLength);
  if (image.datatype === "U16") return { encoding: "mono16", step: image.width * 2, data };
  return { encoding: EXPORT_ENCODINGS[image.colorModel], step: image.width * image.channels, data };
}

/** Foxglove's CompressedImage `format` word of a media type. */
export function compressedFormat(mediaType: ImageMediaType): "jpeg" | "png" {
  return mediaType === "image/png" ? "png" : "jpeg";
}
