import type { PanelRect, ViewerScene } from "../render/ViewerScene.ts";
import { drawMeasureOverlays } from "./overlays.ts";

/*
 * A picture of one view (the 3D view or a 2D panel) at 1x or 2x (issue 20). Scale 1 is one image pixel
 * per CSS pixel of the panel, whatever the screen's pixel ratio; scale 2 is twice as wide and twice as
 * high. The scene draws once at that scale on its own canvas (the engine's hardware scaling level set
 * to 1 / scale, so every shader, point size and viewport is the one of a normal frame), the panel's
 * pixels are copied out in the same task, and the scale is put back and drawn again before the browser
 * shows anything: nobody sees the canvas at the other size. (Babylon's render-target screenshot was
 * tried first: it renders our shader materials in a pass of its own before they are ready and crashed
 * the page.)
 */

export const CAPTURE_SCALES = [1, 2] as const;
export type CaptureScale = (typeof CAPTURE_SCALES)[number];

/** Why a capture could not be made, with a code the UI names. */
export class CaptureError extends Error {
  constructor(
    readonly code: "no-view" | "too-large" | "no-canvas" | "unsupported" | "encode-failed" | "cancelled",
    message: string,
  ) {
    super(message);
    this.name = "CaptureError";
  }
}

/** The size of a panel's picture at `scale`: its whole CSS pixels times the scale, even when `even`
 *  (video encoders want that). */
export function captureSize(
  panel: Pick<PanelRect, "width" | "height">,
  scale: number,
  even = false,
): { width: number; height: number } {
  const round = (n: number) => {
    // The panel's size in whole CSS pixels first, so that 2x is exactly twice 1x.
    const whole = Math.max(1, Math.round(Math.max(1, Math.round(n)) * scale));
    return even ? Math.max(2, whole - (whole % 2)) : whole;
  };
  return { width: round(panel.width), height: round(panel.height) };
}

/**
 * Draw the scene at `scale` and copy `panel` into `into` (resized to `captureSize`), then restore the
 * scale. Synchronous: the copy is taken before anything else runs on the page.
 */
export function drawPanel(
  viewer: ViewerScene,
  panel: PanelRect,
  scale: number,
  into: HTMLCanvasElement | OffscreenCanvas,
  options: { even?: boolean } = {},
): void {
  const engine = viewer.engine;
  const canvas = engine.getRenderingCanvas();
  if (!canvas) throw new CaptureError("no-canvas", "The viewer has no canvas to capture.");
  const size = captureSize(panel, scale, options.even);
  const cssWidth = canvas.clientWidth || canvas.width;
  const cssHeight = canvas.clientHeight || canvas.height;
  const limit = engine.getCaps().maxRenderTextureSize || 4096;
  if (cssWidth * scale > limit || cssHeight * scale > limit)
    throw new CaptureError(
      "too-large",
      `${Math.round(cssWidth * scale)} x ${Math.round(cssHeight * scale)} is more than this GPU draws (${limit}).`,
    );
  const context = into.getContext("2d") as
    | CanvasRenderingContext2D
    | OffscreenCanvasRenderingContext2D
    | null;
  if (!context) throw new CaptureError("no-canvas", "No 2D canvas to copy the picture into.");
  if (into.width !== size.width) into.width = size.width;
  if (into.height !== size.height) into.height = size.height;
  const level = engine.getHardwareScalingLevel();
  try {
    engine.setHardwareScalingLevel(1 / scale);
    drawNow(viewer);
    const kx = canvas.width / cssWidth;
    const ky = canvas.height / cssHeight;
    context.drawImage(
      canvas,
      panel.x * kx,
      panel.y * ky,
      panel.width * kx,
      panel.height * ky,
      0,
      0,
      size.width,
      size.height,
    );
  } finally {
    engine.setHardwareScalingLevel(level);
    drawNow(viewer);
  }
}

/** Upload what is pending and draw, changed or not: a capture reads the canvas right after. */
function drawNow(viewer: ViewerScene): void {
  viewer.requestDraw();
  viewer.frame();
}

/** A PNG of `panel` at `scale`, with the measurements' lines and labels drawn in. */
export async function capturePng(viewer: ViewerScene, panel: PanelRect, scale: CaptureScale): Promise<Blob> {
  const canvas = document.createElement("canvas");
  drawPanel(viewer, panel, scale, canvas);
  const stage = viewer.engine.getRenderingCanvas()?.parentElement;
  const context = canvas.getContext("2d");
  if (stage && context)
    drawMeasureOverlays(context, stage, panel, canvas.width / panel.width, canvas.height / panel.height);
  const blob = await new Promise<Blob | null>((resolve) => canvas.toBlob(resolve, "image/png"));
  if (!blob) throw new CaptureError("encode-failed", "The browser could not encode the PNG.");
  return blob;
}

/** Save `blob` as a download named `name`. */
export function download(blob: Blob, name: string): void {
  const url = URL.createObjectURL(blob);
  const a = document.createElement("a");
  a.href = url;
  a.download = name;
  a.style.display = "none";
  document.body.append(a);
  a.click();
  a.remove();
  setTimeout(() => URL.revokeObjectURL(url), 10_000);
}

/** A file name's part for a time in ns since the epoch: `2026-12-04T23-30-05.123Z`. */
export function fileTime(ns: number): string {
  return new Date(ns / 1e6).toISOString().replace(/:/g, "-");
}

/** `depthroom-<session 8>-<view>-<time>[-<end time>].<ext>`: what, where and when, safe in any file system. */
export function captureFileName(parts: {
  source: string;
  view: string;
  startNs: number;
  endNs?: number;
  ext: string;
}): string {
  const safe = (s: string) => s.replace(/[^A-Za-z0-9_-]+/g, "_").replace(/^_+|_+$/g, "");
  const times = [fileTime(parts.startNs), ...(parts.endNs !== undefined ? [fileTime(parts.endNs)] : [])];
  return `depthroom-${safe(parts.source).slice(0, 8)}-${safe(parts.view)}-${times.join("_to_")}.${parts.ext}`;
}
