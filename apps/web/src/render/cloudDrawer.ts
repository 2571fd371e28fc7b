import type { BaseTexture } from "@babylonjs/core/Materials/Textures/baseTexture.js";
import type { Mesh } from "@babylonjs/core/Meshes/mesh.js";
import type { TransformNode } from "@babylonjs/core/Meshes/transformNode.js";
import type { Scene } from "@babylonjs/core/scene.js";
import type { DepthImage, Pinhole } from "@depthroom/schema";
import { CpuDepthCloud } from "./CpuDepthCloud.ts";
import {
  type CloudColorSource,
  type CloudDrawSettings,
  createPixelCloud,
  DepthCloudMaterial,
} from "./DepthCloudMaterial.ts";
import { type DepthTextureData, type DepthTextureFormat, depthTextureData } from "./depthTexture.ts";

/** Layer of everything the 3D camera sees; 2D views use the bits above it. */
export const LAYER_3D = 1;

/** How the 3D cloud is made: unprojected on the GPU (the viewer), or on the CPU (the benchmark's baseline). */
export type CloudMode = "gpu" | "cpu";

/** The camera that governs an image: its intrinsics and the node of its RDF camera frame. */
export interface GoverningPinhole {
  readonly pinhole: Pinhole;
  readonly frame: TransformNode;
}

/** The frame on screen as the cloud sees it: the image, its texture and the texture's format. */
export interface CloudFrame {
  readonly image: DepthImage;
  readonly texture: BaseTexture;
  readonly format: DepthTextureFormat;
  /** Bumped when the texture object was replaced (size or format): the cloud is rebuilt. */
  readonly generation: number;
}

/**
 * The 3D cloud of one depth image. The viewer draws it on the GPU (`GpuCloud`: one vertex per pixel,
 * unprojected in the vertex shader from the depth texture); the CPU unprojection (`CpuCloud`) exists
 * only as the benchmark's baseline (`?cloud=cpu`).
 */
export interface CloudDrawer {
  /** A new frame's values were uploaded (the CPU baseline unprojects them here). */
  uploaded(image: DepthImage, values: DepthTextureData["data"], pinhole: GoverningPinhole | undefined): void;
  /** Bring the cloud up to the frame on screen; returns whether that changed what is drawn. */
  sync(frame: CloudFrame, pinhole: GoverningPinhole | undefined, visible: boolean): boolean;
  setColormap(texture: BaseTexture): void;
  setRange(min: number, max: number): void;
  /** Colour from an image (or the colormap) and the view filters (the CPU baseline ignores them). */
  setStyle(color: CloudColorSource | undefined, settings: CloudDrawSettings): void;
  setViewport(viewportHeightPx: number, fovY: number, maxPointSize?: number): void;
  setVisible(visible: boolean): void;
  /** The point budget's decimation: every k-th pixel in u and v, points k times as wide (GPU path only). */
  setStride(stride: number): void;
  readonly hasCloud: boolean;
  dispose(): void;
}

export function createCloudDrawer(mode: CloudMode, scene: Scene, name: string): CloudDrawer {
  return mode === "cpu" ? new CpuCloud(scene, name) : new GpuCloud(scene, name);
}

/** The viewer's cloud: a pixel mesh built once per resolution, unprojected in the vertex shader. */
export class GpuCloud implements CloudDrawer {
  private material: DepthCloudMaterial | undefined;
  private mesh: Mesh | undefined;
  private parent: TransformNode | undefined;
  private generation = -1;
  private color: CloudColorSource | undefined;
  private settings: CloudDrawSettings = { cullRange: undefined, flyingFraction: 0, normalShading: false };
  private stride = 1;
  private meshStride = 1;
  private raysReady = false;

  constructor(
    private readonly scene: Scene,
    private readonly name: string,
  ) {}

  uploaded(): void {}

  setStride(stride: number): void {
    this.stride = stride;
  }

  setStyle(color: CloudColorSource | undefined, settings: CloudDrawSettings): void {
    this.color = color;
    this.settings = settings;
  }

