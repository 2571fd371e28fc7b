import { ShaderMaterial } from "@babylonjs/core/Materials/shaderMaterial.js";
import type { BaseTexture } from "@babylonjs/core/Materials/Textures/baseTexture.js";
import { Mesh } from "@babylonjs/core/Meshes/mesh.js";
import type { Scene } from "@babylonjs/core/scene.js";
import { type DepthImage, type Pinhole, rayTable } from "@depthroom/schema";
import { MAX_POINT_SIZE } from "./DepthCloudMaterial.ts";
import type { DepthTextureData } from "./depthTexture.ts";

/*
 * The baseline the GPU path is measured against (`?cloud=cpu`): unproject every pixel on the CPU into
 * an xyz vertex buffer and upload it each frame (12 bytes per pixel instead of 2). Same look: point size
 * from the fill ratio, colour from the colormap over the range, invalid depth not drawn.
 */

// position: the RDF point in metres; z <= 0 marks a pixel without depth.
// (No comments inside the GLSL declarations: Babylon's preprocessor splits them at semicolons.)
const vertex = /* glsl */ `
precision highp float;
attribute vec3 position;
uniform mat4 world;
uniform mat4 viewProjection;
uniform sampler2D colormapTexture;
uniform float meter;
uniform vec2 depthRange;
uniform float pointDiameterPerDepth;
uniform float pointSizeScale;
uniform float maxPointSize;
varying vec3 vColor;
void main(void) {
  if (!(position.z > 0.0)) {
    gl_Position = vec4(2.0, 2.0, 2.0, 1.0);
    gl_PointSize = 0.0;
    vColor = vec3(0.0);
    return;
  }
  gl_Position = viewProjection * world * vec4(position, 1.0);
  gl_PointSize = clamp(pointDiameterPerDepth * position.z * pointSizeScale / max(gl_Position.w, 1e-6), 1.0, maxPointSize);
  float t = clamp((position.z * meter - depthRange.x) / max(depthRange.y - depthRange.x, 1e-30), 0.0, 1.0);
  vColor = texelFetch(colormapTexture, ivec2(int(floor(t * 255.0 + 0.5)), 0), 0).rgb;
}
`;

const fragment = /* glsl */ `
precision highp float;
varying vec3 vColor;
void main(void) {
  gl_FragColor = vec4(vColor, 1.0);
}
`;

export class CpuDepthCloud {
  readonly mesh: Mesh;
  readonly material: ShaderMaterial;
  private readonly positions: Float32Array;

  constructor(
    scene: Scene,
    name: string,
    readonly width: number,
    readonly height: number,
  ) {
    this.positions = new Float32Array(width * height * 3);
    this.mesh = new Mesh(name, scene);
    this.mesh.setVerticesData("position", this.positions, true);
    this.mesh.isUnIndexed = true;
    this.mesh.alwaysSelectAsActiveMesh = true;
    this.mesh.isPickable = false;
    this.material = new ShaderMaterial(
      `${name}#material`,
      scene,
      { vertexSource: vertex, fragmentSource: fragment },
      {
        attributes: ["position"],
        uniforms: [
          "world",
          "viewProjection",
          "meter",
          "depthRange",
          "pointDiameterPerDepth",
          "pointSizeScale",
          "maxPointSize",
        ],
        samplers: ["colormapTexture"],
      },
    );
    this.material.pointsCloud = true;
    this.material.backFaceCulling = false;
    this.material.setFloat("maxPointSize", MAX_POINT_SIZE);
    this.material.setFloat("pointSizeScale", 500);
    this.mesh.material = this.material;
  }

  /** Unproject on the CPU and upload the xyz buffer (the per-frame cost this baseline pays). */
  update(image: DepthImage, values: DepthTextureData["data"], pinhole: Pinhole): void {
    const { width, height, meter } = image;
    const { fx, fy, cx, cy } = pinhole;
    const out = this.positions;
    const invMeter = 1 / meter;
    let i = 0;
    if (pinhole.distortion) {
      // Through the lens distortion: each pixel's ray from the pinhole's ray table, built once.
      const rays = this.raysFor(pinhole, width, height);
      for (let p = 0; p < width * height; p++, i += 3) {
        const z = (values[p] as number) * invMeter;
        const x = rays[2 * p] as number;
        if (z > 0 && z < Number.POSITIVE_INFINITY && !Number.isNaN(x)) {
          out[i] = x * z;
          out[i + 1] = (rays[2 * p + 1] as number) * z;
          out[i + 2] = z;
        } else {
          out[i + 2] = 0;
        }
      }
    }
    for (let v = 0; v < height && !pinhole.distortion; v++) {
      const yScale = (v - cy) / fy;
      const row = v * width;
      for (let u = 0; u < width; u++) {
        const z = (values[row + u] as number) * invMeter;
        if (z > 0 && z < Number.POSITIVE_INFINITY) {
          out[i] = ((u - cx) / fx) * z;
          out[i + 1] = yScale * z;
          out[i + 2] = z;
        } else {
          out[i + 2] = 0;
        }
        i += 3;
      }
    }
    this.mesh.updateVerticesData("position", out, false, false);
    this.material.setFloat("meter", meter);
    this.material.setFloat("pointDiameterPerDepth", (2 * image.pointFillRatio) / fy);
  }

  private rays: { pinhole: Pinhole; table: Float32Array } | undefined;

  private raysFor(pinhole: Pinhole, width: number, height: number): Float32Array {
    if (this.rays?.pinhole !== pinhole || this.rays.table.length !== width * height * 2) {
      this.rays = { pinhole, table: rayTable(pinhole, width, height) };
    }
    return this.rays.table;
  }

  setColormap(texture: BaseTexture): void {
    this.material.setTexture("colormapTexture", texture);
  }

  setRange(min: number, max: number): void {
    this.material.setVector2("depthRange", { x: min, y: max });
  }

  setViewport(viewportHeightPx: number, fovY: number, maxPointSize = MAX_POINT_SIZE): void {
    this.material.setFloat("pointSizeScale", viewportHeightPx / (2 * Math.tan(fovY / 2)));
    this.material.setFloat("maxPointSize", maxPointSize);
  }

  dispose(): void {
    this.mesh.dispose();
    this.material.dispose();
  }
}
