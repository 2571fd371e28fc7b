import { toFloat32 } from "./datatypes.ts";
import type { DepthImage } from "./depthImage.ts";
import { distort, undistort } from "./lensDistortion.ts";
import type { Pinhole } from "./pinhole.ts";
import { rdfToCameraXyz } from "./pinhole.ts";
import type { Transform3D } from "./transform3d.ts";

/*
 * Unprojection, the CPU reference for the GPU path (tests and picking use it). As in Rerun's depth
 * cloud shader: a pixel at integer index (u, v) with stored value d lies at z = d / meter on the ray
 * (x, y, 1) through it (no +0.5 pixel centre): without distortion x = (u - cx) / fx, y = (v - cy) / fy;
 * with the pinhole's lens distortion, (x, y) = undistort((u - cx) / fx, (v - cy) / fy) (lensDistortion.ts).
 * The point is (x z, y z, z) in RDF; it is valid when z is finite and > 0 (so 0 and NaN mean "no
 * depth") and the pixel has a ray. Then the point goes from RDF into the pinhole's `cameraXyz` frame and
 * through the entity's transforms, nearest first. `projectPoint` is the inverse: RDF point to pixel.
 */

/**
 * The undistorted normalised ray (x, y) of pixel (u, v), written to `out[0..1]`; false (NaN in `out`)
 * when the distortion model cannot invert there.
 */
export function pixelRay(
  pinhole: Pinhole,
  u: number,
  v: number,
  out: Float64Array | number[],
  warmStart = false,
): boolean {
  const xd = (u - pinhole.cx) / pinhole.fx;
  const yd = (v - pinhole.cy) / pinhole.fy;
  if (pinhole.distortion) return undistort(pinhole.distortion, xd, yd, out, warmStart);
  out[0] = xd;
  out[1] = yd;
  return true;
}

/** The pixel (u, v) an RDF point projects to (through the distortion), or undefined behind the camera. */
export function projectPoint(
  pinhole: Pinhole,
  point: readonly [number, number, number],
): [number, number] | undefined {
  const [x, y, z] = point;
  if (!(z > 0)) return undefined;
  const out = [x / z, y / z];
  if (pinhole.distortion) distort(pinhole.distortion, out[0] as number, out[1] as number, out);
  return [pinhole.fx * (out[0] as number) + pinhole.cx, pinhole.fy * (out[1] as number) + pinhole.cy];
}

/**
 * Every pixel's undistorted normalised ray, interleaved (x, y) row-major, NaN where the pixel has no ray:
 * what the GPU's ray table holds (built once per intrinsics and size).
 */
export function rayTable(pinhole: Pinhole, width: number, height: number): Float32Array {
  const table = new Float32Array(width * height * 2);
  const ray = new Float64Array(2);
  for (let v = 0, i = 0; v < height; v++) {
    for (let u = 0; u < width; u++, i += 2) {
      // Each pixel starts from its left neighbour's ray (the row's first from its own distorted point).
      pixelRay(pinhole, u, v, ray, u > 0);
      table[i] = ray[0] as number;
      table[i + 1] = ray[1] as number;
    }
  }
  return table;
}

/** The RDF point of one pixel, or undefined when the pixel has no depth (or no ray). */
export function unprojectPixel(
  u: number,
  v: number,
  value: number,
  meter: number,
  pinhole: Pinhole,
): [number, number, number] | undefined {
  const z = value / meter;
  if (!(z > 0 && z < Number.POSITIVE_INFINITY)) return undefined;
  const ray = [0, 0];
  if (!pixelRay(pinhole, u, v, ray)) return undefined;
  return [(ray[0] as number) * z, (ray[1] as number) * z, z];
}

/**
 * x, y, z of every valid pixel in row-major pixel order, in the pinhole's `cameraXyz` frame, then
 * through `transforms` (from the camera entity up towards the world, nearest first) when given.
 */
export function unproject(
  depth: DepthImage,
  pinhole: Pinhole,
  transforms: readonly Transform3D[] = [],
): Float32Array {
  const values = toFloat32(depth.data, depth.datatype);
  const { width, height, meter } = depth;
  const ray = new Float64Array(2);
  const m = rdfToCameraXyz(pinhole.cameraXyz);
  const isRdf = pinhole.cameraXyz === "RDF";
  const out = new Float32Array(values.length * 3);
  let n = 0;
  for (let v = 0; v < height; v++) {
    for (let u = 0; u < width; u++) {
      const z = (values[v * width + u] as number) / meter;
      if (!(z > 0 && z < Number.POSITIVE_INFINITY)) continue;
      if (!pixelRay(pinhole, u, v, ray)) continue;
      let p: [number, number, number] = [(ray[0] as number) * z, (ray[1] as number) * z, z];
      if (!isRdf) p = applyRowMajor3(m, p);
      for (const t of transforms) p = t.apply(p);
      out[n++] = p[0];
      out[n++] = p[1];
      out[n++] = p[2];
    }
  }
  return out.slice(0, n);
}

function applyRowMajor3(
  m: readonly number[],
  p: readonly [number, number, number],
): [number, number, number] {
  const [x, y, z] = p;
  const r = (i: number) => (m[i] as number) * x + (m[i + 1] as number) * y + (m[i + 2] as number) * z;
  return [r(0), r(3), r(6)];
}
