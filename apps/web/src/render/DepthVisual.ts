import type { Mesh } from "@babylonjs/core/Meshes/mesh.js";
import type { Scene } from "@babylonjs/core/scene.js";
import { type Colormap, DepthImage, type Pinhole, type TimePoint } from "@depthroom/schema";
import { type DepthRange, robustRange, smoothRange } from "./autoRange.ts";
import { type CloudDrawer, type CloudMode, createCloudDrawer, type GoverningPinhole } from "./cloudDrawer.ts";
import type { ColormapTextures } from "./colormapTexture.ts";
import type { CloudColorSource, CloudDrawSettings } from "./DepthCloudMaterial.ts";
import { createImageQuad, DepthImageMaterial } from "./DepthImageMaterial.ts";
import { DepthTexture, type DepthTextureData, depthTextureData } from "./depthTexture.ts";
import { everyKthPixel, pinholeForStride } from "./pointBudget.ts";

export { type CloudMode, LAYER_3D } from "./cloudDrawer.ts";

/**
 * Everything drawn for one DepthImage entity: its texture (uploaded once per frame, shared by both
 * views), the 2D quad and, when a pinhole governs it, the 3D cloud. Frames wait in `pending` until the
 * next draw; a newer frame replaces an older one that was never drawn (latest wins).
 *
 * The point budget (issue 21): when the cloud draws every k-th pixel and the 2D view is not drawn, only
 * those pixels are uploaded (a w/k x h/k texture, under the pinhole scaled by 1/k: texel (i, j) unprojects
 * exactly as pixel (k i, k j)), so a 4K image costs the upload of what is drawn, not of 8 M pixels. The
 * CPU copy (`current`: readout, picking, bounds) stays whole, and the whole image is uploaded again as
 * soon as the 2D view is drawn.
 */
export class DepthVisual {
  readonly texture: DepthTexture;
  /** The frame on screen (CPU copy: hover readout and fit use it). */
  current: DepthImage | undefined;
  private pending: DepthImage | undefined;
  private pendingAt = 0;
  private pendingTimelines: readonly TimePoint[] = [];
  /** The time stamps of the frame on screen (tests read which frame was uploaded). */
  currentTimelines: readonly TimePoint[] = [];
  private imageMaterial: DepthImageMaterial | undefined;
  private quad: Mesh | undefined;
  /** The 3D cloud, drawn on the GPU (the CPU drawer is the benchmark's baseline). */
  private readonly cloud: CloudDrawer;
  private cloudColor: string | undefined;
  /** The 2D view: depth over this colour image with this opacity (1: depth only). */
  private colorSource: CloudColorSource | undefined;
  private depthOpacity = 1;
  private boundGeneration = -1;
  private autoRange: DepthRange | undefined;
  private lastRangeAt = 0;
  private visible = true;
  /** The point budget's stride: every k-th pixel in u and v is drawn. */
  private pointStride = 1;
  /** Texel (i, j) of the texture is pixel (k i, k j) of `current` (1: the whole image). */
  private textureStride = 1;
  private decimated: Uint16Array | Float32Array | undefined;
  /** With textureStride > 1: the texels as an image, what the cloud draws (one point per texel). */
  private texels: DepthImage | undefined;
  private scaledPinhole: { source: Pinhole; k: number; pinhole: Pinhole } | undefined;
  /** Stored-unit range in use, after overrides. */
  range: DepthRange | undefined;
  colormapOverride: Colormap | undefined;
  rangeOverride: DepthRange | undefined;
  /** Frames drawn, and frames replaced before they were drawn. */
  uploads = 0;
  skipped = 0;
  /** Milliseconds spent converting and uploading the latest frames (ring buffer). */
  readonly uploadMs = new Float64Array(64);
  /** Milliseconds from arrival (the `receivedAt` given with the frame) to the end of its upload. */
  readonly arrivalToUploadMs = new Float64Array(64);

