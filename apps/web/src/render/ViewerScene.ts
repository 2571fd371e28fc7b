import type { Camera } from "@babylonjs/core/Cameras/camera.js";
import type { AbstractEngine } from "@babylonjs/core/Engines/abstractEngine.js";
import { Color4 } from "@babylonjs/core/Maths/math.color.js";
import { Vector3 } from "@babylonjs/core/Maths/math.vector.js";
import { Viewport } from "@babylonjs/core/Maths/math.viewport.js";
import type { LinesMesh } from "@babylonjs/core/Meshes/linesMesh.js";
import { Scene } from "@babylonjs/core/scene.js";
import type { CloudViewSettings, Colormap, LogMessage } from "@depthroom/schema";
import type { DecodedImage } from "../frames/imageDecode.ts";
import type { DepthRange } from "./autoRange.ts";
import { type ColorImageStats, ColorImages } from "./ColorImages.ts";
import { ColorImageView } from "./ColorImageView.ts";
import {
  type Bounds3,
  type CameraPose,
  defaultPose,
  fit,
  normalize,
  orbit,
  pan,
  snapToAxis,
  type Vec3,
  zoom,
} from "./cameraPose.ts";
import { type AxisSamples, lowestAlong, robustBounds, sampleCloud } from "./cloudBounds.ts";
import { cloudStyle } from "./cloudStyle.ts";
import { ColormapTextures } from "./colormapTexture.ts";
import { type CloudMode, DepthVisual, LAYER_3D } from "./DepthVisual.ts";
import { EntityGraph } from "./EntityGraph.ts";
import { pinholeSize } from "./frustum.ts";
import { ImageViews } from "./ImageViews.ts";
import { PoseCamera } from "./PoseCamera.ts";
import { type PixelReadout, pixelReadout } from "./pixelReadout.ts";
import { POINT_BUDGETS, type PointBudgetStats, pointStride, pointsAt } from "./pointBudget.ts";
import { CameraFrustums, createAxes, createGrid } from "./sceneHelpers.ts";
import { imageToPanel, pixelAt, type View2D } from "./view2d.ts";
import { type VisualStats, visualStats } from "./visualStats.ts";

export type { PixelReadout } from "./pixelReadout.ts";
export type { VisualStats } from "./visualStats.ts";

/** Where a view sits on the canvas, in CSS pixels from the canvas's top-left. */
export interface PanelRect {
  readonly id: string;
  readonly kind: "3d" | "2d";
  /** The depth image a 2D panel shows. */
  readonly entity?: string;
  readonly x: number;
  readonly y: number;
  readonly width: number;
  readonly height: number;
}

/** What `imageInfo` tells of the frame an image entity shows. */
export interface ImageInfo {
  readonly entity: string;
  readonly width: number;
  readonly height: number;
  readonly datatype: string;
  /** Shown (not hidden by the user, not cleared). */
  readonly visible: boolean;
  /** Its 3D cloud is drawn. */
  readonly hasCloud: boolean;
}

const BACKGROUND = new Color4(0x14 / 255, 0x17 / 255, 0x1c / 255, 1);
const MAX_2D_VIEWS = 24;

/**
 * The whole drawing: one Babylon scene on one canvas, a 3D camera and one orthographic camera per 2D
 * panel, each with its own viewport and layer mask, so a depth texture is uploaded once per frame and
 * shared by both views. Messages go in with `handleMessage`; `frame()` (called every animation frame)
 * uploads the newest pending frames and draws only when something changed.
 */
