import { ShaderMaterial } from "@babylonjs/core/Materials/shaderMaterial.js";
import type { BaseTexture } from "@babylonjs/core/Materials/Textures/baseTexture.js";
import type { Mesh } from "@babylonjs/core/Meshes/mesh.js";
import type { Scene } from "@babylonjs/core/scene.js";
import { createImageQuad } from "./DepthImageMaterial.ts";
import { depthImageVertex } from "./depthShaders.ts";

/** A colour image's own 2D view: texel (u, v) of its texture at pixel (u, v), channels as stored. */
const colorImageFragment = /* glsl */ `
precision highp float;
precision highp sampler2D;
uniform sampler2D colorTexture;
uniform vec2 imageSize;
uniform float colorChannels;
varying vec2 vPixel;
void main(void) {
  ivec2 pixel = clamp(ivec2(floor(vPixel)), ivec2(0), ivec2(imageSize) - 1);
  vec4 rgba = texelFetch(colorTexture, pixel, 0);
  gl_FragColor = vec4(colorChannels > 1.5 ? rgba.rrr : (colorChannels > 0.5 ? rgba.bgr : rgba.rgb), 1.0);
}
`;

/**
 * The quad of one colour image entity in its 2D panel (the same image-space quad as a depth image's, on
 * the entity's own layer), rebuilt when the image changes size.
 */
export class ColorImageView {
  private readonly material: ShaderMaterial;
  private quad: Mesh | undefined;
  private width = 0;
  private height = 0;

  constructor(
    private readonly scene: Scene,
    readonly path: string,
    readonly layer: number,
  ) {
    this.material = new ShaderMaterial(
      `${path}#colour`,
      scene,
      { vertexSource: depthImageVertex, fragmentSource: colorImageFragment },
      {
        attributes: ["position"],
        uniforms: ["worldViewProjection", "imageSize", "colorChannels"],
        samplers: ["colorTexture"],
      },
    );
    this.material.backFaceCulling = false;
  }

  /** Show this texture (returns whether the quad was rebuilt). */
  update(
    texture: { texture: BaseTexture; width: number; height: number; channels: "rgb" | "bgr" | "grey" },
    visible: boolean,
  ): boolean {
    let rebuilt = false;
    if (!this.quad || texture.width !== this.width || texture.height !== this.height) {
      this.quad?.dispose();
      this.quad = createImageQuad(this.scene, `${this.path}#colour-quad`, texture.width, texture.height);
      this.quad.layerMask = this.layer;
      this.quad.material = this.material;
      this.width = texture.width;
      this.height = texture.height;
      rebuilt = true;
    }
    this.material.setTexture("colorTexture", texture.texture);
    this.material.setVector2("imageSize", { x: texture.width, y: texture.height });
    this.material.setFloat(
      "colorChannels",
      texture.channels === "grey" ? 2 : texture.channels === "bgr" ? 1 : 0,
    );
    this.quad.setEnabled(visible);
    return rebuilt;
  }

  get size(): { width: number; height: number } | undefined {
    return this.quad ? { width: this.width, height: this.height } : undefined;
  }

  dispose(): void {
    this.quad?.dispose();
    this.material.dispose();
  }
}
