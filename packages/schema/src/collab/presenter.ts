/**
 * `presenter` (Y.Map, one key `state`): who leads and what they look at, for follow mode. Absent when
 * nobody presents. Persisted so late joiners find the presenter; the presenter's live camera also goes
 * out through awareness, so throttle writes here (every write leaves a small tombstone in the doc).
 */

import type * as Y from "yjs";
import { z } from "zod";
import type { CollabOrigin } from "./layout.ts";
import { CameraPoseSchema, CollabUserSchema, EntityPathSchema, EpochMsSchema } from "./primitives.ts";
import { readState, writeState } from "./records.ts";

export const PRESENTER_VERSION = 1;

/** The presenter's view: the 3D scene, or one 2D image entity. */
export const PresenterViewSchema = z.discriminatedUnion("kind", [
  z.object({ kind: z.literal("3d") }),
  z.object({ kind: z.literal("2d"), entityPath: EntityPathSchema }),
]);
export type PresenterView = z.infer<typeof PresenterViewSchema>;

export const PresenterStateSchema = z.object({
  userId: CollabUserSchema.shape.id,
  name: CollabUserSchema.shape.name,
  color: CollabUserSchema.shape.color,
  camera: CameraPoseSchema,
  view: PresenterViewSchema,
  /** Milliseconds since the Unix epoch. */
  updatedAt: EpochMsSchema,
});
export type PresenterState = z.infer<typeof PresenterStateSchema>;
export type PresenterStateInput = z.input<typeof PresenterStateSchema>;

const RECORD = { name: "presenter", version: PRESENTER_VERSION, schema: PresenterStateSchema } as const;

/** The current presenter, or null if nobody presents or a peer wrote an invalid state. */
export function getPresenter(doc: Y.Doc): PresenterState | null {
  return readState(doc, RECORD);
}

/** Sets the presenter, or clears it with null. Throws `CollabValidationError` on bad input. */
export function setPresenter(doc: Y.Doc, state: PresenterStateInput | null, origin?: CollabOrigin): void {
  writeState(doc, RECORD, state, origin);
}
