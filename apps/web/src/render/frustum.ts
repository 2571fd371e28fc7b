import { type Pinhole, pixelRay } from "@depthroom/schema";
import type { Vec3 } from "./cameraPose.ts";

/** Image plane distance when the pinhole names none, metres. */
export const DEFAULT_IMAGE_PLANE_DISTANCE = 0.5;

/** The image size a pinhole describes: its resolution, else the image's, else twice the principal point. */
export function pinholeSize(pinhole: Pinhole, image?: { width: number; height: number }): [number, number] {
  if (pinhole.resolution) return [pinhole.resolution[0], pinhole.resolution[1]];
  if (image) return [image.width, image.height];
  return [2 * pinhole.cx, 2 * pinhole.cy];
}

/**
 * A camera frustum in the RDF camera frame, as line strips: the four rays from the centre to the image
 * corners at `imagePlaneDistance`, the image rectangle, and a small triangle above the top edge
 * marking "up" (as Rerun draws it). Each point lies on its pixel's ray (through the lens distortion, as
 * the cloud; a pixel the model cannot invert keeps the plain pinhole's ray).
 */
export function frustumLines(pinhole: Pinhole, width: number, height: number, distance?: number): Vec3[][] {
  const d = distance ?? pinhole.imagePlaneDistance ?? DEFAULT_IMAGE_PLANE_DISTANCE;
  const ray = [0, 0];
  const at = (u: number, v: number): Vec3 => {
    if (!pixelRay(pinhole, u, v, ray)) {
      ray[0] = (u - pinhole.cx) / pinhole.fx;
      ray[1] = (v - pinhole.cy) / pinhole.fy;
    }
    return [(ray[0] as number) * d, (ray[1] as number) * d, d];
  };
  const tl = at(0, 0);
  const tr = at(width, 0);
  const br = at(width, height);
  const bl = at(0, height);
  const o: Vec3 = [0, 0, 0];
  const up = at(width / 2, -height * 0.15);
  return [
    [o, tl],
    [o, tr],
    [o, br],
    [o, bl],
    [tl, tr, br, bl, tl],
    [at(width * 0.35, 0), up, at(width * 0.65, 0)],
  ];
}
