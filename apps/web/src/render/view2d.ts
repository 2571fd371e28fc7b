/*
 * The 2D view's camera as data: which image point sits at the panel's centre and how many screen
 * pixels one image pixel spans. Image coordinates are continuous: pixel (u, v) covers [u, u+1) x [v, v+1),
 * v grows downwards. In the scene, image point (u, v) lies at world (u, -v, 0).
 */

export interface View2D {
  readonly centerU: number;
  readonly centerV: number;
  /** Screen (CSS) pixels per image pixel. */
  readonly scale: number;
}

export interface Size {
  readonly width: number;
  readonly height: number;
}

const MIN_SCALE = 0.02;
const MAX_SCALE = 256;

/** The whole image, centred, as large as fits (with a small margin). */
export function fitView2D(image: Size, panel: Size, margin = 0.96): View2D {
  const scale = Math.max(
    MIN_SCALE,
    Math.min(panel.width / image.width, panel.height / image.height) * margin,
  );
  return { centerU: image.width / 2, centerV: image.height / 2, scale };
}

/** Panel coordinates (CSS px from the panel's top-left) to continuous image coordinates. */
export function panelToImage(view: View2D, panel: Size, x: number, y: number): [number, number] {
  return [
    view.centerU + (x - panel.width / 2) / view.scale,
    view.centerV + (y - panel.height / 2) / view.scale,
  ];
}

/** Continuous image coordinates to panel coordinates (CSS px). */
export function imageToPanel(view: View2D, panel: Size, u: number, v: number): [number, number] {
  return [
    panel.width / 2 + (u - view.centerU) * view.scale,
    panel.height / 2 + (v - view.centerV) * view.scale,
  ];
}

/** The integer pixel under a panel point, or undefined outside the image. */
export function pixelAt(
  view: View2D,
  panel: Size,
  image: Size,
  x: number,
  y: number,
): [number, number] | undefined {
  const [u, v] = panelToImage(view, panel, x, y);
  const pu = Math.floor(u);
  const pv = Math.floor(v);
  return pu >= 0 && pv >= 0 && pu < image.width && pv < image.height ? [pu, pv] : undefined;
}

/** Zoom by `factor` keeping the image point under (x, y) where it is. */
export function zoomView2D(view: View2D, panel: Size, x: number, y: number, factor: number): View2D {
  const scale = Math.min(MAX_SCALE, Math.max(MIN_SCALE, view.scale * factor));
  const [u, v] = panelToImage(view, panel, x, y);
  return {
    scale,
    centerU: u - (x - panel.width / 2) / scale,
    centerV: v - (y - panel.height / 2) / scale,
  };
}

/** Drag the image by (dx, dy) screen pixels. */
export function panView2D(view: View2D, dx: number, dy: number): View2D {
  return { ...view, centerU: view.centerU - dx / view.scale, centerV: view.centerV - dy / view.scale };
}

/** Orthographic bounds (view space, relative to a camera at world (centerU, -centerV)). */
export function orthoBounds(
  view: View2D,
  panel: Size,
): { left: number; right: number; top: number; bottom: number } {
  const halfW = panel.width / 2 / view.scale;
  const halfH = panel.height / 2 / view.scale;
  return { left: -halfW, right: halfW, top: halfH, bottom: -halfH };
}
