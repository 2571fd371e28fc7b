/*
 * Which cloud point is under a click in the 3D view: every image entity's pixels are unprojected with
 * the hover readout's machinery (`ViewerScene.readout`) and projected back through the 3D camera; the
 * nearest on screen wins (a coarse pass, then every pixel around the best one).
 */
import type { Vec3 } from "../render/cameraPose.ts";
import type { ViewerScene } from "../render/ViewerScene.ts";

export interface PickedPoint {
  readonly entity: string;
  readonly u: number;
  readonly v: number;
  readonly world: Vec3;
  /** The point in the entity's camera frame. */
  readonly local: Vec3;
  /** Distance on screen from the click, CSS px. */
  readonly screenDistance: number;
}

/** The cloud point nearest to canvas position (x, y) (CSS px), within `maxPx`, or null. */
export function pickCloudPoint(viewer: ViewerScene, x: number, y: number, maxPx = 16): PickedPoint | null {
  let best: PickedPoint | null = null;
  const consider = (entity: string, u: number, v: number) => {
    const readout = viewer.readout(entity, u, v);
    if (!readout?.worldPoint || !readout.cameraPoint) return;
    const at = viewer.projectToCanvas(readout.worldPoint);
    if (!at) return;
    const d = Math.hypot(at[0] - x, at[1] - y);
    if (d <= maxPx && (!best || d < best.screenDistance))
      best = { entity, u, v, world: readout.worldPoint, local: readout.cameraPoint, screenDistance: d };
  };
  for (const stats of viewer.stats()) {
    if (!stats.visible || !stats.hasCloud || stats.width === 0) continue;
    const { entity, width, height } = stats;
    const step = Math.max(1, Math.floor(Math.sqrt((width * height) / 12_000)));
    for (let v = 0; v < height; v += step) for (let u = 0; u < width; u += step) consider(entity, u, v);
    const coarse = best as PickedPoint | null;
    if (coarse && coarse.entity === entity && step > 1) {
      for (let v = coarse.v - step; v <= coarse.v + step; v++)
        for (let u = coarse.u - step; u <= coarse.u + step; u++)
          if (u >= 0 && v >= 0 && u < width && v < height) consider(entity, u, v);
    }
  }
  return best;
}
