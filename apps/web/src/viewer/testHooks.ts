import { type CloudViewSettings, decodeMessage, type PlaybackState } from "@depthroom/schema";
import type { HandedFrame, RecordingFeed, RecordingFeedStats } from "../playback/recordingFeed.ts";
import type { ReviewController } from "../playback/reviewController.ts";
import type { CameraPose, Vec3 } from "../render/cameraPose.ts";
import type { PointBudgetStats } from "../render/pointBudget.ts";
import { type RayTableBuild, rayTablesOf } from "../render/rayTableTexture.ts";
import type { PanelRect, PixelReadout, ViewerScene, VisualStats } from "../render/ViewerScene.ts";
import type { ViewerStore } from "../state/ViewerStore.ts";
import {
  receivedBytesPerSecond,
  type StatusSummary,
  statusSummary,
  type ViewerState,
} from "../state/viewerState.ts";
import type { SceneHookSources } from "./useViewerScene.ts";

/**
 * `window.__depthroom`: numbers a browser test (or a curious person in the console) needs, read from
 * the live scene rather than scraped from pixels. Client coordinates are CSS pixels of the page.
 */
export interface DepthroomHooks {
  readonly version: 1;
  /** Where frames are decoded: in the frame worker or on the page. */
  decode(): "worker" | "main" | undefined;
  state(): ViewerState;
  status(): StatusSummary;
  /** Wire bytes per second received live, as the status bar shows it in MB/s (undefined before a rate). */
  receivedBytesPerSecond(): number | undefined;
  pose(): CameraPose;
  setPose(pose: CameraPose): void;
  stats(): VisualStats[];
  framesDrawn(): number;
  drawRate(): number;
  /** The 3D view's point budget: budget, stride (every k-th pixel), points drawn per frame (issue 21). */
  points(): PointBudgetStats;
  panels(): PanelRect[];
  /** A world point in page coordinates through the 3D camera; null when behind it or no 3D panel. */
  project(point: Vec3): [number, number] | null;
  /** The centre of image pixel (u, v) of an entity, in page coordinates; null when not shown. */
  pixelToClient(entity: string, u: number, v: number): [number, number] | null;
  /** What the hover readout would show for a pixel. */
  readout(entity: string, u: number, v: number): PixelReadout | null;
  fit(): void;
  lookThrough(entity: string): boolean;
  /** Colour images, and which one colours each depth cloud (issue 16). */
  colors(): ReturnType<ViewerScene["colorStats"]>;
  /** Lens-distortion ray tables built for this page's scene, and where they are built (issue 17). */
  rayTables(): { where: "worker" | "main"; builds: RayTableBuild[] };
  /** Draw an entity's cloud with these view settings on this page only (null: back to the defaults). */
  setLocalViewSettings(entity: string, settings: CloudViewSettings | null): void;
  /** Median and least ms of decoding these wire-message bytes (base64) `runs` times in this page (benchmark). */
  decodeMs(base64: string, runs: number): { median: number; min: number };
  /** The review room's playback; null on a live session's page (or before the recording is open). */
  playback(): PlaybackHooks | null;
}

/** What a review room's page plays (`window.__depthroom.playback()`). */
export interface PlaybackHooks {
  /** The recording's log-time range, ns. */
  readonly startNs: number;
  readonly endNs: number;
  /** The cursor (ns) as of this page's last animation frame. */
  cursorNs(): number;
  /** That cursor with the wall time (this page's `Date.now()`) its animation frame computed it for. */
  lastTick(): { cursorNs: number; wallMs: number };
  /**
   * The cursor this page computes for a wall time of its own clock (`Date.now()`, ms since the epoch),
   * clamped to the range (the page converts it to the relay's clock first).
   */
  cursorAt(wallMs: number): number;
  /** The shared playback state as this page reads it from the room's doc. */
  state(): PlaybackState | null;
  /** `Date.now()` when the playback state last changed here (written here or arrived from a peer). */
  changedAt(): number | null;
  playing(): boolean;
  /** Per entity, the message the feed last handed to the scene (its log time and `frame`). */
  handed(): HandedFrame[];
  feedStats(): RecordingFeedStats;
  /** Play, pause and seek as the controls do (edit links). */
  play(): void;
  pause(): void;
  seek(ns: number): void;
}

