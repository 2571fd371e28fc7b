import { ShaderMaterial } from "@babylonjs/core/Materials/shaderMaterial.js";
import type { BaseTexture } from "@babylonjs/core/Materials/Textures/baseTexture.js";
import { Mesh } from "@babylonjs/core/Meshes/mesh.js";
import { VertexData } from "@babylonjs/core/Meshes/mesh.vertexData.js";
import type { Scene } from "@babylonjs/core/scene.js";
import { depthImageFragment, depthImageVertex } from "./depthShaders.ts";
import type { DepthTextureFormat } from "./depthTexture.ts";
import { NO_DEPTH_CELL, NO_DEPTH_COLORS } from "./noDepth.ts";

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
        uniforms: ["worldViewProjection", "meter", "depthRange", "imageSize", "noDepthColors", "noDepthCell"],
        samplers: ["depthTexture", "colormapTexture"],
        defines: format === "r16ui" ? ["#define DEPTH_UINT"] : [],
      },
    );
    this.material.backFaceCulling = false;
    this.material.setArray3("noDepthColors", NO_DEPTH_COLORS.flat());
    this.material.setFloat("noDepthCell", NO_DEPTH_CELL);
  }

  setDepth(texture: BaseTexture, width: number, height: number, meter: number): void {
    this.material.setTexture("depthTexture", texture);
    this.material.setVector2("imageSize", { x: width, y: height });
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
