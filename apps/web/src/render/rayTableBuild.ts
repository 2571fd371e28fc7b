import { type LensDistortion, Pinhole, rayTable } from "@depthroom/schema";

/*
 * The build of a ray table (issue 17), without Babylon: what the ray-table worker (rayTableWorker.ts)
 * runs, and the page when it has no worker. A table is the schema's `rayTable` (each pixel's undistorted
 * normalised ray, Newton from its left neighbour's answer) as RG32F texels, pixels without a ray at
 * NO_RAY (a NaN would not survive every driver's float path). It depends only on the request's fields,
 * so it is built once per key and moved (not copied) to the page.
 */

/** The x of a pixel without a ray; the shader tests `x < 1e38`. */
export const NO_RAY = 3e38;

/** What a table depends on: K, the lens distortion and the image size. */
export interface RayTableRequest {
  readonly key: string;
  readonly fx: number;
  readonly fy: number;
  readonly cx: number;
  readonly cy: number;
  readonly distortion: LensDistortion | undefined;
  readonly width: number;
  readonly height: number;
}

/** A built table (its buffer transferred), or why none was built. */
export type RayTableAnswer =
  | { readonly key: string; readonly table: Float32Array; readonly ms: number }
  | { readonly key: string; readonly error: string };

/** The request for a pinhole's table at an image size (the key names every field it depends on). */
export function rayTableRequest(pinhole: Pinhole, width: number, height: number): RayTableRequest {
  const { fx, fy, cx, cy, distortion } = pinhole;
  const lens = distortion ? `${distortion.model}:${distortion.coefficients.join(",")}` : "";
  return {
    key: `${fx},${fy},${cx},${cy}|${lens}|${width}x${height}`,
    fx,
    fy,
    cx,
    cy,
    distortion,
    width,
    height,
  };
}

/** Build the table a request names; a request that is not a camera (it crossed a thread) answers an error. */
export function buildRayTable(request: RayTableRequest): RayTableAnswer {
  const start = performance.now();
  try {
    const { fx, fy, cx, cy, distortion, width, height } = request;
    if (!(Number.isInteger(width) && Number.isInteger(height) && width > 0 && height > 0)) {
      throw new RangeError(`ray table size ${width} x ${height} is not an image size`);
    }
    const table = rayTable(Pinhole.fromIntrinsics({ fx, fy, cx, cy, distortion }), width, height);
    for (let i = 0; i < table.length; i += 2) {
      if (Number.isNaN(table[i]) || Number.isNaN(table[i + 1])) {
        table[i] = NO_RAY;
        table[i + 1] = NO_RAY;
      }
    }
    return { key: request.key, table, ms: performance.now() - start };
  } catch (error) {
    return { key: request.key, error: error instanceof Error ? error.message : String(error) };
  }
}
