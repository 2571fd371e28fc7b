import { toFloat32 } from "./datatypes.ts";
import type { DepthImage } from "./depthImage.ts";
import type { Pinhole } from "./pinhole.ts";
import { rdfToCameraXyz } from "./pinhole.ts";
import type { Transform3D } from "./transform3d.ts";

/*
 * Unprojection, the CPU reference for the GPU path (tests and picking use it). As in Rerun's depth
 * cloud shader: a pixel at integer index (u, v) with stored value d lies at z = d / meter,
 * x = (u - cx) z / fx, y = (v - cy) z / fy in RDF (no +0.5 pixel centre); it is valid when z is finite
 * and > 0 (so 0 and NaN mean "no depth"). Then the point goes from RDF into the pinhole's `cameraXyz`
 * frame and through the entity's transforms, nearest first.
 */

/** The RDF point of one pixel, or undefined when the pixel has no depth. */
export function unprojectPixel(
  u: number,
  v: number,
  value: number,
  meter: number,
  pinhole: Pinhole,
): [number, number, number] | undefined {
  const z = value / meter;
  if (!(z > 0 && z < Number.POSITIVE_INFINITY)) return undefined;
  return [((u - pinhole.cx) * z) / pinhole.fx, ((v - pinhole.cy) * z) / pinhole.fy, z];
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
  const { fx, fy, cx, cy } = pinhole;
  const m = rdfToCameraXyz(pinhole.cameraXyz);
  const isRdf = pinhole.cameraXyz === "RDF";
  const out = new Float32Array(values.length * 3);
  let n = 0;
  for (let v = 0; v < height; v++) {
    for (let u = 0; u < width; u++) {
      const z = (values[v * width + u] as number) / meter;
      if (!(z > 0 && z < Number.POSITIVE_INFINITY)) continue;
      let p: [number, number, number] = [((u - cx) * z) / fx, ((v - cy) * z) / fy, z];
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
