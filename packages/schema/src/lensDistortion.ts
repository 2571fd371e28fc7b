import { z } from "zod";

/*
 * Lens distortion: a Pinhole's optional component, the models and coefficient orders of ROS
 * `sensor_msgs/CameraInfo` (`distortion_model`, `D`) and Foxglove `CameraCalibration`, with OpenCV's
 * maths (the reference the tests hold us to):
 *
 * - `plumb_bob` (Brown-Conrady, OpenCV's 5 coefficients): D = [k1, k2, p1, p2, k3].
 * - `rational_polynomial`: D = [k1, k2, p1, p2, k3, k4, k5, k6].
 *   For normalised (x, y) = (X/Z, Y/Z), r² = x² + y²:
 *     radial = (1 + k1 r² + k2 r⁴ + k3 r⁶) / (1 + k4 r² + k5 r⁴ + k6 r⁶)   (k4..k6 = 0 for plumb_bob)
 *     x' = x radial + 2 p1 x y + p2 (r² + 2 x²)
 *     y' = y radial + p1 (r² + 2 y²) + 2 p2 x y
 * - `kannala_brandt` (Foxglove) / `equidistant` (ROS): OpenCV's fisheye model, D = [k1, k2, k3, k4].
 *     r = sqrt(x² + y²), θ = atan(r), θd = θ (1 + k1 θ² + k2 θ⁴ + k3 θ⁶ + k4 θ⁸), (x', y') = (θd / r) (x, y)
 *
 * Then u = fx x' + cx, v = fy y' + cy. `distort` is the forward map; `undistort` its inverse, found by
 * Newton's method from (x', y') (2x2 Jacobian for the polynomial models, a scalar equation in θ for
 * the fisheye) until the forward map of the answer is within 1e-12 of the input; an answer not within
 * UNDISTORT_TOLERANCE (1e-9, normalised units) after MAX_ITERATIONS is refused (`false`): that pixel
 * has no ray (outside the region where the model is invertible).
 */

/** Each model: its wire id and the names of its coefficients, in D's order. */
export const DISTORTION_MODELS = {
  plumb_bob: { id: 1, coefficients: ["k1", "k2", "p1", "p2", "k3"] },
  rational_polynomial: { id: 2, coefficients: ["k1", "k2", "p1", "p2", "k3", "k4", "k5", "k6"] },
  kannala_brandt: { id: 3, coefficients: ["k1", "k2", "k3", "k4"] },
  equidistant: { id: 4, coefficients: ["k1", "k2", "k3", "k4"] },
} as const;
export type DistortionModel = keyof typeof DISTORTION_MODELS;
export const DISTORTION_MODEL_NAMES = Object.keys(DISTORTION_MODELS) as readonly DistortionModel[];
const MODEL_BY_ID = new Map<number, DistortionModel>(
  DISTORTION_MODEL_NAMES.map((name) => [DISTORTION_MODELS[name].id, name]),
);

/** The model of a wire id, or undefined. */
export function distortionModelOfId(id: number): DistortionModel | undefined {
  return MODEL_BY_ID.get(id);
}

/** Coefficients are finite and at most this in magnitude (real lenses are within a few hundred). */
export const MAX_DISTORTION_COEFFICIENT = 1e6;
export const UNDISTORT_TOLERANCE = 1e-9;
const TARGET = 1e-12;
const MAX_ITERATIONS = 50;

export const lensDistortionSchema = z
  .object({
    model: z.enum(DISTORTION_MODEL_NAMES as [DistortionModel, ...DistortionModel[]]),
    coefficients: z
      .array(z.number().finite().min(-MAX_DISTORTION_COEFFICIENT).max(MAX_DISTORTION_COEFFICIENT))
      .max(8)
      .readonly(),
  })
  .superRefine((d, ctx) => {
    const names = DISTORTION_MODELS[d.model].coefficients;
    if (d.coefficients.length !== names.length) {
      ctx.addIssue({
        code: "custom",
        path: ["coefficients"],
        message: `${d.model} takes ${names.length} coefficients (${names.join(", ")}), got ${d.coefficients.length}`,
      });
    }
  });

