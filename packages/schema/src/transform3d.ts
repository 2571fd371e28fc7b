import { z } from "zod";
import type { Decoder, Encoder } from "./binary.ts";
import { DecodeError, ValidationError } from "./errors.ts";
import { parseOrThrow } from "./validate.ts";

/**
 * Transform3D: where an entity sits in its parent entity's frame (Rerun's "parent from child"):
 * `p_parent = rotation * p_child + translation`. The rotation is a quaternion [x, y, z, w], stored
 * normalized.
 */
export const TRANSFORM3D_VERSION = 1;

export type Vec3 = readonly [number, number, number];
export type Quaternion = readonly [number, number, number, number];

export const TRANSFORM3D_DEFAULTS = {
  translation: [0, 0, 0] as Vec3,
  rotation: [0, 0, 0, 1] as Quaternion,
} as const;

export const transform3dSchema = z.object({
  translation: z.tuple([z.number(), z.number(), z.number()]).optional(),
  rotation: z
    .tuple([z.number(), z.number(), z.number(), z.number()])
    .refine((q) => Math.hypot(...q) > 1e-12, "quaternion must not be zero")
    .optional(),
});
export type Transform3DOptions = z.input<typeof transform3dSchema>;

export class Transform3D {
  readonly kind = "Transform3D";
  readonly translation: Vec3;
  readonly rotation: Quaternion;

  constructor(options: Transform3DOptions = {}) {
    const o = parseOrThrow(transform3dSchema, options, "Transform3D");
    this.translation = o.translation ?? TRANSFORM3D_DEFAULTS.translation;
    const q = o.rotation ?? TRANSFORM3D_DEFAULTS.rotation;
    const n = Math.hypot(...q);
    // Leave a unit quaternion bit-identical (so it round-trips exactly); normalize anything else.
    this.rotation = Math.abs(n - 1) < 1e-12 ? q : [q[0] / n, q[1] / n, q[2] / n, q[3] / n];
  }

  /** Apply to a point: `rotation * p + translation`. */
  apply(p: Vec3): [number, number, number] {
    const [x, y, z] = p;
    const [qx, qy, qz, qw] = this.rotation;
    // t = 2 * cross(q.xyz, p); p' = p + w * t + cross(q.xyz, t)
    const tx = 2 * (qy * z - qz * y);
    const ty = 2 * (qz * x - qx * z);
    const tz = 2 * (qx * y - qy * x);
    return [
      x + qw * tx + (qy * tz - qz * ty) + this.translation[0],
      y + qw * ty + (qz * tx - qx * tz) + this.translation[1],
      z + qw * tz + (qx * ty - qy * tx) + this.translation[2],
    ];
  }
}

/* Wire body (see PROTOCOL.md): 3 x f64 translation, 4 x f64 rotation (x, y, z, w). */
export function writeTransform3D(enc: Encoder, t: Transform3D): void {
  for (const v of t.translation) enc.f64(v);
  for (const v of t.rotation) enc.f64(v);
}

export function readTransform3D(dec: Decoder): Transform3D {
  const f = (field: string) => dec.f64(field);
  const translation: [number, number, number] = [
    f("Transform3D.translation"),
    f("Transform3D.translation"),
    f("Transform3D.translation"),
  ];
  const rotation: [number, number, number, number] = [
    f("Transform3D.rotation"),
    f("Transform3D.rotation"),
    f("Transform3D.rotation"),
    f("Transform3D.rotation"),
  ];
  try {
    return new Transform3D({ translation, rotation });
  } catch (error) {
    if (error instanceof ValidationError) throw new DecodeError("invalid-field", error.field, error.message);
    throw error;
  }
}
