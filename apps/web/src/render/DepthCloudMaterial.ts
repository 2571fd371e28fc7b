import { Constants } from "@babylonjs/core/Engines/constants.js";
import { ShaderMaterial } from "@babylonjs/core/Materials/shaderMaterial.js";
import type { BaseTexture } from "@babylonjs/core/Materials/Textures/baseTexture.js";
import { RawTexture } from "@babylonjs/core/Materials/Textures/rawTexture.js";
import { Matrix } from "@babylonjs/core/Maths/math.vector.js";
import { Mesh } from "@babylonjs/core/Meshes/mesh.js";
import { VertexData } from "@babylonjs/core/Meshes/mesh.vertexData.js";
import type { Scene } from "@babylonjs/core/scene.js";
import { isFisheye, type LensDistortion, monotonicRadius, type Pinhole } from "@depthroom/schema";
import { depthCloudFragment, depthCloudVertex } from "./depthShaders.ts";
import type { DepthTextureFormat } from "./depthTexture.ts";
import { bindRays, RAY_SAMPLERS, RAY_UNIFORMS } from "./rayTableTexture.ts";

/** How a cloud is drawn: the per-entity view settings the shader applies (see depthShaders.ts). */
export interface CloudDrawSettings {
  /** Metres; points with z outside are not drawn. */
  readonly cullRange: readonly [number, number] | undefined;
  /** > 0: drop points whose neighbours jump by more than this fraction of their depth; 0: off. */
  readonly flyingFraction: number;
  readonly normalShading: boolean;
}

/**
 * Where a cloud's colours come from when coloured by an image: the colour texture, the colour camera's
 * intrinsics in that texture's pixels and its lens distortion, and the transform from the depth camera's
 * RDF frame to the colour camera's (Babylon order: p_colour = p_depth * depthToColor).
 */
export interface CloudColorSource {
  /** The colour image entity. */
  readonly entity: string;
  /** Under the depth's own Pinhole: pixel (u, v) of the depth is pixel (u, v) of the colour (scaled). */
  readonly registered: boolean;
  readonly texture: BaseTexture;
  readonly width: number;
  readonly height: number;
  readonly channels: "rgb" | "bgr" | "grey";
  readonly intrinsics: { readonly fx: number; readonly fy: number; readonly cx: number; readonly cy: number };
  /** The colour camera's lens (its Pinhole's), applied in normalised coordinates: image scaling keeps it. */
  readonly distortion?: LensDistortion;
  readonly depthToColor: Matrix;
}

const CHANNELS = { rgb: 0, bgr: 1, grey: 2 } as const;

/** The uniforms and sampler of COLOR_PROJECTION (depthShaders.ts), with the switch colorFromImage. */
export const COLOR_UNIFORMS = [
  "colorFromImage",
  "depthToColor",
  "colorIntrinsics",
  "colorSize",
  "colorChannels",
  "colorDistortionModel",
  "colorDistortionA",
  "colorDistortionB",
  "colorMaxR2",
] as const;
export const COLOR_SAMPLERS = ["colorTexture"] as const;

/**
 * Bind a colour source to a material using COLOR_PROJECTION, or colour by depth with `undefined`
 * (`placeholder`, a 1x1 texture, stays bound: an unbound sampler2D would share unit 0 with the integer
 * depth texture, which WebGL2 refuses to draw).
 */
export function bindColorSource(
  material: ShaderMaterial,
  source: CloudColorSource | undefined,
  placeholder: BaseTexture,
): void {
  if (!source) {
    material.setFloat("colorFromImage", 0);
    material.setTexture("colorTexture", placeholder);
    material.setMatrix("depthToColor", Matrix.Identity());
    material.setFloat("colorDistortionModel", 0);
    return;
  }
  material.setFloat("colorFromImage", 1);
  material.setTexture("colorTexture", source.texture);
  material.setMatrix("depthToColor", source.depthToColor);
  const k = source.intrinsics;
  material.setVector4("colorIntrinsics", { x: k.fx, y: k.fy, z: k.cx, w: k.cy });
  material.setVector2("colorSize", { x: source.width, y: source.height });
  material.setFloat("colorChannels", CHANNELS[source.channels]);
  const lens = colorLensUniforms(source.distortion);
  material.setFloat("colorDistortionModel", lens.model);
  material.setVector4("colorDistortionA", lens.a);
  material.setVector4("colorDistortionB", lens.b);
  material.setFloat("colorMaxR2", lens.maxR2);
}

/** The 1x1 stand-in colour texture `bindColorSource` keeps bound when colouring by depth. */
export function blankColorTexture(scene: Scene): RawTexture {
  return new RawTexture(
    new Uint8Array(4),
    1,
    1,
    Constants.TEXTUREFORMAT_RGBA,
    scene,
    false,
    false,
    Constants.TEXTURE_NEAREST_SAMPLINGMODE,
  );
}

type Vec4 = { x: number; y: number; z: number; w: number };
const lensUniforms = new WeakMap<LensDistortion, { model: number; a: Vec4; b: Vec4; maxR2: number }>();