/** A model and its coefficients in ROS's `D` order (see DISTORTION_MODELS). */
export interface LensDistortion {
  readonly model: DistortionModel;
  readonly coefficients: readonly number[];
}

/** True for the fisheye models (`kannala_brandt`, `equidistant`). */
export function isFisheye(model: DistortionModel): boolean {
  return model === "kannala_brandt" || model === "equidistant";
}

/** The distorted normalised point of an undistorted one, written to `out[0..1]`. */
export function distort(d: LensDistortion, x: number, y: number, out: Float64Array | number[]): void {
  const c = d.coefficients as number[];
  if (isFisheye(d.model)) {
    const r = Math.sqrt(x * x + y * y);
    if (r < 1e-15) {
      out[0] = x;
      out[1] = y;
      return;
    }
    const [k1, k2, k3, k4] = c as [number, number, number, number];
    const t = Math.atan(r);
    const t2 = t * t;
    const td = t * (1 + t2 * (k1 + t2 * (k2 + t2 * (k3 + t2 * k4))));
    out[0] = (x * td) / r;
    out[1] = (y * td) / r;
    return;
  }
  const [k1, k2, p1, p2, k3] = c as [number, number, number, number, number];
  const k4 = c[5] ?? 0;
  const k5 = c[6] ?? 0;
  const k6 = c[7] ?? 0;
  const r2 = x * x + y * y;
  const radial = (1 + r2 * (k1 + r2 * (k2 + r2 * k3))) / (1 + r2 * (k4 + r2 * (k5 + r2 * k6)));
  out[0] = x * radial + 2 * p1 * x * y + p2 * (r2 + 2 * x * x);
  out[1] = y * radial + p1 * (r2 + 2 * y * y) + 2 * p2 * x * y;
}

/** Steps of the scan of `monotonicRadius` over the angle from the axis, 0 to 90 degrees. */
const DOMAIN_STEPS = 4096;

/**
 * The lens's forward domain: the largest undistorted normalised radius r = |(x, y)| up to which the
 * model's radial map (r R(r²) for the polynomial models, θd(θ) with θ = atan r for the fisheye) still
 * grows, so that a point further out cannot fold back into the image (k1 = -0.3 folds at r = 1.05);
 * Infinity when it grows all the way to 90 degrees. Found by a scan of 4096 steps in θ (the tangential
 * terms, small next to the radial ones, are left out). Projecting into a camera (the colour camera of a
 * cloud) refuses points beyond it, as `undistort` refuses rays there.
 */
export function monotonicRadius(d: LensDistortion): number {
  const c = d.coefficients;
  const fisheye = isFisheye(d.model);
  // Fisheye: θ's polynomial k1..k4. Polynomial models: the numerator's k1, k2, k3 (D[0], D[1], D[4])
  // over the denominator's k4, k5, k6 (D[5..7]).
  const [k1, k2, k3, k4] = fisheye
    ? (c as [number, number, number, number])
    : [c[0] as number, c[1] as number, c[4] as number, 0];
  const [d1, d2, d3] = fisheye ? [0, 0, 0] : [c[5] ?? 0, c[6] ?? 0, c[7] ?? 0];
  let previous = 0;
  for (let i = 1; i < DOMAIN_STEPS; i++) {
    const theta = (i / DOMAIN_STEPS) * (Math.PI / 2);
    const r = Math.tan(theta);
    const r2 = r * r;
    const t2 = theta * theta;
    const distorted = fisheye
      ? theta * (1 + t2 * (k1 + t2 * (k2 + t2 * (k3 + t2 * k4))))
      : (r * (1 + r2 * (k1 + r2 * (k2 + r2 * k3)))) / (1 + r2 * (d1 + r2 * (d2 + r2 * d3)));
    if (!(distorted > previous)) return Math.tan(((i - 1) / DOMAIN_STEPS) * (Math.PI / 2));
    previous = distorted;
  }
  return Number.POSITIVE_INFINITY;
}

