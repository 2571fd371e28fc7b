import { ShaderMaterial } from "@babylonjs/core/Materials/shaderMaterial.js";
import type { BaseTexture } from "@babylonjs/core/Materials/Textures/baseTexture.js";
import type { RawTexture } from "@babylonjs/core/Materials/Textures/rawTexture.js";
import { Mesh } from "@babylonjs/core/Meshes/mesh.js";
import { VertexData } from "@babylonjs/core/Meshes/mesh.vertexData.js";
import type { Scene } from "@babylonjs/core/scene.js";
import type { Pinhole } from "@depthroom/schema";
import {
  bindColorSource,
  blankColorTexture,
  type CloudColorSource,
  COLOR_SAMPLERS,
  COLOR_UNIFORMS,
} from "./DepthCloudMaterial.ts";
import { depthImageFragment, depthImageVertex } from "./depthShaders.ts";
import type { DepthTextureFormat } from "./depthTexture.ts";
import { NO_DEPTH_CELL, NO_DEPTH_COLORS } from "./noDepth.ts";
import { bindRays, RAY_SAMPLERS, RAY_UNIFORMS } from "./rayTableTexture.ts";

/**
 * The 2D view of a depth image: a quad covering image space, coloured per pixel in the fragment shader
 * (texelFetch of the depth, colormap over the range; "no depth" as a grey checkerboard).
 */
export class DepthImageMaterial {
  readonly material: ShaderMaterial;

  constructor(
    scene: Scene,
    name: string,
    readonly format: DepthTextureFormat,
  ) {
    this.material = new ShaderMaterial(
      name,
      scene,
      { vertexSource: depthImageVertex, fragmentSource: depthImageFragment },
      {
        attributes: ["position"],
        uniforms: [
          "worldViewProjection",
          "meter",
          "depthRange",
          "imageSize",
          "noDepthColors",
          "noDepthCell",
          "colorRegistered",
          "depthOpacity",
          ...COLOR_UNIFORMS,
          ...RAY_UNIFORMS,
        ],
        samplers: ["depthTexture", "colormapTexture", ...COLOR_SAMPLERS, ...RAY_SAMPLERS],
        defines: format === "r16ui" ? ["#define DEPTH_UINT"] : [],
      },
    );
    this.material.backFaceCulling = false;
    this.material.setArray3("noDepthColors", NO_DEPTH_COLORS.flat());
    this.material.setFloat("noDepthCell", NO_DEPTH_CELL);
    // Always bound (see DepthCloudMaterial): a 1x1 stand-in when there is no colour image.
    this.placeholder = blankColorTexture(scene);
    this.setColor(undefined, undefined, 1);
  }

  private readonly placeholder: RawTexture;
  private size: readonly [number, number] = [1, 1];

  /**
   * Depth over colour: the colour image seen by each pixel (see depthShaders.ts), under the colormap
   * drawn with `depthOpacity`; `source` undefined: depth only. `pinhole`: the depth's intrinsics (its
   * pixels' rays, through its lens distortion once the ray table is built; until then no colour is shown
   * from a colour camera of its own).
   */
  setColor(source: CloudColorSource | undefined, pinhole: Pinhole | undefined, depthOpacity: number): void {
    this.material.setFloat("depthOpacity", Math.min(1, Math.max(0, depthOpacity)));
    const rays = bindRays(this.material, pinhole, this.size[0], this.size[1]);
    const usable = source && pinhole && (source.registered || rays) ? source : undefined;
    bindColorSource(this.material, usable, this.placeholder);
    this.material.setFloat("colorRegistered", usable?.registered ? 1 : 0);
  }

  setDepth(texture: BaseTexture, width: number, height: number, meter: number): void {
    this.material.setTexture("depthTexture", texture);
    this.material.setVector2("imageSize", { x: width, y: height });
    this.size = [width, height];
    this.material.setFloat("meter", meter);
  }

  setColormap(texture: BaseTexture): void {
    this.material.setTexture("colormapTexture", texture);
  }

  /** Colormap range in stored units. */
  setRange(min: number, max: number): void {
    this.material.setVector2("depthRange", { x: min, y: max });
  }

  dispose(): void {
    this.material.dispose();
    this.placeholder.dispose();
  }
}

/** A quad from world (0, 0) to (width, -height): image pixel (u, v) lies at (u, -v). */
export function createImageQuad(scene: Scene, name: string, width: number, height: number): Mesh {
  const mesh = new Mesh(name, scene);
  const data = new VertexData();
  data.positions = [0, 0, 0, width, 0, 0, width, -height, 0, 0, -height, 0];
  data.indices = [0, 1, 2, 0, 2, 3];
  data.applyToMesh(mesh, false);
  mesh.isPickable = false;
  return mesh;
}