export class ViewerScene {
  readonly scene: Scene;
  readonly graph: EntityGraph;
  readonly camera3d: PoseCamera;
  private readonly colormaps: ColormapTextures;
  /** Colour images (Image / EncodedImage) on the GPU, and the room's per-entity cloud view settings. */
  private readonly colors: ColorImages;
  private readonly viewSettings = new Map<string, CloudViewSettings>();
  /** Colour image entities' own 2D views. */
  private readonly colorViews = new Map<string, ColorImageView>();
  private readonly visuals = new Map<string, DepthVisual>();
  private readonly frustums: CameraFrustums;
  private readonly images: ImageViews;
  /** Entities the user hid, and entities with nothing at the time shown (`clearEntity`). */
  private readonly hidden = new Set<string>();
  private readonly cleared = new Set<string>();
  private panels: PanelRect[] = [];
  private canvasSize = { width: 1, height: 1 };
  private dirty = true;
  private pointBudget: number = POINT_BUDGETS.desktop;
  private pointStats: PointBudgetStats = {
    budget: POINT_BUDGETS.desktop,
    stride: 1,
    points: 0,
    fullPoints: 0,
  };
  private userMovedCamera = false;
  private autoFitted = false;
  private worldUpKnown = false;
  private currentPose: CameraPose;
  private worldUp: Vec3 = [0, -1, 0];
  private nextLayerBit = 1;
  private grid: LinesMesh;
  private axes: LinesMesh;
  /** Draw calls of the whole scene (frames drawn), and their timestamps for a rate. */
  framesDrawn = 0;
  private readonly drawTimes = new Float64Array(120);

  constructor(
    readonly engine: AbstractEngine,
    /** "cpu" draws clouds the slow way, as the benchmark's baseline. */
    readonly cloudMode: CloudMode = "gpu",
  ) {
    this.scene = new Scene(engine);
    this.scene.useRightHandedSystem = true;
    this.scene.clearColor = BACKGROUND;
    this.scene.skipPointerMovePicking = true;
    this.scene.autoClear = true;
    this.colormaps = new ColormapTextures(this.scene);
    this.graph = new EntityGraph(this.scene);
    this.colors = new ColorImages(this.scene);
    this.frustums = new CameraFrustums(this.scene);
    this.images = new ImageViews(this.scene);
    this.camera3d = new PoseCamera("camera3d", this.scene);
    this.camera3d.layerMask = LAYER_3D;
    this.currentPose = defaultPose(this.worldUp);
    this.camera3d.setPose(this.currentPose);
    this.grid = createGrid(this.scene, this.worldUp);
    this.axes = createAxes(this.scene);
    this.updateActiveCameras();
  }

  // --- Data in -----------------------------------------------------------------------------------

  /**
   * Take one decoded message; `arrivedAt` is a `performance.now()` time; `image`: an EncodedImage's
   * bitmap, decoded in the frame core. Images wait for `frame()`.
   */
  handleMessage(message: LogMessage, arrivedAt = performance.now(), image?: DecodedImage): void {
    const { entityPath, archetype } = message;
    if (this.cleared.delete(entityPath)) this.applyVisibility(entityPath);
    switch (archetype.kind) {
      case "DepthImage": {
        this.visual(entityPath).offer(archetype, arrivedAt, message.timelines);
        break;
      }
      case "Pinhole": {
        this.graph.setPinhole(entityPath, archetype);
        this.updateFrustum(entityPath);
        if (!this.worldUpKnown) this.guessWorldUp(entityPath);
        break;
      }
      case "Transform3D": {
        this.graph.setTransform(entityPath, archetype);
        break;
      }
      case "Image":
      case "EncodedImage":
        this.colors.offer(entityPath, archetype, message.timelines, image);
        this.colorView(entityPath);
        break;
      default: {
        const unknown: never = archetype;
        throw new TypeError(`unhandled archetype ${(unknown as { kind: string }).kind}`);
      }
    }
    this.dirty = true;
  }

  private colorView(path: string): ColorImageView {
    let view = this.colorViews.get(path);
    if (!view) {
      const layer = this.nextLayerBit < MAX_2D_VIEWS ? 1 << this.nextLayerBit++ : 1 << MAX_2D_VIEWS;
      view = new ColorImageView(this.scene, path, layer);
      this.colorViews.set(path, view);
      this.images.add(path, layer);
      this.updateActiveCameras();
    }
    return view;
  }

  private visual(path: string): DepthVisual {
    let visual = this.visuals.get(path);
    if (!visual) {
      const layer = this.nextLayerBit < MAX_2D_VIEWS ? 1 << this.nextLayerBit++ : 1 << MAX_2D_VIEWS;
      visual = new DepthVisual(this.scene, path, this.colormaps, layer, this.cloudMode);
      this.visuals.set(path, visual);
      this.images.add(path, layer);
      this.updateActiveCameras();
    }
    return visual;
  }

  // --- Drawing -----------------------------------------------------------------------------------

