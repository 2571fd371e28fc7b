import type { Mesh } from "@babylonjs/core/Meshes/mesh.js";
import type { TransformNode } from "@babylonjs/core/Meshes/transformNode.js";
import type { Scene } from "@babylonjs/core/scene.js";
import type { Colormap, DepthImage, Pinhole, TimePoint } from "@depthroom/schema";
import { type DepthRange, robustRange, smoothRange } from "./autoRange.ts";
import { CpuDepthCloud } from "./CpuDepthCloud.ts";
import type { ColormapTextures } from "./colormapTexture.ts";
import { createPixelCloud, DepthCloudMaterial } from "./DepthCloudMaterial.ts";
import { createImageQuad, DepthImageMaterial } from "./DepthImageMaterial.ts";
import { DepthTexture, depthTextureData } from "./depthTexture.ts";

/** Layer of everything the 3D camera sees; 2D views use the bits above it. */
export const LAYER_3D = 1;

/** How the 3D cloud is made: unprojected on the GPU (the viewer), or on the CPU (the benchmark's baseline). */
export type CloudMode = "gpu" | "cpu";

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
  private cloudMaterial: DepthCloudMaterial | undefined;
  private quad: Mesh | undefined;
  private cloud: Mesh | undefined;
  private cloudParent: TransformNode | undefined;
  private cpuCloud: CpuDepthCloud | undefined;
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
  flush(pinhole: { pinhole: Pinhole; frame: TransformNode } | undefined, now: number): boolean {
    const image = this.pending;
    let changed = false;
    if (image) {
      this.pending = undefined;
      const start = performance.now();
      const upload = depthTextureData(image.data, image.datatype);
      this.texture.update(image.width, image.height, upload);
      if (this.cloudMode === "cpu" && pinhole) this.updateCpuCloud(image, upload.data, pinhole);
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
    if (
      pinhole &&
      this.cloudMode === "gpu" &&
      (!this.cloudMaterial || this.cloudMaterial.format !== this.texture.format)
    ) {
      this.cloudMaterial?.dispose();
      this.cloudMaterial = new DepthCloudMaterial(this.scene, `${this.path}#cloud`, this.texture.format);
      this.boundGeneration = -1;
    }
    if (this.boundGeneration !== this.texture.generation) {
      this.quad?.dispose();
      this.quad = createImageQuad(this.scene, `${this.path}#quad`, current.width, current.height);
      this.quad.layerMask = this.layer2d;
      this.quad.material = this.imageMaterial.material;
      this.cloud?.dispose();
      this.cloud = undefined;
      this.boundGeneration = this.texture.generation;
      changed = true;
    }
    this.imageMaterial.setDepth(texture, current.width, current.height, current.meter);

    if (pinhole && this.cloudMode === "cpu" && !this.cpuCloud) {
      // The pinhole arrived after the frame: build the CPU cloud from the frame on screen.
      this.updateCpuCloud(current, depthTextureData(current.data, current.datatype).data, pinhole);
      changed = true;
    }
    if (pinhole && this.cloudMaterial) {
      if (!this.cloud) {
        this.cloud = createPixelCloud(this.scene, `${this.path}#cloud`, current.width, current.height);
        this.cloud.layerMask = LAYER_3D;
        this.cloud.material = this.cloudMaterial.material;
      }
      if (this.cloudParent !== pinhole.frame) {
        this.cloud.parent = pinhole.frame;
        this.cloudParent = pinhole.frame;
      }
      this.cloudMaterial.setDepth(texture, current.meter);
      this.cloudMaterial.setPinhole(pinhole.pinhole, current.pointFillRatio);
      this.cloud.setEnabled(this.visible);
    } else if (this.cloud) {
      this.cloud.setEnabled(false);
    }

    const colormap = this.colormaps.get(this.colormapOverride ?? current.colormap);
    this.imageMaterial.setColormap(colormap);
    this.cloudMaterial?.setColormap(colormap);
    this.cpuCloud?.setColormap(colormap);
    const range = this.rangeOverride ?? rangeFromImage(current) ?? this.autoRange ?? { min: 0, max: 1 };
    this.range = range;
    this.imageMaterial.setRange(range.min, range.max);
    this.cloudMaterial?.setRange(range.min, range.max);
    this.cpuCloud?.setRange(range.min, range.max);
    this.quad?.setEnabled(this.visible);
    return changed;
  }

  private updateCpuCloud(
    image: DepthImage,
    values: Uint16Array | Float32Array,
    pinhole: { pinhole: Pinhole; frame: TransformNode },
  ): void {
    if (!this.cpuCloud || this.cpuCloud.width !== image.width || this.cpuCloud.height !== image.height) {
      this.cpuCloud?.dispose();
      this.cpuCloud = new CpuDepthCloud(this.scene, `${this.path}#cpu-cloud`, image.width, image.height);
      this.cpuCloud.mesh.layerMask = LAYER_3D;
    }
    this.cpuCloud.mesh.parent = pinhole.frame;
    this.cpuCloud.update(image, values, pinhole.pinhole);
    this.cpuCloud.mesh.setEnabled(this.visible);
  }

  setVisible(visible: boolean): void {
    this.visible = visible;
    this.cloud?.setEnabled(visible && this.cloudParent !== undefined);
    this.cpuCloud?.mesh.setEnabled(visible);
    this.quad?.setEnabled(visible);
  }

  get isVisible(): boolean {
    return this.visible;
  }

  get hasCloud(): boolean {
    return this.cloud?.isEnabled() === true || this.cpuCloud?.mesh.isEnabled() === true;
  }

  /** Point size depends on the viewport and field of view of the 3D camera. */
  setViewport(viewportHeightPx: number, fovY: number, maxPointSize?: number): void {
    this.cloudMaterial?.setViewport(viewportHeightPx, fovY, maxPointSize);
    this.cpuCloud?.setViewport(viewportHeightPx, fovY, maxPointSize);
  }

  dispose(): void {
    this.quad?.dispose();
    this.cloud?.dispose();
    this.cpuCloud?.dispose();
    this.imageMaterial?.dispose();
    this.cloudMaterial?.dispose();
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
