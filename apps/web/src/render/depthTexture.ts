import { Constants } from "@babylonjs/core/Engines/constants.js";
import { RawTexture } from "@babylonjs/core/Materials/Textures/rawTexture.js";
import type { Scene } from "@babylonjs/core/scene.js";
import { type Datatype, type DepthArray, toFloat32 } from "@depthroom/schema";

/*
 * A depth image on the GPU, in stored units (the shaders divide by `meter`): U16 as an `R16UI` integer
 * texture (2 bytes per pixel, exact), every other type as `R32F` (F32 as is; F16, 8/32-bit ints and
 * 64-bit types converted on the CPU with `toFloat32`, as Rerun narrows 64-bit data). Shaders read it
 * with `texelFetch` (integer textures cannot be filtered), so no sampler state matters.
 */

export type DepthTextureFormat = "r16ui" | "r32f";

export interface DepthTextureData {
  readonly format: DepthTextureFormat;
  readonly data: Uint16Array | Float32Array;
}

/** What gets uploaded for a depth array: U16 as is, F32 as is, everything else as float32. */
export function depthTextureData(data: DepthArray, datatype: Datatype): DepthTextureData {
  if (datatype === "U16" && data instanceof Uint16Array) return { format: "r16ui", data };
  return { format: "r32f", data: toFloat32(data, datatype) };
}

export class DepthTexture {
  private raw: RawTexture | undefined;
  private currentFormat: DepthTextureFormat = "r16ui";
  private currentWidth = 0;
  private currentHeight = 0;
  /** Bumped when the texture object is replaced (size or format change): materials rebind it. */
  generation = 0;

  constructor(private readonly scene: Scene) {}

  get texture(): RawTexture | undefined {
    return this.raw;
  }
  get format(): DepthTextureFormat {
    return this.currentFormat;
  }
  get width(): number {
    return this.currentWidth;
  }
  get height(): number {
    return this.currentHeight;
  }

  /** Upload one frame; recreates the texture only when the size or format changes. */
  update(width: number, height: number, upload: DepthTextureData): void {
    if (
      this.raw &&
      width === this.currentWidth &&
      height === this.currentHeight &&
      upload.format === this.currentFormat
    ) {
      this.raw.update(upload.data);
      return;
    }
    this.raw?.dispose();
    const integer = upload.format === "r16ui";
    this.raw = new RawTexture(
      upload.data,
      width,
      height,
      integer ? Constants.TEXTUREFORMAT_R_INTEGER : Constants.TEXTUREFORMAT_R,
      this.scene,
      false,
      false,
      Constants.TEXTURE_NEAREST_SAMPLINGMODE,
      integer ? Constants.TEXTURETYPE_UNSIGNED_SHORT : Constants.TEXTURETYPE_FLOAT,
    );
    this.raw.name = "depth";
    this.raw.wrapU = Constants.TEXTURE_CLAMP_ADDRESSMODE;
    this.raw.wrapV = Constants.TEXTURE_CLAMP_ADDRESSMODE;
    this.currentFormat = upload.format;
    this.currentWidth = width;
    this.currentHeight = height;
    this.generation++;
  }

  dispose(): void {
    this.raw?.dispose();
    this.raw = undefined;
  }
}