  /** Upload what is pending and draw if anything changed. Returns whether it drew. */
  frame(now = performance.now()): boolean {
    let firstData = false;
    if (this.colors.flush(now)) this.dirty = true;
    for (const view of this.colorViews.values()) {
      const texture = this.colors.texture(view.path);
      if (!texture) continue;
      const first = view.size === undefined;
      view.update(texture, !this.hidden.has(view.path) && !this.cleared.has(view.path));
      if (first) this.fit2d(view.path);
    }
    // Flushed again when the clouds now shown need another stride (a new cloud, a bigger image), so no
    // frame draws more points than the budget.
    for (let pass = 0; pass < 2 && (pass === 0 || this.applyPointBudget()); pass++) {
      for (const visual of this.visuals.values()) {
        const style = cloudStyle(visual, this.viewSettings.get(visual.path), this.colors, this.graph);
        visual.setCloudStyle(style.color, style.draw, style.depthOpacity);
        const hadImage = visual.current !== undefined;
        const pinhole = this.graph.pinholeFor(visual.path);
        const changed = visual.flush(
          pinhole ? { pinhole: pinhole.pinhole, frame: this.graph.cameraFrame(pinhole.path) } : undefined,
          now,
        );
        if (changed) {
          this.dirty = true;
          if (!hadImage && visual.current) firstData = true;
          if (pinhole) this.updateFrustum(pinhole.path);
        }
      }
    }
    if (firstData) {
      for (const visual of this.visuals.values())
        if (visual.current && !this.images.view(visual.path)) this.fit2d(visual.path);
    }
    // Fit the 3D view once, when the first cloud can be drawn (its pinhole may come after its frame).
    if (!this.autoFitted && !this.userMovedCamera && [...this.visuals.values()].some((v) => v.hasCloud)) {
      this.autoFitted = true;
      this.fitToData(false);
      this.placeGrid();
    }
    if (!this.dirty || this.scene.activeCameras?.length === 0) return false;
    this.dirty = false;
    this.applyViewports();
    this.scene.render();
    this.drawTimes[this.framesDrawn % this.drawTimes.length] = now;
    this.framesDrawn++;
    return true;
  }

  /**
   * The point budget (issue 21): one stride for every cloud shown, the smallest whose points fit; the
   * clouds rebuild their meshes in the flush that follows. Returns whether the stride changed.
   */
  private applyPointBudget(): boolean {
    const before = this.pointStats.stride;
    const sizes = [];
    for (const visual of this.visuals.values())
      if (visual.hasCloud && visual.current) sizes.push(visual.current);
    const stride = pointStride(sizes, this.pointBudget);
    for (const visual of this.visuals.values()) visual.setPointStride(stride);
    this.pointStats = {
      budget: this.pointBudget,
      stride,
      points: pointsAt(sizes, stride),
      fullPoints: pointsAt(sizes, 1),
    };
    return stride !== before;
  }

  /** At most `points` points per frame across the 3D view's clouds (the device's default: pointBudget.ts). */
  setPointBudget(points: number): void {
    this.pointBudget = Math.max(1, Math.floor(points));
    this.dirty = true;
  }

  /** The budget, the stride and the points of the last frame drawn. */
  pointBudgetStats(): PointBudgetStats {
    return this.pointStats;
  }

  /** Frames drawn per second over the last couple of seconds. */
  drawRate(now = performance.now()): number {
    const n = Math.min(this.framesDrawn, this.drawTimes.length);
    let count = 0;
    for (let i = 0; i < n; i++) if (now - (this.drawTimes[i] as number) <= 2000) count++;
    return count / 2;
  }

  requestDraw(): void {
    this.dirty = true;
  }

  setPanels(panels: readonly PanelRect[], canvasWidth: number, canvasHeight: number): void {
    const before = new Map(this.panels.map((p) => [p.id, p]));
    this.panels = [...panels];
    this.canvasSize = { width: Math.max(1, canvasWidth), height: Math.max(1, canvasHeight) };
    for (const panel of panels) {
      if (panel.kind !== "2d" || !panel.entity) continue;
      // A new 2D panel is fitted; one that changed size stays fitted unless the person zoomed or panned it.
      const was = before.get(panel.id);
      if (!was) this.fit2d(panel.entity);
      else if (was.width !== panel.width || was.height !== panel.height)
        this.images.resize(panel.entity, panel);
    }
    this.updateActiveCameras();
    this.dirty = true;
  }

