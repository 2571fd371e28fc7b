import type { Quaternion, Vec3 } from "@depthroom/schema";
import { InputError } from "../inputError.ts";
import { parseMatrix } from "./intrinsics.ts";

/*
 * 7-Scenes / tsdf-fusion (3DMatch) layout:
 *   frame-000000.depth.png   16-bit depth in millimetres (7-Scenes marks no depth with 65535, tsdf-fusion with 0)
 *   frame-000000.pose.txt    4x4 camera-to-world matrix, row-major (optional)
 *   camera-intrinsics.txt    3x3 K, row-major (tsdf-fusion; 7-Scenes publishes fx = fy = 585, cx = 320, cy = 240)
 */

export const SEVEN_SCENES_UNITS_PER_METRE = 1000;
export const SEVEN_SCENES_DEPTH = /^frame-(\d+)\.depth\.png$/;

/** `frame-000012.depth.png` -> `frame-000012.pose.txt`. */
export function poseFileFor(depthFile: string): string {
  return depthFile.replace(/\.depth\.png$/, ".pose.txt");
}

/**
 * A 4x4 camera-to-world matrix as translation + unit quaternion [x, y, z, w]; throws `InputError` when
 * the text is not a 4x4 matrix or its rotation part is not a rotation.
 */
export function parsePoseMatrix(text: string, where: string): { translation: Vec3; rotation: Quaternion } {
  const m = parseMatrix(text, 4, 4, where);
  const at = (r: number, c: number) => (m[r] as number[])[c] as number;
  const last = [at(3, 0), at(3, 1), at(3, 2), at(3, 3)];
  if (
    Math.abs(last[0] as number) > 1e-6 ||
    Math.abs(last[1] as number) > 1e-6 ||
    Math.abs(last[2] as number) > 1e-6 ||
    Math.abs((last[3] as number) - 1) > 1e-6
  ) {
    throw new InputError("data", `${where}: the last row of a pose must be 0 0 0 1, got ${last.join(" ")}`);
  }
  const row = (i: number): Vec3 => [at(i, 0), at(i, 1), at(i, 2)];
  const r: [Vec3, Vec3, Vec3] = [row(0), row(1), row(2)];
  // R must be orthonormal with det +1 (within what a text file's precision allows).
  for (let i = 0; i < 3; i++) {
    for (let j = 0; j < 3; j++) {
      const dot = r.reduce((sum, rowValues) => sum + (rowValues[i] as number) * (rowValues[j] as number), 0);
      if (Math.abs(dot - (i === j ? 1 : 0)) > 1e-3) {
        throw new InputError(
          "data",
          `${where}: the upper-left 3x3 is not a rotation (columns not orthonormal)`,
        );
      }
    }
  }
  const det =
    r[0][0] * (r[1][1] * r[2][2] - r[1][2] * r[2][1]) -
    r[0][1] * (r[1][0] * r[2][2] - r[1][2] * r[2][0]) +
    r[0][2] * (r[1][0] * r[2][1] - r[1][1] * r[2][0]);
  if (det < 0) throw new InputError("data", `${where}: the upper-left 3x3 is a reflection, not a rotation`);
  return { translation: [at(0, 3), at(1, 3), at(2, 3)], rotation: quaternionFromRotation(r) };
}

/** Rotation matrix (rows) -> unit quaternion [x, y, z, w] (Shepperd's method, w >= 0). */
export function quaternionFromRotation(r: readonly [Vec3, Vec3, Vec3]): Quaternion {
  const [[m00, m01, m02], [m10, m11, m12], [m20, m21, m22]] = r;
  const trace = m00 + m11 + m22;
  let q: [number, number, number, number];
  if (trace > 0) {
    const s = Math.sqrt(trace + 1) * 2;
    q = [(m21 - m12) / s, (m02 - m20) / s, (m10 - m01) / s, s / 4];
  } else if (m00 > m11 && m00 > m22) {
    const s = Math.sqrt(1 + m00 - m11 - m22) * 2;
    q = [s / 4, (m01 + m10) / s, (m02 + m20) / s, (m21 - m12) / s];
  } else if (m11 > m22) {
    const s = Math.sqrt(1 + m11 - m00 - m22) * 2;
    q = [(m01 + m10) / s, s / 4, (m12 + m21) / s, (m02 - m20) / s];
  } else {
    const s = Math.sqrt(1 + m22 - m00 - m11) * 2;
    q = [(m02 + m20) / s, (m12 + m21) / s, s / 4, (m10 - m01) / s];
  }
  if (q[3] < 0) q = [-q[0], -q[1], -q[2], -q[3]];
  const n = Math.hypot(...q);
  return [q[0] / n, q[1] / n, q[2] / n, q[3] / n];
}
