/**
 * Building blocks shared by the collaboration records: limits, ids, colours, entity paths, users and
 * camera poses. Every number is finite (zod 4's `z.number()` rejects NaN and ±Infinity).
 */
import { z } from "zod";
import { checkEntityPath, MAX_ENTITY_PATH_BYTES } from "../entityPath.ts";

/** Upper bounds on what a peer may store; anything longer is invalid, never truncated. */
export const CollabLimits = {
  idLength: 128,
  nameLength: 100,
  titleLength: 200,
  textLength: 4000,
  selectionLength: MAX_ENTITY_PATH_BYTES,
} as const;

export const IdSchema = z.string().min(1).max(CollabLimits.idLength);

/** Milliseconds since the Unix epoch (`Date.now()`). */
export const EpochMsSchema = z.number().nonnegative();

/** `#rrggbb`, either case. */
export const ColorSchema = z.string().regex(/^#[0-9a-fA-F]{6}$/, "expected #rrggbb");

export const Vec3Schema = z.tuple([z.number(), z.number(), z.number()]);

/** A valid entity path, normalized (a leading `/` is dropped). */
export const EntityPathSchema = z
  .string()
  .max(MAX_ENTITY_PATH_BYTES + 1)
  .transform((path, ctx) => {
    const checked = checkEntityPath(path);
    if (checked.ok) return checked.path;
    ctx.addIssue({ code: "custom", message: `invalid entity path: ${checked.reason}` });
    return z.NEVER;
  });

/** Who wrote something, or who is here: an annotation's author, a comment's author, a peer's user. */
export const CollabUserSchema = z.object({
  id: IdSchema,
  name: z.string().max(CollabLimits.nameLength),
  color: ColorSchema,
});
export type CollabUser = z.infer<typeof CollabUserSchema>;

/**
 * A 3D viewer camera in world coordinates: eye `position`, look-at `target`, `up` vector, and `fov`, the
 * vertical field of view in degrees, in (0, 180).
 */
export const CameraPoseSchema = z.object({
  position: Vec3Schema,
  target: Vec3Schema,
  up: Vec3Schema,
  fov: z.number().gt(0).lt(180),
});
export type CameraPose = z.infer<typeof CameraPoseSchema>;

/**
 * Reads a versioned record written by a peer: `v` must be an integer in [1, `current`] (a record of a
 * newer, incompatible version is skipped, not guessed at), then the fields are checked by `schema`,
 * which drops `v` and any unknown key. Returns null instead of throwing.
 */
export function readVersioned<T extends z.ZodType>(
  raw: unknown,
  current: number,
  schema: T,
): z.output<T> | null {
  if (typeof raw !== "object" || raw === null) return null;
  const v = (raw as { v?: unknown }).v;
  if (!isSupportedVersion(v, current)) return null;
  const parsed = schema.safeParse(raw);
  return parsed.success ? parsed.data : null;
}

export function isSupportedVersion(v: unknown, current: number): boolean {
  return typeof v === "number" && Number.isInteger(v) && v >= 1 && v <= current;
}