  private updateActiveCameras(): void {
    const cameras: Camera[] = [];
    for (const panel of this.panels) {
      if (panel.width < 2 || panel.height < 2) continue;
      if (panel.kind === "3d") cameras.push(this.camera3d);
      else if (panel.entity) {
        const camera = this.images.camera(panel.entity);
        if (camera) cameras.push(camera);
      }
    }
    this.scene.activeCameras = cameras;
    if (cameras[0]) this.scene.activeCamera = cameras[0];
  }

  private applyViewports(): void {
    const { width: W, height: H } = this.canvasSize;
    const renderHeight = this.engine.getRenderHeight();
    const pixelRatio = renderHeight / H;
    for (const panel of this.panels) {
      const viewport = new Viewport(
        panel.x / W,
        1 - (panel.y + panel.height) / H,
        panel.width / W,
        panel.height / H,
      );
      if (panel.kind === "3d") {
        this.camera3d.viewport = viewport;
        this.camera3d.setPose(this.currentPose);
        for (const visual of this.visuals.values()) {
          visual.setViewport(panel.height * pixelRatio, this.currentPose.fovY);
        }
      } else if (panel.entity) {
        this.images.apply(panel.entity, viewport, panel);
      }
    }
  }

  // --- 3D camera ---------------------------------------------------------------------------------

  get pose(): CameraPose {
    return this.currentPose;
  }

  get up(): Vec3 {
    return this.worldUp;
  }

  setPose(pose: CameraPose, byUser = true): void {
    this.currentPose = pose;
    if (byUser) this.userMovedCamera = true;
    this.dirty = true;
  }

  private panel3d(): PanelRect | undefined {
    return this.panels.find((p) => p.kind === "3d");
  }

  /** Width / height of the 3D view (16:9 before it is laid out). */
  aspect3d(): number {
    const panel = this.panel3d();
    return panel ? panel.width / Math.max(1, panel.height) : 16 / 9;
  }

  /** Orbit by a drag of (dx, dy) CSS pixels. */
  orbitBy(dx: number, dy: number): void {
    this.setPose(orbit(this.currentPose, -dx * 0.008, dy * 0.008, this.worldUp));
  }

  /** Pan by a drag of (dx, dy) CSS pixels. */
  panBy(dx: number, dy: number): void {
    const height = this.panel3d()?.height ?? 500;
    this.setPose(pan(this.currentPose, dx / height, dy / height, 1));
  }

  zoomBy(factor: number): void {
    this.setPose(zoom(this.currentPose, factor));
  }

  /** Aim at everything drawn (clouds and cameras) and back off until it fits. */
  fitToData(byUser = true): void {
    const bounds = this.dataBounds();
    if (!bounds) return;
    this.setPose(fit(this.currentPose, bounds, this.aspect3d()), byUser);
  }

  resetView(): void {
    this.userMovedCamera = false;
    this.currentPose = defaultPose(this.worldUp);
    this.fitToData(false);
    this.placeGrid();
    this.dirty = true;
  }

  /** Put the grid under the data: at the data's lowest point along the world's up. */
  private placeGrid(): void {
    const bounds = this.dataBounds();
    if (!bounds) return;
    const up = this.worldUp;
    const lowest = lowestAlong(bounds, up);
    this.grid.position.set(up[0] * lowest, up[1] * lowest, up[2] * lowest);
    this.dirty = true;
  }

  /** Put the 3D camera where the pinhole of `entity` (or its nearest ancestor) is, looking as it looks. */
  lookThrough(entity: string): boolean {
    const found = this.graph.pinholeFor(entity);
    if (!found) return false;
    const { path, pinhole } = found;
    const visual = [...this.visuals.values()].find((v) => this.graph.pinholeFor(v.path)?.path === path);
    const [, height] = pinholeSize(pinhole, visual?.current);
    const eye = this.graph.rdfToWorld(path, [0, 0, 0]);
    const target = this.graph.rdfToWorld(path, [0, 0, 1]);
    const up = normalize(this.graph.rdfDirectionToWorld(path, [0, -1, 0]));
    this.setPose({ eye, target, up, fovY: 2 * Math.atan(height / 2 / pinhole.fy) });
    return true;
  }