const scratch = new Float64Array(2);

/**
 * The undistorted normalised point whose distortion is (xd, yd), written to `out[0..1]`; false (and
 * NaN in `out`) when it does not converge to UNDISTORT_TOLERANCE. With `warmStart`, the polynomial
 * models' Newton iteration starts from `out`'s finite contents (a neighbouring pixel's answer: a ray
 * table converges in fewer steps) instead of (xd, yd).
 */
export function undistort(
  d: LensDistortion,
  xd: number,
  yd: number,
  out: Float64Array | number[],
  warmStart = false,
): boolean {
  if (!(Number.isFinite(xd) && Number.isFinite(yd))) return fail(out);
  return isFisheye(d.model)
    ? undistortFisheye(d.coefficients, xd, yd, out)
    : undistortBrown(d, xd, yd, out, warmStart);
}

function fail(out: Float64Array | number[]): false {
  out[0] = Number.NaN;
  out[1] = Number.NaN;
  return false;
}

function undistortFisheye(
  c: readonly number[],
  xd: number,
  yd: number,
  out: Float64Array | number[],
): boolean {
  const [k1, k2, k3, k4] = c as [number, number, number, number];
  const thetaD = Math.sqrt(xd * xd + yd * yd);
  if (thetaD < 1e-15) {
    out[0] = xd;
    out[1] = yd;
    return true;
  }
  // Solve f(θ) = θ (1 + k1 θ² + k2 θ⁴ + k3 θ⁶ + k4 θ⁸) - θd = 0, f'(θ) = 1 + 3 k1 θ² + ... + 9 k4 θ⁸.
  let theta = Math.min(thetaD, Math.PI / 2 - 1e-6);
  let residual = Number.POSITIVE_INFINITY;
  for (let i = 0; i < MAX_ITERATIONS; i++) {
    const t2 = theta * theta;
    residual = theta * (1 + t2 * (k1 + t2 * (k2 + t2 * (k3 + t2 * k4)))) - thetaD;
    if (Math.abs(residual) < TARGET) break;
    const slope = 1 + t2 * (3 * k1 + t2 * (5 * k2 + t2 * (7 * k3 + t2 * 9 * k4)));
    if (!(Math.abs(slope) > 1e-15)) return fail(out);
    theta -= residual / slope;
    if (!Number.isFinite(theta)) return fail(out);
  }
  // A ray behind the camera (θ >= 90°) or a flip of sign is no answer (as OpenCV's fisheye undistort).
  if (!(Math.abs(residual) <= UNDISTORT_TOLERANCE && theta >= 0 && theta < Math.PI / 2)) return fail(out);
  const scale = Math.tan(theta) / thetaD;
  out[0] = xd * scale;
  out[1] = yd * scale;
  return true;
}

