/**
 * The two shapes the records of the Y.Doc take, written once for all of them:
 * - a one-key state (`playback`, `presenter`, `recording`, `sessionSettings`): the whole value under `STATE_KEY`, replaced
 *   at once;
 * - a keyed collection (`annotations`, `measurements`, `viewSettings`): one entry per key, listed in one
 *   order on every peer, observed by key, undone per origin.
 * Readers validate and skip what a peer wrote wrong; writers validate local input and throw
 * `CollabValidationError`.
 */
import * as Y from "yjs";
import type { z } from "zod";
import { type CollabOrigin, CollabRoot, STATE_KEY, transact } from "./layout.ts";
import { readVersioned } from "./primitives.ts";
import { validateLocal } from "./validation.ts";

/** A record stored whole under `STATE_KEY` of the root map of its name. */
export interface StateRecord<T extends z.ZodType> {
  readonly name: "playback" | "presenter" | "recording" | "sessionSettings";
  readonly version: number;
  readonly schema: T;
}

/** The stored state, or null if none was set or a peer wrote an invalid one. */
export function readState<T extends z.ZodType>(doc: Y.Doc, record: StateRecord<T>): z.output<T> | null {
  return readVersioned(
    doc.getMap<unknown>(CollabRoot[record.name]).get(STATE_KEY),
    record.version,
    record.schema,
  );
}

/** Replaces the state (validated whole, one transaction), or clears it with null. */
export function writeState<T extends z.ZodType>(
  doc: Y.Doc,
  record: StateRecord<T>,
  state: z.input<T> | null,
  origin?: CollabOrigin,
): void {
  const map = doc.getMap<unknown>(CollabRoot[record.name]);
  if (state === null) {
    if (map.has(STATE_KEY)) transact(doc, origin, () => map.delete(STATE_KEY));
    return;
  }
  const valid = validateLocal(record.name, record.schema, state);
  transact(doc, origin, () => map.set(STATE_KEY, { v: record.version, ...(valid as object) }));
}

/** Every entry `read` accepts, oldest first (by `createdAt`, then `id`: the same order on every peer). */
export function listByCreation<T extends { readonly id: string; readonly createdAt: number }>(
  map: Y.Map<unknown>,
  read: (id: string, value: unknown) => T | null,
): T[] {
  const list: T[] = [];
  for (const [id, value] of map.entries()) {
    const entry = read(id, value);
    if (entry) list.push(entry);
  }
  return list.sort((a, b) => a.createdAt - b.createdAt || (a.id < b.id ? -1 : a.id > b.id ? 1 : 0));
}

/** Deletes the entry under `key`, valid or not. Returns false if there was none. */
export function deleteEntry(doc: Y.Doc, map: Y.Map<unknown>, key: string, origin?: CollabOrigin): boolean {
  if (!map.has(key)) return false;
  transact(doc, origin, () => map.delete(key));
  return true;
}

/** Calls `onChange` with the keys changed by each transaction (local or remote); returns the unsubscribe. */
export function observeKeys(map: Y.Map<unknown>, onChange: (keys: string[]) => void): () => void {
  const handler = (event: Y.YMapEvent<unknown>) => onChange([...event.keysChanged]);
  map.observe(handler);
  return () => map.unobserve(handler);
}

/**
 * An undo manager over `map` that tracks only the writes made with `origin` (one per user or per tab).
 * `origin` must not be null or undefined, since updates applied without an origin
 * (`Y.applyUpdate(doc, update)`) have origin null too.
 */
export function originUndoManager(
  map: Y.Map<unknown>,
  origin: CollabOrigin,
  captureTimeout: number,
): Y.UndoManager {
  if (origin === null || origin === undefined) throw new TypeError("an undo manager needs a non-null origin");
  return new Y.UndoManager(map, { trackedOrigins: new Set([origin]), captureTimeout });
}