  private guessWorldUp(pinholePath: string): void {
    // Up is where the first camera's image "up" points, snapped to the nearest world axis.
    this.worldUp = snapToAxis(this.graph.rdfDirectionToWorld(pinholePath, [0, -1, 0]));
    this.worldUpKnown = true;
    this.grid.dispose();
    this.grid = createGrid(this.scene, this.worldUp);
    if (!this.userMovedCamera) this.currentPose = defaultPose(this.worldUp);
  }

  /**
   * World bounds of every camera's position and of a sample of every cloud's points, robust to stray
   * far points: per axis, the cloud samples count from the 1st to the 99th percentile.
   */
  dataBounds(): Bounds3 | undefined {
    const cameras = this.graph.pinholePaths().map((path) => this.graph.rdfToWorld(path, [0, 0, 0]));
    const samples: AxisSamples = [[], [], []];
    for (const visual of this.visuals.values()) {
      const image = visual.current;
      const found = this.graph.pinholeFor(visual.path);
      if (!image || !found || !visual.isVisible) continue;
      sampleCloud(image, found.pinhole, this.graph.cameraFrame(found.path).computeWorldMatrix(true), samples);
    }
    return robustBounds(cameras, samples);
  }

  // --- 2D views ----------------------------------------------------------------------------------

  view2d(entity: string): View2D | undefined {
    return this.images.view(entity);
  }

  /** The frame an image entity shows now: its size; undefined before its first frame or while cleared. */
  imageInfo(entity: string): ImageInfo | undefined {
    const visual = this.visuals.get(entity);
    const image = this.cleared.has(entity) ? undefined : visual?.current;
    if (!visual || !image) return undefined;
    const { width, height, datatype } = image;
    return { entity, width, height, datatype, visible: visual.isVisible, hasCloud: visual.hasCloud };
  }

  /** The image pixel under (x, y), CSS px from the top-left of the entity's 2D panel; undefined if none. */
  pixelAtPanel(entity: string, x: number, y: number): [number, number] | undefined {
    const view = this.images.view(entity);
    const panel = this.panel2d(entity);
    const image = this.imageInfo(entity);
    return view && panel && image ? pixelAt(view, panel, image, x, y) : undefined;
  }

  private panel2d(entity: string): PanelRect | undefined {
    return this.panels.find((p) => p.kind === "2d" && p.entity === entity);
  }

  fit2d(entity: string): void {
    const image = this.visuals.get(entity)?.current ?? this.colorViews.get(entity)?.size;
    const panel = this.panel2d(entity);
    if (!image || !panel) return;
    this.images.fit(entity, image, panel);
    this.dirty = true;
  }

  zoom2d(entity: string, x: number, y: number, factor: number): void {
    const panel = this.panel2d(entity);
    if (panel && this.images.zoom(entity, panel, x, y, factor)) this.dirty = true;
  }

  pan2d(entity: string, dx: number, dy: number): void {
    if (this.images.pan(entity, dx, dy)) this.dirty = true;
  }

  /** Depth, metres and 3D point of pixel (u, v) of an image entity, from the frame on screen. */
  readout(entity: string, u: number, v: number): PixelReadout | undefined {
    const image = this.cleared.has(entity) ? undefined : this.visuals.get(entity)?.current;
    if (!image) return undefined;
    const found = this.graph.pinholeFor(entity);
    return pixelReadout(entity, image, u, v, found?.pinhole, (rdf) =>
      this.graph.rdfToWorld(found?.path ?? entity, rdf),
    );
  }

  // --- Entities ----------------------------------------------------------------------------------

  setVisible(entity: string, visible: boolean): void {
    if (visible) this.hidden.delete(entity);
    else this.hidden.add(entity);
    this.applyVisibility(entity);
  }

  /**
   * Nothing of `entity` at the time shown (a review cursor before its first message): hide what it last
   * showed (its image, cloud and frustum; no readout, no frame in `stats`) until a message for it comes.
   * The user's own visibility is kept apart.
   */
  clearEntity(entity: string): void {
    if (this.cleared.has(entity)) return;
    this.cleared.add(entity);
    this.applyVisibility(entity);
  }

  private applyVisibility(entity: string): void {
    const visible = !this.hidden.has(entity) && !this.cleared.has(entity);
    this.visuals.get(entity)?.setVisible(visible);
    this.frustums.setEnabled(entity, visible);
    this.dirty = true;
  }

