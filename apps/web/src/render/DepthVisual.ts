import type { Mesh } from "@babylonjs/core/Meshes/mesh.js";
import type { Scene } from "@babylonjs/core/scene.js";
import type { Colormap, DepthImage, TimePoint } from "@depthroom/schema";
import { type DepthRange, robustRange, smoothRange } from "./autoRange.ts";
import { type CloudDrawer, type CloudMode, createCloudDrawer, type GoverningPinhole } from "./cloudDrawer.ts";
import type { ColormapTextures } from "./colormapTexture.ts";
import type { CloudColorSource, CloudDrawSettings } from "./DepthCloudMaterial.ts";
import { createImageQuad, DepthImageMaterial } from "./DepthImageMaterial.ts";
import { DepthTexture, depthTextureData } from "./depthTexture.ts";

export { type CloudMode, LAYER_3D } from "./cloudDrawer.ts";

/**
 * Everything drawn for one DepthImage entity: its texture (uploaded once per frame, shared by both
 * views), the 2D quad and, when a pinhole governs it, the 3D cloud. Frames wait in `pending` until the
 * next draw; a newer frame replaces an older one that was never drawn (latest wins).
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
    if (image) {
      this.pending = undefined;
      const start = performance.now();
      const upload = depthTextureData(image.data, image.datatype);
      this.texture.update(image.width, image.height, upload);
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

    const frame = {
      image: current,
      texture,
      format: this.texture.format,
      generation: this.texture.generation,
    };
    if (this.cloud.sync(frame, pinhole, this.visible)) changed = true;

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
    this.cloud.setStride(stride);
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
