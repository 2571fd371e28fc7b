import { Pinhole } from "@depthroom/schema";

/**
 * The 3D view's point budget (issue 21): at most `budget` points per frame across all clouds, so a 4K
 * depth image or several cameras stay interactive on a weak GPU. Every cloud is decimated evenly in image
 * space by one stride k (every k-th pixel in u and in v, the point size scaled by k to cover the gaps),
 * the smallest k that fits; k = 1 (full density) whenever the budget allows.
 */

/** Default budgets: a software rasterizer (SwiftShader, llvmpipe), a phone or tablet, a desktop GPU. */
export const POINT_BUDGETS = { software: 320_000, touch: 1_000_000, desktop: 4_000_000 } as const;

/** The largest stride used: a 3840x2160 image at stride 64 is still 60x34 points. */
export const MAX_POINT_STRIDE = 64;

export interface CloudSize {
  readonly width: number;
  readonly height: number;
}

/** Points drawn for clouds of these sizes at stride `k` (pixels u, v with u % k = v % k = 0). */
export function pointsAt(sizes: Iterable<CloudSize>, k: number): number {
  let points = 0;
  for (const { width, height } of sizes) points += Math.ceil(width / k) * Math.ceil(height / k);
  return points;
}

/** The smallest stride whose points fit `budget` (capped at MAX_POINT_STRIDE). */
export function pointStride(sizes: readonly CloudSize[], budget: number): number {
  const all = pointsAt(sizes, 1);
  if (all <= budget) return 1;
  // ceil() rounds each image up, so the estimate sqrt(all / budget) can be one short: step up from it.
  let k = Math.min(MAX_POINT_STRIDE, Math.max(1, Math.floor(Math.sqrt(all / Math.max(1, budget)))));
  while (k < MAX_POINT_STRIDE && pointsAt(sizes, k) > budget) k++;
  return k;
}

/**
 * The device's default budget: `software` when WebGL runs on the CPU (its renderer names SwiftShader,
 * llvmpipe or a software rasterizer), `touch` on a phone or tablet, else `desktop`. `?points=N` on the
 * page's URL overrides it (tests, benchmarks, a person on a weak laptop).
 */
export function defaultPointBudget(device: {
  renderer: string;
  coarsePointer: boolean;
  query?: string;
}): number {
  const asked = new URLSearchParams(device.query ?? "").get("points");
  if (asked !== null && /^\d{1,9}$/.test(asked) && Number(asked) > 0) return Number(asked);
  if (/swiftshader|llvmpipe|software|softpipe/i.test(device.renderer)) return POINT_BUDGETS.software;
  return device.coarsePointer ? POINT_BUDGETS.touch : POINT_BUDGETS.desktop;
}

/** What the stats show of the budget. */
export interface PointBudgetStats {
  readonly budget: number;
  /** Every k-th pixel in u and v (1: full density). */
  readonly stride: number;
  /** Points drawn per frame across the clouds shown. */
  readonly points: number;
  /** Points the clouds hold at full density. */
  readonly fullPoints: number;
}

/**
 * Every k-th pixel of a `width` x `height` image in u and v (pixels (k i, k j)), written into `out` (its
 * ceil(width / k) x ceil(height / k) texels, reused between frames: one is made when it does not fit).
 */
export function everyKthPixel<T extends Uint16Array | Float32Array>(
  data: T,
  width: number,
  height: number,
  k: number,
  out?: T,
): T {
  const size = Math.ceil(width / k) * Math.ceil(height / k);
  const texels =
    out && out.length === size && out.constructor === data.constructor
      ? out
      : (new (data.constructor as { new (n: number): T })(size) as T);
  let i = 0;
  for (let v = 0; v < height; v += k) {
    const row = v * width;
    for (let u = 0; u < width; u += k) texels[i++] = data[row + u] as number;
  }
  return texels;
}

/**
 * The pinhole of the texels `everyKthPixel` keeps: the first two rows of K divided by k, so texel (i, j)
 * unprojects exactly as pixel (k i, k j) does (lens distortion acts on the same normalized coordinates).
 */
export function pinholeForStride(pinhole: Pinhole, k: number): Pinhole {
  const m = [...pinhole.imageFromCamera];
  for (const i of [0, 1, 3, 4, 6, 7]) m[i] = (m[i] as number) / k;
  return new Pinhole({
    imageFromCamera: m,
    ...(pinhole.resolution
      ? { resolution: [Math.ceil(pinhole.resolution[0] / k), Math.ceil(pinhole.resolution[1] / k)] }
      : {}),
    cameraXyz: pinhole.cameraXyz,
    ...(pinhole.imagePlaneDistance !== undefined ? { imagePlaneDistance: pinhole.imagePlaneDistance } : {}),
    ...(pinhole.distortion ? { distortion: pinhole.distortion } : {}),
  });
}
