import { Constants } from "@babylonjs/core/Engines/constants.js";
import { RawTexture } from "@babylonjs/core/Materials/Textures/rawTexture.js";
import type { Scene } from "@babylonjs/core/scene.js";
import { type Pinhole, rayTable } from "@depthroom/schema";

/*
 * The GPU half of lens distortion (issue 17): a per-intrinsics ray table, an RG32F texture holding each
 * pixel's undistorted normalised ray (x, y) (the schema's `rayTable`, the same `pixelRay` the CPU
 * `unproject`, the hover readout and the frustum use). It is built once when the intrinsics or the image
 * size change; the vertex shader then draws pixel (u, v) at (ray * z, z) with one texel fetch, so the
 * per-frame cost does not grow with the model. A pixel the model cannot invert holds NO_RAY (a NaN
 * would not survive every driver's float path) and is not drawn.
 */

/** The x of a pixel without a ray; the shader tests `x > NO_RAY_TEST`. */
export const NO_RAY = 3e38;

/** What a table depends on: K, the distortion and the size. */
export function rayTableKey(pinhole: Pinhole, width: number, height: number): string {
  const d = pinhole.distortion;
  return `${pinhole.fx},${pinhole.fy},${pinhole.cx},${pinhole.cy}|${d ? `${d.model}:${d.coefficients.join(",")}` : ""}|${width}x${height}`;
}

/** The table's texels: `rayTable` with pixels without a ray at NO_RAY. */
export function rayTableTexels(pinhole: Pinhole, width: number, height: number): Float32Array {
  const table = rayTable(pinhole, width, height);
  for (let i = 0; i < table.length; i += 2) {
    if (Number.isNaN(table[i]) || Number.isNaN(table[i + 1])) {
      table[i] = NO_RAY;
      table[i + 1] = NO_RAY;
    }
  }
  return table;
}

/** One cloud's ray table texture, rebuilt only when its key changes. */
export class RayTableTexture {
  private texture: RawTexture | undefined;
  private key = "";
  /** How many times a table was built (tests and the bench read it). */
  builds = 0;

  constructor(private readonly scene: Scene) {}

  /** The texture for these intrinsics and size (the current one when nothing changed). */
  get(pinhole: Pinhole, width: number, height: number): RawTexture {
    const key = rayTableKey(pinhole, width, height);
    if (this.texture && key === this.key) return this.texture;
    this.texture?.dispose();
    this.texture = floatRgTexture(this.scene, rayTableTexels(pinhole, width, height), width, height);
    this.key = key;
    this.builds++;
    return this.texture;
  }

  dispose(): void {
    this.texture?.dispose();
    this.texture = undefined;
    this.key = "";
  }
}

/** An RG32F texture, nearest, no mipmaps (read with texelFetch). */
export function floatRgTexture(
  scene: Scene,
  texels: Float32Array,
  width: number,
  height: number,
): RawTexture {
  return new RawTexture(
    texels,
    width,
    height,
    Constants.TEXTUREFORMAT_RG,
    scene,
    false,
    false,
    Constants.TEXTURE_NEAREST_SAMPLINGMODE,
    Constants.TEXTURETYPE_FLOAT,
  );
}
