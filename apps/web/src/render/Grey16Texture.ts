import { Constants } from "@babylonjs/core/Engines/constants.js";
import type { BaseTexture } from "@babylonjs/core/Materials/Textures/baseTexture.js";
import { ProceduralTexture } from "@babylonjs/core/Materials/Textures/Procedurals/proceduralTexture.js";
import { Vector2 } from "@babylonjs/core/Maths/math.vector.js";
import type { Scene } from "@babylonjs/core/scene.js";
import { type DepthRange, robustRange, smoothRange } from "./autoRange.ts";
import { DepthTexture } from "./depthTexture.ts";

/*
 * A 16-bit grey image (Image, colour model L, U16: an IR or a 16-bit mono camera) as a texture the colour
 * paths sample like any 8-bit one. Its pixels go up as they are, as an R16UI integer texture (2 bytes a
 * pixel, exact; SwiftShader has no EXT_texture_norm16, so no normalised 16-bit format), and one pass over
 * the image maps each pixel through the range to grey, t = clamp((v - min) / (max - min), 0, 1), into an
 * RGBA8 render target: the 2D view, the depth-over-colour view and the cloud read that target (channel r).
 * The range is automatic as a depth image's (autoRange.ts: robust percentiles of the non-zero values,
 * smoothed over time).
 */

const grey16Fragment = /* glsl */ `
precision highp float;
precision highp int;
precision highp usampler2D;
uniform usampler2D greyTexture;
uniform vec2 greyRange;
void main(void) {
  float v = float(texelFetch(greyTexture, ivec2(gl_FragCoord.xy), 0).r);
  float t = clamp((v - greyRange.x) / max(greyRange.y - greyRange.x, 1e-6), 0.0, 1.0);
  gl_FragColor = vec4(t, t, t, 1.0);
}
`;

export class Grey16Texture {
  private readonly source: DepthTexture;
  private target: ProceduralTexture | undefined;
  private autoRange: DepthRange | undefined;
  private rangeAt = 0;
  private drawn = false;

  constructor(private readonly scene: Scene) {
    this.source = new DepthTexture(scene);
  }

  /** The grey texture (RGBA8), once an image was uploaded. */
  get texture(): BaseTexture | undefined {
    return this.target;
  }

  /** The range in stored units the last image was mapped with. */
  get range(): DepthRange | undefined {
    return this.autoRange;
  }

  /** Whether the last image is not in the texture yet (its pass waits for its shader): draw again. */
  get pending(): boolean {
    return this.target !== undefined && !this.drawn;
  }

  /** Upload one image (`now`: a `performance.now()` time, for the range's smoothing). */
  update(width: number, height: number, data: Uint16Array, now: number): void {
    this.source.update(width, height, { format: "r16ui", data });
    const next = robustRange(data);
    this.autoRange = smoothRange(this.autoRange, next, this.rangeAt ? now - this.rangeAt : 0);
    this.rangeAt = now;
    const size = this.target?.getSize();
    if (!this.target || size?.width !== width || size?.height !== height) {
      this.target?.dispose();
      const target = new ProceduralTexture(
        "grey16",
        { width, height },
        { fragmentSource: grey16Fragment },
        this.scene,
        null,
        false,
      );
      target.refreshRate = 0;
      target.wrapU = Constants.TEXTURE_CLAMP_ADDRESSMODE;
      target.wrapV = Constants.TEXTURE_CLAMP_ADDRESSMODE;
      target.onGeneratedObservable.add(() => {
        this.drawn = true;
      });
      this.target = target;
    }
    const range = this.autoRange ?? { min: 0, max: 65535 };
    const pixels = this.source.texture;
    if (pixels) this.target.setTexture("greyTexture", pixels);
    this.target.setVector2("greyRange", new Vector2(range.min, range.max));
    this.drawn = false;
    this.target.resetRefreshCounter();
  }

  dispose(): void {
    this.target?.dispose();
    this.target = undefined;
    this.source.dispose();
  }
}
