import type { Matrix } from "@babylonjs/core/Maths/math.vector.js";
import { Vector3 } from "@babylonjs/core/Maths/math.vector.js";
import { type DepthImage, type Pinhole, unprojectPixel } from "@depthroom/schema";
import { type Bounds3, boundsOf, type Vec3 } from "./cameraPose.ts";

/** About this many pixels of each image are unprojected for the bounds. */
const SAMPLES_PER_IMAGE = 4000;

/** Cloud samples per world axis (x, y, z), gathered by `sampleCloud`. */
export type AxisSamples = [number[], number[], number[]];

/** Unproject a strided sample of an image's pixels through its pinhole and camera frame into `out`. */
export function sampleCloud(
  image: DepthImage,
  pinhole: Pinhole,
  cameraToWorld: Matrix,
  out: AxisSamples,
): void {
  const values = image.data;
  const step = Math.max(1, Math.floor(Math.sqrt((image.width * image.height) / SAMPLES_PER_IMAGE)));
  const point = new Vector3();
  for (let v = 0; v < image.height; v += step) {
    for (let u = 0; u < image.width; u += step) {
      const p = unprojectPixel(u, v, Number(values[v * image.width + u]), image.meter, pinhole);
      if (!p) continue;
      Vector3.TransformCoordinatesFromFloatsToRef(p[0], p[1], p[2], cameraToWorld, point);
      out[0].push(point.x);
      out[1].push(point.y);
      out[2].push(point.z);
    }
  }
}

/**
 * World bounds of some exact points (camera positions) and of cloud samples, robust to stray far
 * points: per axis, the samples count from the 1st to the 99th percentile. Sorts `samples` in place.
 * Undefined when there is nothing.
 */
export function robustBounds(points: readonly Vec3[], samples: AxisSamples): Bounds3 | undefined {
  const exact = boundsOf(points);
  const min: number[] = exact ? [...exact.min] : [Infinity, Infinity, Infinity];
  const max: number[] = exact ? [...exact.max] : [-Infinity, -Infinity, -Infinity];
  samples.forEach((axis, i) => {
    if (axis.length === 0) return;
    axis.sort((a, b) => a - b);
    const at = (q: number) =>
      axis[Math.min(axis.length - 1, Math.max(0, Math.round(q * (axis.length - 1))))] as number;
    min[i] = Math.min(min[i] as number, at(0.01));
    max[i] = Math.max(max[i] as number, at(0.99));
  });
  if (!((min[0] as number) <= (max[0] as number))) return undefined;
  return { min: min as unknown as Vec3, max: max as unknown as Vec3 };
}

/** How high the lowest corner of `bounds` lies along the unit vector `up` (the grid goes there). */
export function lowestAlong(bounds: Bounds3, up: Vec3): number {
  let lowest = Infinity;
  for (const x of [bounds.min[0], bounds.max[0]])
    for (const y of [bounds.min[1], bounds.max[1]])
      for (const z of [bounds.min[2], bounds.max[2]])
        lowest = Math.min(lowest, x * up[0] + y * up[1] + z * up[2]);
  return lowest;
}