declare global {
  interface Window {
    __depthroom?: DepthroomHooks;
  }
}

export function installTestHooks(
  viewer: ViewerScene,
  store: ViewerStore,
  stage: HTMLElement,
  sources: SceneHookSources,
): () => void {
  const { panels, decode } = sources;
  const playback = () => {
    const review = sources.review();
    return review ? reviewPlaybackHooks(review.controller, review.feed) : null;
  };
  const offset = () => {
    const rect = stage.getBoundingClientRect();
    return [rect.left, rect.top] as const;
  };
  const hooks: DepthroomHooks = {
    version: 1,
    decode,
    playback,
    state: () => store.getState(),
    status: () => statusSummary(store.getState(), Date.now()),
    receivedBytesPerSecond: () => receivedBytesPerSecond(store.getState().received, Date.now()),
    pose: () => viewer.pose,
    setPose: (pose) => viewer.setPose(pose),
    stats: () => viewer.stats(),
    framesDrawn: () => viewer.framesDrawn,
    drawRate: () => viewer.drawRate(),
    points: () => viewer.pointBudgetStats(),
    panels: () => {
      const [left, top] = offset();
      return panels().map((p) => ({ ...p, x: p.x + left, y: p.y + top }));
    },
    project: (point) => {
      const p = viewer.projectToCanvas(point);
      const [left, top] = offset();
      return p ? [p[0] + left, p[1] + top] : null;
    },
    pixelToClient: (entity, u, v) => {
      const p = viewer.imageToCanvas(entity, u, v);
      const [left, top] = offset();
      return p ? [p[0] + left, p[1] + top] : null;
    },
    readout: (entity, u, v) => viewer.readout(entity, u, v) ?? null,
    fit: () => viewer.fitToData(),
    colors: () => viewer.colorStats(),
    rayTables: () => {
      const tables = rayTablesOf(viewer.scene);
      return { where: tables.where, builds: [...tables.builds] };
    },
    setLocalViewSettings: (entity, settings) => viewer.setViewSettings(entity, settings ?? undefined),
    lookThrough: (entity) => viewer.lookThrough(entity),
    decodeMs: (base64, runs) => {
      const bytes = Uint8Array.from(atob(base64), (c) => c.charCodeAt(0));
      for (let i = 0; i < 5; i++) decodeMessage(bytes); // warm up the JIT
      const times: number[] = [];
      for (let i = 0; i < runs; i++) {
        const start = performance.now();
        decodeMessage(bytes);
        times.push(performance.now() - start);
      }
      times.sort((a, b) => a - b);
      return { median: times[Math.floor(times.length / 2)] ?? Number.NaN, min: times[0] ?? Number.NaN };
    },
  };
  window.__depthroom = hooks;
  return () => {
    if (window.__depthroom === hooks) delete window.__depthroom;
  };
}

/** `window.__depthroom.playback()` of a review room: its clock and its feed. */
export function reviewPlaybackHooks(controller: ReviewController, feed: RecordingFeed): PlaybackHooks {
  const client = controller.client;
  return {
    startNs: controller.range.startNs,
    endNs: controller.range.endNs,
    cursorNs: () => controller.cursorNs,
    lastTick: () => controller.lastTick(),
    cursorAt: (wallMs) => controller.cursorAt(wallMs),
    state: () => client.getSnapshot().playback,
    changedAt: () => client.playbackChangedAt ?? null,
    playing: () => controller.getView().playing,
    handed: () => feed.handed(),
    feedStats: () => feed.stats(),
    play: () => controller.play(),
    pause: () => controller.pause(),
    seek: (ns) => controller.seek(ns),
  };
}
