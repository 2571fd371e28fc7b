import type * as Y from "yjs";

/** Names of the Y.Doc's root types. */
export const CollabRoot = {
  meta: "meta",
  annotations: "annotations",
  playback: "playback",
  presenter: "presenter",
  recording: "recording",
  viewSettings: "viewSettings",
  measurements: "measurements",
  sessionSettings: "sessionSettings",
} as const;

/** The single key of the `playback`, `presenter`, `recording` and `sessionSettings` maps: the whole state is replaced at once. */
export const STATE_KEY = "state";

/**
 * The transaction origin of a write. Pass the same value to `createAnnotationUndoManager` to make a
 * user's edits undoable; omitted, the origin is `null`.
 */
export type CollabOrigin = unknown;

export function transact(doc: Y.Doc, origin: CollabOrigin, write: () => void): void {
  doc.transact(write, origin ?? null);
}