  sync(frame: CloudFrame, pinhole: GoverningPinhole | undefined, visible: boolean): boolean {
    let changed = false;
    if (pinhole && (!this.material || this.material.format !== frame.format)) {
      this.material?.dispose();
      this.material = new DepthCloudMaterial(this.scene, `${this.name}#cloud`, frame.format);
      this.generation = -1;
    }
    if (this.generation !== frame.generation || (this.mesh && this.meshStride !== this.stride)) {
      this.mesh?.dispose();
      this.mesh = undefined;
      this.parent = undefined;
      this.generation = frame.generation;
      changed = true;
    }
    if (!pinhole || !this.material) {
      this.mesh?.setEnabled(false);
      return changed;
    }
    const { image } = frame;
    if (!this.mesh) {
      this.mesh = createPixelCloud(this.scene, `${this.name}#cloud`, image.width, image.height, this.stride);
      this.meshStride = this.stride;
      this.mesh.layerMask = LAYER_3D;
      this.mesh.material = this.material.material;
    }
    if (this.parent !== pinhole.frame) {
      this.mesh.parent = pinhole.frame;
      this.parent = pinhole.frame;
    }
    this.material.setDepth(frame.texture, image.meter);
    // A decimated cloud's points cover the pixels skipped around them. With a lens distortion the cloud
    // waits for its ray table (built off the page): never drawn through the wrong rays.
    const ready = this.material.setPinhole(pinhole.pinhole, image.pointFillRatio * this.meshStride, [
      image.width,
      image.height,
    ]);
    if (ready !== this.raysReady) changed = true;
    this.raysReady = ready;
    this.material.setColorSource(this.color);
    this.material.setSettings(this.settings);
    this.mesh.setEnabled(visible && ready);
    return changed;
  }

  setColormap(texture: BaseTexture): void {
    this.material?.setColormap(texture);
  }

  setRange(min: number, max: number): void {
    this.material?.setRange(min, max);
  }

  setViewport(viewportHeightPx: number, fovY: number, maxPointSize?: number): void {
    this.material?.setViewport(viewportHeightPx, fovY, maxPointSize);
  }

  setVisible(visible: boolean): void {
    this.mesh?.setEnabled(visible && this.parent !== undefined && this.raysReady);
  }

  get hasCloud(): boolean {
    return this.mesh?.isEnabled() === true;
  }

  dispose(): void {
    this.mesh?.dispose();
    this.material?.dispose();
  }
}

/** The benchmark's baseline: every pixel unprojected on the CPU into a 12 B/px vertex buffer per frame. */
export class CpuCloud implements CloudDrawer {
  private cloud: CpuDepthCloud | undefined;
  private visible = true;

  constructor(
    private readonly scene: Scene,
    private readonly name: string,
  ) {}

  uploaded(image: DepthImage, values: DepthTextureData["data"], pinhole: GoverningPinhole | undefined): void {
    if (pinhole) this.build(image, values, pinhole);
  }

  setStyle(): void {}

  /** The baseline draws every pixel: it measures the CPU unprojection, not the budget. */
  setStride(): void {}

  sync(frame: CloudFrame, pinhole: GoverningPinhole | undefined): boolean {
    if (!pinhole || this.cloud) return false;
    // The pinhole arrived after the frame: build the cloud from the frame on screen.
    const { image } = frame;
    this.build(image, depthTextureData(image.data, image.datatype).data, pinhole);
    return true;
  }

  private build(image: DepthImage, values: DepthTextureData["data"], pinhole: GoverningPinhole): void {
    if (!this.cloud || this.cloud.width !== image.width || this.cloud.height !== image.height) {
      this.cloud?.dispose();
      this.cloud = new CpuDepthCloud(this.scene, `${this.name}#cpu-cloud`, image.width, image.height);
      this.cloud.mesh.layerMask = LAYER_3D;
    }
    this.cloud.mesh.parent = pinhole.frame;
    this.cloud.update(image, values, pinhole.pinhole);
    this.cloud.mesh.setEnabled(this.visible);
  }

  setColormap(texture: BaseTexture): void {
    this.cloud?.setColormap(texture);
  }

  setRange(min: number, max: number): void {
    this.cloud?.setRange(min, max);
  }

  setViewport(viewportHeightPx: number, fovY: number, maxPointSize?: number): void {
    this.cloud?.setViewport(viewportHeightPx, fovY, maxPointSize);
  }

  setVisible(visible: boolean): void {
    this.visible = visible;
    this.cloud?.mesh.setEnabled(visible);
  }

  get hasCloud(): boolean {
    return this.cloud?.mesh.isEnabled() === true;
  }

  dispose(): void {
    this.cloud?.dispose();
  }
}
