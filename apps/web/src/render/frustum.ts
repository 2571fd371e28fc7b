import { Pinhole, pixelRay } from "@depthroom/schema";
import type { Vec3 } from "./cameraPose.ts";

/** Image plane distance when the pinhole names none, metres. */
export const DEFAULT_IMAGE_PLANE_DISTANCE = 0.5;

/** Segments of each image edge of a distorted camera's frustum (one straight segment without distortion). */
export const EDGE_SEGMENTS = 16;

/** The image size a pinhole describes: its resolution, else the image's, else twice the principal point. */
export function pinholeSize(pinhole: Pinhole, image?: { width: number; height: number }): [number, number] {
  if (pinhole.resolution) return [pinhole.resolution[0], pinhole.resolution[1]];
  if (image) return [image.width, image.height];
  return [2 * pinhole.cx, 2 * pinhole.cy];
}

/**
 * A camera frustum in the RDF camera frame, as line strips: the four rays from the centre to the image
 * corners at `imagePlaneDistance`, the image's outline, and a small triangle above the top edge marking
 * "up" (as Rerun draws it). Each point lies on its pixel's ray (through the lens distortion, as the
 * cloud; a pixel the model cannot invert keeps the plain pinhole's ray). With a distortion the outline is
 * what the image really sees: each edge a polyline of EDGE_SEGMENTS segments through the rays of its
 * border pixels (a barrel lens's straight image edges are curved lines in space).
 */
export function frustumLines(pinhole: Pinhole, width: number, height: number, distance?: number): Vec3[][] {
  const d = distance ?? pinhole.imagePlaneDistance ?? DEFAULT_IMAGE_PLANE_DISTANCE;
  const ray = [0, 0];
  /** The point at `d` on pixel (u, v)'s ray; the plain pinhole's without a ray when `plain`, else none. */
  const at = (u: number, v: number, plain = true): Vec3 | undefined => {
    if (!pixelRay(pinhole, u, v, ray)) {
      if (!plain) return undefined;
      ray[0] = (u - pinhole.cx) / pinhole.fx;
      ray[1] = (v - pinhole.cy) / pinhole.fy;
    }
    return [(ray[0] as number) * d, (ray[1] as number) * d, d];
  };
  const segments = pinhole.distortion ? EDGE_SEGMENTS : 1;
  // The outline clockwise from the top-left corner, each edge from its first corner (the next edge adds
  // the last). Border pixels the lens cannot invert (a strong barrel's corners) are left out: the outline
  // runs through the ones it can, and a corner's ray goes to the outline's nearest point.
  const corners: [number, number][] = [
    [0, 0],
    [width, 0],
    [width, height],
    [0, height],
  ];
  const samples: (Vec3 | undefined)[] = [];
  for (let edge = 0; edge < 4; edge++) {
    const [u0, v0] = corners[edge] as [number, number];
    const [u1, v1] = corners[(edge + 1) % 4] as [number, number];
    for (let i = 0; i < segments; i++) {
      const t = i / segments;
      samples.push(at(u0 + (u1 - u0) * t, v0 + (v1 - v0) * t, false));
    }
  }
  const outline = samples.filter((p): p is Vec3 => p !== undefined);
  const o: Vec3 = [0, 0, 0];
  if (outline.length < 2) {
    // Not one border pixel has a ray (a lens refused everywhere): the plain pinhole's frustum.
    const { fx, fy, cx, cy } = pinhole;
    return frustumLines(Pinhole.fromIntrinsics({ fx, fy, cx, cy }), width, height, d);
  }
  outline.push(outline[0] as Vec3);
  const cornerRay = (index: number): Vec3 => {
    for (let step = 0; step < samples.length; step++) {
      for (const i of [index + step, index - step]) {
        const p = samples[(i + samples.length) % samples.length];
        if (p) return p;
      }
    }
    return o;
  };
  const up = at(width / 2, -height * 0.15) as Vec3;
  return [
    ...corners.map((_, c) => [o, cornerRay(c * segments)]),
    outline,
    [at(width * 0.35, 0) as Vec3, up, at(width * 0.65, 0) as Vec3],
  ];
}