function undistortBrown(
  d: LensDistortion,
  xd: number,
  yd: number,
  out: Float64Array | number[],
  warmStart: boolean,
): boolean {
  const c = d.coefficients;
  const [k1, k2, p1, p2, k3] = c as [number, number, number, number, number];
  const k4 = c[5] ?? 0;
  const k5 = c[6] ?? 0;
  const k6 = c[7] ?? 0;
  const warm = warmStart && Number.isFinite(out[0]) && Number.isFinite(out[1]);
  let x = warm ? (out[0] as number) : xd;
  let y = warm ? (out[1] as number) : yd;
  let error = Number.POSITIVE_INFINITY;
  for (let i = 0; i < MAX_ITERATIONS; i++) {
    distort(d, x, y, scratch);
    const ex = (scratch[0] as number) - xd;
    const ey = (scratch[1] as number) - yd;
    error = Math.sqrt(ex * ex + ey * ey);
    if (error < TARGET) break;
    // Jacobian of (x', y') by (x, y): radial R(r²) = N / M, R' = dR/d(r²).
    const r2 = x * x + y * y;
    const n = 1 + r2 * (k1 + r2 * (k2 + r2 * k3));
    const m = 1 + r2 * (k4 + r2 * (k5 + r2 * k6));
    const dn = k1 + r2 * (2 * k2 + r2 * 3 * k3);
    const dm = k4 + r2 * (2 * k5 + r2 * 3 * k6);
    const radial = n / m;
    const dRadial = (dn * m - n * dm) / (m * m);
    const jxx = radial + 2 * x * x * dRadial + 2 * p1 * y + 6 * p2 * x;
    const jxy = 2 * x * y * dRadial + 2 * p1 * x + 2 * p2 * y;
    const jyy = radial + 2 * y * y * dRadial + 6 * p1 * y + 2 * p2 * x;
    const det = jxx * jyy - jxy * jxy;
    if (!(Math.abs(det) > 1e-15)) return fail(out);
    x -= (jyy * ex - jxy * ey) / det;
    y -= (jxx * ey - jxy * ex) / det;
    if (!(Number.isFinite(x) && Number.isFinite(y))) return fail(out);
  }
  if (!(error <= UNDISTORT_TOLERANCE)) return fail(out);
  // Newton can land on a fold of the polynomial far from the lens's real domain: the distortion must keep
  // the point on the same side of the centre (radial > 0), as a real lens does.
  const r2 = x * x + y * y;
  const radial = (1 + r2 * (k1 + r2 * (k2 + r2 * k3))) / (1 + r2 * (k4 + r2 * (k5 + r2 * k6)));
  if (!(radial > 0)) return fail(out);
  out[0] = x;
  out[1] = y;
  return true;
}

/**
 * The lens distortion of a ROS CameraInfo / Foxglove CameraCalibration (`distortion_model`, `D`), the
 * one rule the MCAP import and the Foxglove bridge share: an empty or all-zero D is no distortion;
 * a known model takes its coefficients, a shorter D padded with zeros (OpenCV's reading), a longer one
 * only when the extra coefficients are all 0 (say 14 for rational_polynomial); anything else (an unknown
 * model with a non-zero D, non-zero extras, non-finite values) is no distortion and a `problem` sentence
 * saying the cloud is drawn without it.
 */
export function distortionFromCameraInfo(
  model: string,
  d: readonly number[],
): { distortion: LensDistortion | undefined; problem?: string } {
  if (d.every((c) => c === 0)) return { distortion: undefined };
  const known = Object.hasOwn(DISTORTION_MODELS, model) ? (model as DistortionModel) : undefined;
  if (!known) {
    return {
      distortion: undefined,
      problem: `distortion model "${model.slice(0, 64)}" is not supported (${DISTORTION_MODEL_NAMES.join(", ")}): drawn without distortion`,
    };
  }
  const count = DISTORTION_MODELS[known].coefficients.length;
  if (d.slice(count).some((c) => c !== 0)) {
    return {
      distortion: undefined,
      problem: `${known} takes ${count} coefficients, D has ${d.length} with non-zero extras: drawn without distortion`,
    };
  }
  const coefficients = Array.from({ length: count }, (_, i) => d[i] ?? 0);
  const parsed = lensDistortionSchema.safeParse({ model: known, coefficients });
  if (!parsed.success) {
    return {
      distortion: undefined,
      problem: `${known} D is not usable (${parsed.error.issues[0]?.message}): drawn without distortion`,
    };
  }
  return { distortion: parsed.data };
}

/** The CameraInfo / CameraCalibration fields of a distortion (none: plumb_bob with a zero D). */
export function cameraInfoDistortion(distortion: LensDistortion | undefined): {
  distortion_model: DistortionModel;
  D: number[];
} {
  return distortion
    ? { distortion_model: distortion.model, D: [...distortion.coefficients] }
    : { distortion_model: "plumb_bob", D: [0, 0, 0, 0, 0] };
}
