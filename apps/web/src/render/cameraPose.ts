/*
 * The 3D view's camera as data (plain numbers, so it can travel: tests read it, and presence will send
 * it to other people): where the eye is, what it looks at, which way is up, the vertical field of view.
 * Orbit, pan, zoom and fit are pure functions of a pose and the world's up direction.
 */

export type Vec3 = readonly [number, number, number];

export interface CameraPose {
  readonly eye: Vec3;
  readonly target: Vec3;
  readonly up: Vec3;
  /** Vertical field of view, radians. */
  readonly fovY: number;
}

export interface Bounds3 {
  readonly min: Vec3;
  readonly max: Vec3;
}

export const DEFAULT_FOV_Y = (50 * Math.PI) / 180;
const MAX_PITCH = (89 * Math.PI) / 180;
const MIN_DISTANCE = 1e-3;

export const add = (a: Vec3, b: Vec3): Vec3 => [a[0] + b[0], a[1] + b[1], a[2] + b[2]];
export const sub = (a: Vec3, b: Vec3): Vec3 => [a[0] - b[0], a[1] - b[1], a[2] - b[2]];
export const scale = (a: Vec3, s: number): Vec3 => [a[0] * s, a[1] * s, a[2] * s];
export const dot = (a: Vec3, b: Vec3): number => a[0] * b[0] + a[1] * b[1] + a[2] * b[2];
export const cross = (a: Vec3, b: Vec3): Vec3 => [
  a[1] * b[2] - a[2] * b[1],
  a[2] * b[0] - a[0] * b[2],
  a[0] * b[1] - a[1] * b[0],
];
export const length = (a: Vec3): number => Math.hypot(a[0], a[1], a[2]);
export const normalize = (a: Vec3): Vec3 => {
  const n = length(a);
  return n > 0 ? scale(a, 1 / n) : [0, 0, 0];
};

/** Two horizontal axes for a world up: `back` (yaw 0 looks from there) and `side`. */
function horizontalBasis(up: Vec3): { back: Vec3; side: Vec3 } {
  // Look from behind a camera that faces +Z (y up or down), or +X (z up), as robotics frames do.
  const hint: Vec3 = Math.abs(up[1]) > 0.5 ? [0, 0, -1] : Math.abs(up[2]) > 0.5 ? [-1, 0, 0] : [0, 0, -1];
  const back = normalize(sub(hint, scale(up, dot(hint, up))));
  return { back, side: cross(up, back) };
}

/** Orbit angles of a pose about its target: yaw around the world up, pitch above the horizon. */
export function orbitAngles(
  pose: CameraPose,
  worldUp: Vec3,
): { yaw: number; pitch: number; distance: number } {
  const offset = sub(pose.eye, pose.target);
  const distance = Math.max(length(offset), MIN_DISTANCE);
  const dir = scale(offset, 1 / distance);
  const { back, side } = horizontalBasis(worldUp);
  const pitch = Math.asin(Math.max(-1, Math.min(1, dot(dir, worldUp))));
  const yaw = Math.atan2(dot(dir, side), dot(dir, back));
  return { yaw, pitch, distance };
}

/** The pose orbiting `target` at (yaw, pitch, distance), upright in the world. */
export function poseFromOrbit(
  target: Vec3,
  yaw: number,
  pitch: number,
  distance: number,
  worldUp: Vec3,
  fovY = DEFAULT_FOV_Y,
): CameraPose {
  const p = Math.max(-MAX_PITCH, Math.min(MAX_PITCH, pitch));
  const { back, side } = horizontalBasis(worldUp);
  const horizontal = add(scale(back, Math.cos(yaw)), scale(side, Math.sin(yaw)));
  const dir = add(scale(horizontal, Math.cos(p)), scale(worldUp, Math.sin(p)));
  return { eye: add(target, scale(dir, Math.max(distance, MIN_DISTANCE))), target, up: worldUp, fovY };
}

/** Rotate about the target: `dYaw` around the world up, `dPitch` towards it (radians). */
export function orbit(pose: CameraPose, dYaw: number, dPitch: number, worldUp: Vec3): CameraPose {
  const { yaw, pitch, distance } = orbitAngles(pose, worldUp);
  return poseFromOrbit(pose.target, yaw + dYaw, pitch + dPitch, distance, worldUp, pose.fovY);
}

/** Move eye and target together by fractions of the view's height (x right, y up on screen). */
export function pan(pose: CameraPose, dxFraction: number, dyFraction: number, aspect: number): CameraPose {
  const forward = normalize(sub(pose.target, pose.eye));
  const right = normalize(cross(forward, pose.up));
  const upOnScreen = cross(right, forward);
  const viewHeight = 2 * length(sub(pose.target, pose.eye)) * Math.tan(pose.fovY / 2);
  const move = add(
    scale(right, -dxFraction * viewHeight * aspect),
    scale(upOnScreen, dyFraction * viewHeight),
  );
  return { ...pose, eye: add(pose.eye, move), target: add(pose.target, move) };
}

/** Move the eye towards (factor < 1) or away from (factor > 1) the target. */
export function zoom(pose: CameraPose, factor: number): CameraPose {
  const offset = sub(pose.eye, pose.target);
  const distance = Math.max(length(offset) * factor, MIN_DISTANCE);
  return { ...pose, eye: add(pose.target, scale(normalize(offset), distance)) };
}

/** Keep the viewing direction, aim at the centre of `bounds` and back off until it all fits. */
export function fit(pose: CameraPose, bounds: Bounds3, aspect: number): CameraPose {
  const center = scale(add(bounds.min, bounds.max), 0.5);
  const radius = Math.max(length(sub(bounds.max, bounds.min)) / 2, 0.05);
  const halfFov = Math.min(pose.fovY, 2 * Math.atan(Math.tan(pose.fovY / 2) * aspect)) / 2;
  const distance = (radius / Math.sin(halfFov)) * 1.05;
  let dir = normalize(sub(pose.eye, pose.target));
  if (length(dir) === 0) dir = [0, 0, -1];
  return { ...pose, target: center, eye: add(center, scale(dir, distance)) };
}

/** The default view: from behind and above the origin, upright. */
export function defaultPose(worldUp: Vec3): CameraPose {
  return poseFromOrbit([0, 0, 2], 0, (25 * Math.PI) / 180, 6, worldUp);
}

/** Bounds of a list of points (flat xyz), or undefined when empty. */
export function boundsOf(points: readonly Vec3[]): Bounds3 | undefined {
  if (points.length === 0) return undefined;
  const min = [Infinity, Infinity, Infinity];
  const max = [-Infinity, -Infinity, -Infinity];
  for (const p of points) {
    for (let i = 0; i < 3; i++) {
      min[i] = Math.min(min[i] as number, p[i] as number);
      max[i] = Math.max(max[i] as number, p[i] as number);
    }
  }
  return { min: min as unknown as Vec3, max: max as unknown as Vec3 };
}

/** The world axis (unit, signed) nearest to direction `v`: +x, -x, +y, ... (ties: the first axis). */
export function snapToAxis(v: Vec3): Vec3 {
  let axis = 0;
  for (let i = 1; i < 3; i++) if (Math.abs(v[i] as number) > Math.abs(v[axis] as number)) axis = i;
  const snapped: [number, number, number] = [0, 0, 0];
  snapped[axis] = Math.sign(v[axis] as number) || 1;
  return snapped;
}