  constructor(
    private readonly scene: Scene,
    readonly path: string,
    private readonly colormaps: ColormapTextures,
    /** The layer mask of this image's 2D camera. */
    readonly layer2d: number,
    readonly cloudMode: CloudMode = "gpu",
  ) {
    this.texture = new DepthTexture(scene);
    this.cloud = createCloudDrawer(cloudMode, scene, path);
  }

  /** Keep the newest frame for the next draw; `arrivedAt` is a `performance.now()` time. */
  offer(image: DepthImage, arrivedAt: number, timelines: readonly TimePoint[] = []): void {
    if (this.pending) this.skipped++;
    this.pending = image;
    this.pendingAt = arrivedAt;
    this.pendingTimelines = timelines;
  }

  get colormap(): Colormap | undefined {
    return this.colormapOverride ?? this.current?.colormap;
  }

  /**
   * Upload the pending frame (if any) and bring materials, meshes and the range up to date.
   * `pinhole` is the camera that governs this image (none: 2D only). Returns whether anything changed.
   */
  flush(pinhole: GoverningPinhole | undefined, now: number): boolean {
    const image = this.pending;
    let changed = false;
    const stride = this.wantedTextureStride(pinhole);
    if (!image && this.current && stride !== this.textureStride) {
      // The frame on screen again, at the stride now wanted (the 2D view shown or hidden, a new budget).
      this.upload(this.current, depthTextureData(this.current.data, this.current.datatype), stride);
      changed = true;
    }
    if (image) {
      this.pending = undefined;
      const start = performance.now();
      const upload = depthTextureData(image.data, image.datatype);
      this.upload(image, upload, stride);
      this.cloud.uploaded(image, upload.data, pinhole);
      const end = performance.now();
      const slot = this.uploads % this.uploadMs.length;
      this.uploadMs[slot] = end - start;
      this.arrivalToUploadMs[slot] = end - this.pendingAt;
      this.uploads++;
      this.current = image;
      this.currentTimelines = this.pendingTimelines;
      if (!this.rangeOverride && !image.depthRange) {
        const next = robustRange(upload.data);
        this.autoRange = smoothRange(this.autoRange, next, this.lastRangeAt ? now - this.lastRangeAt : 0);
        this.lastRangeAt = now;
      }
      changed = true;
    }
    const current = this.current;
    const texture = this.texture.texture;
    if (!current || !texture) return changed;

    if (!this.imageMaterial || this.imageMaterial.format !== this.texture.format) {
      this.imageMaterial?.dispose();
      this.imageMaterial = new DepthImageMaterial(this.scene, `${this.path}#image`, this.texture.format);
      this.boundGeneration = -1;
    }
    if (this.boundGeneration !== this.texture.generation) {
      this.quad?.dispose();
      this.quad = createImageQuad(this.scene, `${this.path}#quad`, current.width, current.height);
      this.quad.layerMask = this.layer2d;
      this.quad.material = this.imageMaterial.material;
      this.boundGeneration = this.texture.generation;
      changed = true;
    }
    this.imageMaterial.setDepth(texture, current.width, current.height, current.meter);
    this.imageMaterial.setColor(this.colorSource, pinhole?.pinhole, this.depthOpacity);

    const k = this.textureStride;
    const frame = {
      image: k > 1 && this.texels ? this.texels : current,
      texture,
      format: this.texture.format,
      generation: this.texture.generation,
    };
    this.cloud.setStride(Math.max(1, Math.round(this.pointStride / k)));
    const governing =
      pinhole && k > 1 ? { pinhole: this.scaled(pinhole.pinhole, k), frame: pinhole.frame } : pinhole;
    if (this.cloud.sync(frame, governing, this.visible)) changed = true;

    const colormap = this.colormaps.get(this.colormapOverride ?? current.colormap);
    this.imageMaterial.setColormap(colormap);
    this.cloud.setColormap(colormap);
    const range = this.rangeOverride ?? rangeFromImage(current) ?? this.autoRange ?? { min: 0, max: 1 };
    this.range = range;
    this.imageMaterial.setRange(range.min, range.max);
    this.cloud.setRange(range.min, range.max);
    this.quad?.setEnabled(this.visible);
    return changed;
  }

