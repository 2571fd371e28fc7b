import { halfToFloat } from "./datatypes.ts";
import type { DepthImage } from "./depthImage.ts";
import { type Pinhole, rdfToCameraXyz } from "./pinhole.ts";
import type { Transform3D } from "./transform3d.ts";
import { unprojectPixel } from "./unproject.ts";

/*
 * Picking a measurement point on a depth image (issue 20): a pixel gives its exact 3D point through its
 * depth and the camera model (`unprojectPixel`, the same rule as the cloud, lens distortion included),
 * so no point-picking structure is needed. A pick that lands on a pixel without depth snaps to the
 * nearest pixel with depth within `snapRadius`.
 */

/** Default snapping reach, in pixels. */
export const MEASURE_SNAP_RADIUS = 8;

export interface DepthPick {
  /** The depth pixel used (integer indices, after snapping). */
  readonly pixel: { readonly u: number; readonly v: number };
  /** Its point in the pinhole's `cameraXyz` frame, then through `transforms` (world, nearest first). */
  readonly world: [number, number, number];
}

/** The depth value stored at integer pixel (u, v) in the image's own unit (before `/ meter`). */
export function depthValueAt(depth: DepthImage, u: number, v: number): number {
  const raw = depth.data[v * depth.width + u];
  if (raw === undefined) return Number.NaN;
  if (typeof raw === "bigint") return Number(raw);
  return depth.datatype === "F16" ? halfToFloat(raw) : raw;
}

function hasDepth(depth: DepthImage, u: number, v: number): boolean {
  const z = depthValueAt(depth, u, v) / depth.meter;
  return z > 0 && z < Number.POSITIVE_INFINITY;
}

/**
 * The pixel nearest to (u, v) (fractional pixel coordinates allowed) for which `has(u, v)` holds, among
 * the pixels of a `width` x `height` image within `radius`, searched in growing rings; undefined when
 * none is within reach or (u, v) is not finite. The web app snaps with its readout as `has`.
 */
export function nearestPixel(
  width: number,
  height: number,
  u: number,
  v: number,
  radius: number,
  has: (u: number, v: number) => boolean,
): { u: number; v: number } | undefined {
  if (!Number.isFinite(u) || !Number.isFinite(v)) return undefined;
  const cu = Math.round(u);
  const cv = Math.round(v);
  const r = Math.max(0, Math.floor(radius));
  let best: { u: number; v: number } | undefined;
  let bestD2 = Number.POSITIVE_INFINITY;
  for (let ring = 0; ring <= r; ring++) {
    // Every pixel of ring k is at least k - 0.5 from (u, v): stop once the best found is nearer.
    if (best && bestD2 <= (ring - 0.5) ** 2) break;
    for (let dv = -ring; dv <= ring; dv++) {
      for (let du = -ring; du <= ring; du++) {
        if (Math.max(Math.abs(du), Math.abs(dv)) !== ring) continue;
        const pu = cu + du;
        const pv = cv + dv;
        if (pu < 0 || pv < 0 || pu >= width || pv >= height) continue;
        const d2 = (pu - u) ** 2 + (pv - v) ** 2;
        if (d2 > r * r || d2 >= bestD2 || !has(pu, pv)) continue;
        best = { u: pu, v: pv };
        bestD2 = d2;
      }
    }
  }
  return best;
}

/** The pixel with depth nearest to (u, v) within `radius` (see `nearestPixel`). */
export function snapToDepth(
  depth: DepthImage,
  u: number,
  v: number,
  radius = MEASURE_SNAP_RADIUS,
): { u: number; v: number } | undefined {
  return nearestPixel(depth.width, depth.height, u, v, radius, (pu, pv) => hasDepth(depth, pu, pv));
}

/**
 * The measurement point of a pick at (u, v) on `depth` seen through `pinhole`: snapped to the nearest
 * pixel with depth, unprojected, moved into the pinhole's `cameraXyz` frame and through `transforms`.
 * Undefined when no pixel with depth (and a ray) is within `radius`.
 */
export function pickDepthPoint(
  depth: DepthImage,
  pinhole: Pinhole,
  u: number,
  v: number,
  options: { transforms?: readonly Transform3D[]; radius?: number } = {},
): DepthPick | undefined {
  const pixel = snapToDepth(depth, u, v, options.radius);
  if (!pixel) return undefined;
  const rdf = unprojectPixel(pixel.u, pixel.v, depthValueAt(depth, pixel.u, pixel.v), depth.meter, pinhole);
  if (!rdf) return undefined;
  let p: [number, number, number] = rdf;
  if (pinhole.cameraXyz !== "RDF") {
    const m = rdfToCameraXyz(pinhole.cameraXyz);
    const row = (i: number) =>
      (m[i] as number) * rdf[0] + (m[i + 1] as number) * rdf[1] + (m[i + 2] as number) * rdf[2];
    p = [row(0), row(3), row(6)];
  }
  for (const t of options.transforms ?? []) p = t.apply(p);
  return { pixel, world: p };
}
