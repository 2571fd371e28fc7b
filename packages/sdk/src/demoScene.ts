import type { Quaternion, Vec3 } from "@depthroom/schema";

/*
 * The demo rig's synthetic world: a floor, a back wall with a window, an orbiting sphere and a bouncing box, seen by
 * two depth cameras on one rig (the second 0.4 m to the right, turned 12 degrees inwards). Depth is ray
 * cast per pixel, so both cameras see one consistent scene. Frames: RDF (x right, y down, z forward),
 * metres; depth images in millimetres (meter 1000), 0 where a ray hits nothing within 8 m.
 */

export interface DemoCamera {
  /** Entity path of the camera; its depth goes to `<entity>/depth`. */
  readonly entity: string;
  /** Where the camera sits on the rig (parent-from-camera). */
  readonly translation: Vec3;
  readonly rotation: Quaternion;
  readonly width: number;
  readonly height: number;
  readonly fx: number;
  readonly fy: number;
  readonly cx: number;
  readonly cy: number;
}

const TURN = (-12 * Math.PI) / 180;

export function demoCameras(width = 320, height = 240): DemoCamera[] {
  const f = width * 0.8;
  const intrinsics = { width, height, fx: f, fy: f, cx: width / 2 - 0.5, cy: height / 2 - 0.5 };
  return [
    { entity: "world/rig/cam0", translation: [0, 0, 0], rotation: [0, 0, 0, 1], ...intrinsics },
    {
      entity: "world/rig/cam1",
      translation: [0.4, 0, 0],
      rotation: [0, Math.sin(TURN / 2), 0, Math.cos(TURN / 2)],
      ...intrinsics,
    },
  ];
}

const FLOOR_Y = 1.2;
const WALL_Z = 5;
const MAX_DEPTH_M = 8;

/** Render `camera`'s depth at time `t` seconds into `out` (millimetres); returns `out`. */
export function renderDemoDepth(
  camera: DemoCamera,
  t: number,
  out = new Uint16Array(camera.width * camera.height),
): Uint16Array {
  // Rotation matrix of the camera (rig from camera).
  const [qx, qy, qz, qw] = camera.rotation;
  const r00 = 1 - 2 * (qy * qy + qz * qz);
  const r01 = 2 * (qx * qy - qz * qw);
  const r02 = 2 * (qx * qz + qy * qw);
  const r10 = 2 * (qx * qy + qz * qw);
  const r11 = 1 - 2 * (qx * qx + qz * qz);
  const r12 = 2 * (qy * qz - qx * qw);
  const r20 = 2 * (qx * qz - qy * qw);
  const r21 = 2 * (qy * qz + qx * qw);
  const r22 = 1 - 2 * (qx * qx + qy * qy);
  const [ox, oy, oz] = camera.translation;
  // Moving things.
  const sx = Math.sin(t * 0.9) * 1.1;
  const sy = 0.2 + Math.sin(t * 1.7) * 0.25;
  const sz = 3 + Math.cos(t * 0.9) * 0.9;
  const sr = 0.45;
  const bh = 0.3;
  const bx = -0.9 + Math.sin(t * 0.5) * 0.3;
  const by = FLOOR_Y - bh - Math.abs(Math.sin(t * 2.2)) * 0.6;
  const bz = 2.4;
  // Sphere terms that do not depend on the pixel.
  const lx = ox - sx;
  const ly = oy - sy;
  const lz = oz - sz;
  const c = lx * lx + ly * ly + lz * lz - sr * sr;
  const { width, height, fx, fy, cx, cy } = camera;
  let i = 0;
  for (let v = 0; v < height; v++) {
    const yc = (v - cy) / fy;
    for (let u = 0; u < width; u++, i++) {
      const xc = (u - cx) / fx;
      // Ray direction in the rig frame; its camera-frame z is 1, so the hit parameter is the depth.
      const dx = r00 * xc + r01 * yc + r02;
      const dy = r10 * xc + r11 * yc + r12;
      const dz = r20 * xc + r21 * yc + r22;
      let best = MAX_DEPTH_M;
      if (dy > 1e-9) {
        const hit = (FLOOR_Y - oy) / dy;
        if (hit > 0 && hit < best) best = hit;
      }
      if (dz > 1e-9) {
        const hit = (WALL_Z - oz) / dz;
        // The wall has a window: rays through it find nothing (no depth, 0).
        const wx = ox + hit * dx;
        const wy = oy + hit * dy;
        const inWindow = wx > 0.8 && wx < 1.8 && wy > -0.9 && wy < 0.1;
        if (hit > 0 && hit < best && !inWindow) best = hit;
      }
      const a = dx * dx + dy * dy + dz * dz;
      const b = lx * dx + ly * dy + lz * dz;
      const disc = b * b - a * c;
      if (disc >= 0) {
        const hit = (-b - Math.sqrt(disc)) / a;
        if (hit > 0 && hit < best) best = hit;
      }
      best = slab(ox, dx, bx - bh, bx + bh, oy, dy, by - bh, by + bh, oz, dz, bz - bh, bz + bh, best);
      out[i] = best < MAX_DEPTH_M ? Math.round(best * 1000) : 0;
    }
  }
  return out;
}

/** Nearest hit of a ray with an axis-aligned box if closer than `best`, else `best`. */
function slab(
  ox: number,
  dx: number,
  x0: number,
  x1: number,
  oy: number,
  dy: number,
  y0: number,
  y1: number,
  oz: number,
  dz: number,
  z0: number,
  z1: number,
  best: number,
): number {
  let near = 0;
  let far = best;
  // x, y, z slabs, unrolled (this runs per pixel).
  if (Math.abs(dx) < 1e-12) {
    if (ox < x0 || ox > x1) return best;
  } else {
    const ta = (x0 - ox) / dx;
    const tb = (x1 - ox) / dx;
    near = Math.max(near, Math.min(ta, tb));
    far = Math.min(far, Math.max(ta, tb));
    if (near > far) return best;
  }
  if (Math.abs(dy) < 1e-12) {
    if (oy < y0 || oy > y1) return best;
  } else {
    const ta = (y0 - oy) / dy;
    const tb = (y1 - oy) / dy;
    near = Math.max(near, Math.min(ta, tb));
    far = Math.min(far, Math.max(ta, tb));
    if (near > far) return best;
  }
  if (Math.abs(dz) < 1e-12) {
    if (oz < z0 || oz > z1) return best;
  } else {
    const ta = (z0 - oz) / dz;
    const tb = (z1 - oz) / dz;
    near = Math.max(near, Math.min(ta, tb));
    far = Math.min(far, Math.max(ta, tb));
    if (near > far) return best;
  }
  return near > 0 && near < best ? near : best;
}