  /** Colour (an image's, or none: the colormap) and filters of the 3D cloud, applied at the next flush. */
  setCloudStyle(color: CloudColorSource | undefined, settings: CloudDrawSettings, depthOpacity = 1): void {
    this.cloud.setStyle(color, settings);
    this.cloudColor = color?.entity;
    this.colorSource = color;
    this.depthOpacity = depthOpacity;
  }

  /** The colour image entity colouring the cloud, if one does. */
  get cloudColorEntity(): string | undefined {
    return this.cloudColor;
  }

  setVisible(visible: boolean): void {
    this.visible = visible;
    this.cloud.setVisible(visible);
    this.quad?.setEnabled(visible);
  }

  get isVisible(): boolean {
    return this.visible;
  }

  get hasCloud(): boolean {
    return this.cloud.hasCloud;
  }

  /** The point budget's stride for this cloud (applied at the next flush). */
  setPointStride(stride: number): void {
    this.pointStride = stride;
  }

  /**
   * Every pixel while the 2D view is drawn (a camera of its layer is active), in the CPU baseline and
   * without a cloud; else the point stride.
   */
  private wantedTextureStride(pinhole: GoverningPinhole | undefined): number {
    if (!pinhole || this.cloudMode === "cpu" || this.pointStride === 1) return 1;
    const shown2d = this.scene.activeCameras?.some((camera) => (camera.layerMask & this.layer2d) !== 0);
    return shown2d ? 1 : this.pointStride;
  }

  /** Upload `image` to the texture, every `k`-th pixel in u and v (its texels reused between frames). */
  private upload(image: DepthImage, data: DepthTextureData, k: number): void {
    this.textureStride = k;
    if (k === 1) {
      this.texture.update(image.width, image.height, data);
      return;
    }
    const width = Math.ceil(image.width / k);
    const height = Math.ceil(image.height / k);
    const out = everyKthPixel(data.data, image.width, image.height, k, this.decimated);
    this.decimated = out;
    this.texture.update(width, height, { format: data.format, data: out });
    this.texels = new DepthImage(out, {
      width,
      height,
      datatype: out instanceof Uint16Array ? "U16" : "F32",
      meter: image.meter,
      pointFillRatio: image.pointFillRatio,
    });
  }

  /** `pinhole` for the texels of a stride-k texture: the first two rows of K divided by k. */
  private scaled(pinhole: Pinhole, k: number): Pinhole {
    const cached = this.scaledPinhole;
    if (cached?.source === pinhole && cached.k === k) return cached.pinhole;
    const scaled = pinholeForStride(pinhole, k);
    this.scaledPinhole = { source: pinhole, k, pinhole: scaled };
    return scaled;
  }

  /** Point size depends on the viewport and field of view of the 3D camera. */
  setViewport(viewportHeightPx: number, fovY: number, maxPointSize?: number): void {
    this.cloud.setViewport(viewportHeightPx, fovY, maxPointSize);
  }

  dispose(): void {
    this.quad?.dispose();
    this.cloud.dispose();
    this.imageMaterial?.dispose();
    this.texture.dispose();
  }
}

function rangeFromImage(image: DepthImage): DepthRange | undefined {
  return image.depthRange ? { min: image.depthRange[0], max: image.depthRange[1] } : undefined;
}

/** Median of the filled part of a ring buffer. */
export function ringMedian(values: Float64Array, count: number): number | undefined {
  const n = Math.min(count, values.length);
  if (n === 0) return undefined;
  const sorted = Float64Array.from(values.subarray(0, n)).sort();
  return n % 2
    ? (sorted[(n - 1) / 2] as number)
    : ((sorted[n / 2 - 1] as number) + (sorted[n / 2] as number)) / 2;
}