  setColormap(entity: string, colormap: Colormap | undefined): void {
    const visual = this.visuals.get(entity);
    if (!visual) return;
    visual.colormapOverride = colormap;
    visual.flush(this.pinholeArg(entity), performance.now());
    this.dirty = true;
  }

  setRange(entity: string, range: DepthRange | undefined): void {
    const visual = this.visuals.get(entity);
    if (!visual) return;
    visual.rangeOverride = range;
    visual.flush(this.pinholeArg(entity), performance.now());
    this.dirty = true;
  }

  private pinholeArg(entity: string) {
    const found = this.graph.pinholeFor(entity);
    return found ? { pinhole: found.pinhole, frame: this.graph.cameraFrame(found.path) } : undefined;
  }

  imageEntities(): string[] {
    return [...this.visuals.keys()];
  }

  /** Set how a depth entity's cloud is drawn (the room's settings from the Y.Doc); undefined: defaults. */
  setViewSettings(entity: string, settings: CloudViewSettings | undefined): void {
    if (settings) this.viewSettings.set(entity, settings);
    else this.viewSettings.delete(entity);
    this.dirty = true;
  }

  /** The colour images, and which one colours each depth cloud (tests, the benchmark). */
  colorStats(): {
    images: ColorImageStats[];
    clouds: { entity: string; colorEntity: string | undefined; settings: CloudViewSettings | null }[];
  } {
    return {
      images: this.colors.stats(),
      clouds: [...this.visuals.values()].map((v) => ({
        entity: v.path,
        colorEntity: v.cloudColorEntity,
        settings: this.viewSettings.get(v.path) ?? null,
      })),
    };
  }

  stats(): VisualStats[] {
    return [...this.visuals.values()].map((v) => visualStats(v, this.cleared.has(v.path)));
  }

  // --- Projection (hover, tests) -----------------------------------------------------------------

  /** A world point on the canvas (CSS px from its top-left), through the 3D camera; undefined if behind. */
  projectToCanvas(point: Vec3): [number, number] | undefined {
    const panel = this.panel3d();
    if (!panel) return undefined;
    this.camera3d.setPose(this.currentPose);
    const view = this.camera3d.getViewMatrix(true);
    const projection = this.camera3d.getProjectionMatrix(true);
    const clip = Vector3.TransformCoordinates(
      new Vector3(point[0], point[1], point[2]),
      view.multiply(projection),
    );
    const viewSpace = Vector3.TransformCoordinates(new Vector3(point[0], point[1], point[2]), view);
    if (viewSpace.z >= 0) return undefined; // right-handed: the camera looks down -z
    return [panel.x + ((clip.x + 1) / 2) * panel.width, panel.y + ((1 - clip.y) / 2) * panel.height];
  }

  /** Pixel (u, v) of an image entity on the canvas (CSS px), at the pixel's centre, in its 2D panel. */
  imageToCanvas(entity: string, u: number, v: number): [number, number] | undefined {
    const panel = this.panel2d(entity);
    const view = this.images.view(entity);
    if (!panel || !view) return undefined;
    const [x, y] = imageToPanel(view, panel, u + 0.5, v + 0.5);
    return [panel.x + x, panel.y + y];
  }

  // --- Helpers -----------------------------------------------------------------------------------

  private updateFrustum(path: string): void {
    const pinhole = this.graph.pinhole(path);
    if (!pinhole) return;
    const visual = [...this.visuals.values()].find((v) => this.graph.pinholeFor(v.path)?.path === path);
    const [width, height] = pinholeSize(pinhole, visual?.current);
    const index = this.graph.pinholePaths().indexOf(path);
    this.frustums.update(path, pinhole, width, height, index, this.graph.cameraFrame(path));
  }

  setHelpersVisible(grid: boolean, axes: boolean): void {
    this.grid.setEnabled(grid);
    this.axes.setEnabled(axes);
    this.dirty = true;
  }

  dispose(): void {
    for (const visual of this.visuals.values()) visual.dispose();
    this.visuals.clear();
    this.colormaps.dispose();
    for (const view of this.colorViews.values()) view.dispose();
    this.colors.dispose();
    this.graph.dispose();
    this.scene.dispose();
  }
}
