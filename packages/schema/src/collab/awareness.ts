/**
 * Awareness state (y-protocols awareness, not persisted, sent at 10-15 Hz): who is here, their camera,
 * pointer and selection. Validate every peer's state with `parseAwarenessState` before use.
 *
 * Awareness is never stored, so no `v` travels with it: AWARENESS_VERSION is the version of this shape,
 * and peers of different versions are kept apart by the protocol version handshake.
 */
import { z } from "zod";
import { CameraPoseSchema, CollabLimits, CollabUserSchema, EntityPathSchema } from "./primitives.ts";

export const AWARENESS_VERSION = 1;

/** Where a user points on a 2D image entity, in pixels. */
export const AwarenessPointerSchema = z.object({
  entityPath: EntityPathSchema,
  u: z.number(),
  v: z.number(),
});
export type AwarenessPointer = z.infer<typeof AwarenessPointerSchema>;

/**
 * A person's camera: the shared pose plus, when the sender knows it, the aspect (width / height) of the
 * view it draws, so others draw its frustum in that shape (optional: peers that do not send it are
 * drawn 4:3). Senders clamp to [0.1, 10].
 */
export const AwarenessCameraSchema = CameraPoseSchema.extend({
  aspect: z.number().min(0.1).max(10).optional(),
});
export type AwarenessCamera = z.infer<typeof AwarenessCameraSchema>;

export const AwarenessStateSchema = z.object({
  user: CollabUserSchema,
  camera: AwarenessCameraSchema.nullable(),
  pointer: AwarenessPointerSchema.nullable(),
  /** What the user selected: an annotation id or an entity path. */
  selection: z.string().max(CollabLimits.selectionLength).nullable(),
  presenting: z.boolean().optional(),
});
export type AwarenessState = z.infer<typeof AwarenessStateSchema>;

/** A peer's awareness state if it is valid, else null (including the empty `{}` of a fresh client). */
export function parseAwarenessState(value: unknown): AwarenessState | null {
  const parsed = AwarenessStateSchema.safeParse(value);
  return parsed.success ? parsed.data : null;
}
