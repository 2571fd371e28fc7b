/*
 * Which cloud point is under a click in the 3D view: every image entity's pixels are unprojected with
 * the hover readout's machinery (`ViewerScene.readout`) and projected back through the 3D camera. Of
 * the points drawn within a few pixels of the click, those on the front-most surface count, and of
 * them the nearest on screen wins; failing that, the nearest on screen within `maxPx`. A coarse pass
 * over every few pixels, then every pixel around the best.
 */
import { length, sub, type Vec3 } from "../render/cameraPose.ts";
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
  /** Distance from the 3D camera's eye, metres. */
  readonly eyeDistance: number;
}

/** Points within this many CSS px of the click count as "under" it. */
const UNDER_PX = 4;
/** Of the points under the click, those this close (relative) to the front-most one are "in front". */
const FRONT_BAND = 0.05;

/** The front-most surface under the click, and on it the point nearest on screen; else nearest on screen. */
function choose(candidates: readonly PickedPoint[]): PickedPoint | null {
  const under = candidates.filter((c) => c.screenDistance <= UNDER_PX);
  const pool = under.length > 0 ? under : candidates;
  if (pool.length === 0) return null;
  let front = Infinity;
  if (under.length > 0) for (const c of under) front = Math.min(front, c.eyeDistance);
  let best: PickedPoint | null = null;
  for (const c of pool) {
    if (under.length > 0 && c.eyeDistance > front * (1 + FRONT_BAND)) continue;
    if (!best || c.screenDistance < best.screenDistance) best = c;
  }
  return best;
}

/** The cloud point under canvas position (x, y) (CSS px), within `maxPx`, or null. */
export function pickCloudPoint(viewer: ViewerScene, x: number, y: number, maxPx = 16): PickedPoint | null {
  const eye = viewer.pose.eye;
  const candidates: PickedPoint[] = [];
  const consider = (entity: string, u: number, v: number) => {
    const readout = viewer.readout(entity, u, v);
    if (!readout?.worldPoint || !readout.cameraPoint) return;
    const at = viewer.projectToCanvas(readout.worldPoint);
    if (!at) return;
    const d = Math.hypot(at[0] - x, at[1] - y);
    if (d > maxPx) return;
    candidates.push({
      entity,
      u,
      v,
      world: readout.worldPoint,
      local: readout.cameraPoint,
      screenDistance: d,
      eyeDistance: length(sub(readout.worldPoint, eye)),
    });
  };
  for (const name of viewer.imageEntities()) {
    const info = viewer.imageInfo(name);
    if (!info?.visible || !info.hasCloud) continue;
    const { entity, width, height } = info;
    const step = Math.max(1, Math.floor(Math.sqrt((width * height) / 12_000)));
    for (let v = 0; v < height; v += step) for (let u = 0; u < width; u += step) consider(entity, u, v);
    const coarse = choose(candidates.filter((c) => c.entity === entity));
    if (coarse && step > 1) {
      for (let v = coarse.v - step; v <= coarse.v + step; v++)
        for (let u = coarse.u - step; u <= coarse.u + step; u++)
          if (u >= 0 && v >= 0 && u < width && v < height) consider(entity, u, v);
    }
  }
  return choose(candidates);
}

/** What a click in pin mode proposes: a pin on a cloud, or a point on a 2D image. */
export type NoteDraft =
  | ({ readonly kind: "pin3d" } & PickedPoint)
  | { readonly kind: "point2d"; readonly entity: string; readonly u: number; readonly v: number }
  | {
      readonly kind: "box2d";
      readonly entity: string;
      readonly u0: number;
      readonly v0: number;
      readonly u1: number;
      readonly v1: number;
    };