/** A lens as COLOR_PROJECTION's uniforms (its forward domain found once per distortion object). */
function colorLensUniforms(d: LensDistortion | undefined): {
  model: number;
  a: Vec4;
  b: Vec4;
  maxR2: number;
} {
  const zero = { x: 0, y: 0, z: 0, w: 0 };
  if (!d) return { model: 0, a: zero, b: zero, maxR2: 0 };
  let lens = lensUniforms.get(d);
  if (!lens) {
    const at = (i: number) => d.coefficients[i] ?? 0;
    const fisheye = isFisheye(d.model);
    const radius = monotonicRadius(d);
    lens = {
      model: fisheye ? 2 : 1,
      // Fisheye (k1, k2, k3, k4); polynomial (k1, k2, p1, p2) and (k3, k4, k5, k6).
      a: { x: at(0), y: at(1), z: at(2), w: at(3) },
      b: fisheye ? zero : { x: at(4), y: at(5), z: at(6), w: at(7) },
      // Float32's largest is about 3.4e38: "no limit" stays below it.
      maxR2: Math.min(radius * radius, 3e38),
    };
    lensUniforms.set(d, lens);
  }
  return lens;
}

/** Largest point size drawn, screen pixels (WebGL guarantees only 1; 64 is what most GPUs allow). */
export const MAX_POINT_SIZE = 64;

/**
 * The 3D view of a depth image under a pinhole: points unprojected on the GPU in the vertex shader
 * from the depth texture and the intrinsics (each frame uploads 2 bytes per pixel for U16, never xyz).
 * Point world diameter = 2 * pointFillRatio * z / fy (Rerun: radius = fill ratio x pixel footprint).
 * The mesh's world matrix places the RDF camera frame in the world.
 */
export class DepthCloudMaterial {
  readonly material: ShaderMaterial;

  constructor(
    scene: Scene,
    name: string,
    readonly format: DepthTextureFormat,
  ) {
    this.material = new ShaderMaterial(
      name,
      scene,
      { vertexSource: depthCloudVertex, fragmentSource: depthCloudFragment },
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
          "cullRange",
          "flyingFraction",
          "normalShading",
          ...COLOR_UNIFORMS,
          ...RAY_UNIFORMS,
        ],
        samplers: ["depthTexture", "colormapTexture", ...COLOR_SAMPLERS, ...RAY_SAMPLERS],
        defines: format === "r16ui" ? ["#define DEPTH_UINT"] : [],
      },
    );
    this.material.pointsCloud = true;
    this.material.backFaceCulling = false;
    this.material.setFloat("maxPointSize", MAX_POINT_SIZE);
    this.material.setFloat("pointSizeScale", 500);
    this.placeholder = blankColorTexture(scene);
    this.setSettings({ cullRange: undefined, flyingFraction: 0, normalShading: false });
    this.setColorSource(undefined);
  }

  private readonly placeholder: RawTexture;

  setSettings(settings: CloudDrawSettings): void {
    const [min, max] = settings.cullRange ?? [0, 3e38];
    this.material.setVector2("cullRange", { x: min, y: max });
    this.material.setFloat("flyingFraction", Math.max(0, settings.flyingFraction));
    this.material.setFloat("normalShading", settings.normalShading ? 1 : 0);
  }

  /** Colour the cloud from an image (see CloudColorSource), or by depth with `undefined`. */
  setColorSource(source: CloudColorSource | undefined): void {
    bindColorSource(this.material, source, this.placeholder);
  }

  setDepth(texture: BaseTexture, meter: number): void {
    this.material.setTexture("depthTexture", texture);
    this.material.setFloat("meter", meter);
  }

  setColormap(texture: BaseTexture): void {
    this.material.setTexture("colormapTexture", texture);
  }

  setRange(min: number, max: number): void {
    this.material.setVector2("depthRange", { x: min, y: max });
  }

  /**
   * The intrinsics; with a lens distortion the cloud draws through the pinhole's ray table at the image
   * size (rayTableTexture.ts). Returns false while that table is being built: the cloud must not be drawn.
   */
  setPinhole(pinhole: Pinhole, pointFillRatio: number, size: readonly [number, number]): boolean {
    this.material.setFloat("pointDiameterPerDepth", (2 * pointFillRatio) / pinhole.fy);
    return bindRays(this.material, pinhole, size[0], size[1]);
  }

  /** Screen pixels per world unit at view depth 1: viewport height / (2 tan(fovY / 2)). */
  setViewport(viewportHeightPx: number, fovY: number, maxPointSize = MAX_POINT_SIZE): void {
    this.material.setFloat("pointSizeScale", viewportHeightPx / (2 * Math.tan(fovY / 2)));
    this.material.setFloat("maxPointSize", maxPointSize);
  }

  dispose(): void {
    this.material.dispose();
    this.placeholder.dispose();
  }
}

/** Vertex positions (u, v, 0) of every pixel, row-major: built once per resolution. */
export function pixelGrid(width: number, height: number, stride = 1): Float32Array {
  const positions = new Float32Array(Math.ceil(width / stride) * Math.ceil(height / stride) * 3);
  let i = 0;
  for (let v = 0; v < height; v += stride) {
    for (let u = 0; u < width; u += stride) {
      positions[i] = u;
      positions[i + 1] = v;
      i += 3;
    }
  }
  return positions;
}

/**
 * A point mesh with one vertex per pixel (every `stride`-th pixel in u and v: the point budget's
 * decimation); never culled (its positions are pixel indices, not space).
 */
export function createPixelCloud(
  scene: Scene,
  name: string,
  width: number,
  height: number,
  stride = 1,
): Mesh {
  const mesh = new Mesh(name, scene);
  const data = new VertexData();
  data.positions = pixelGrid(width, height, stride);
  data.applyToMesh(mesh, false);
  mesh.isUnIndexed = true;
  mesh.alwaysSelectAsActiveMesh = true;
  mesh.isPickable = false;
  mesh.doNotSyncBoundingInfo = true;
  return mesh;
}
