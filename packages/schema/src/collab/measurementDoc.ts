/**
 * Accessors for the `measurements` map (id -> `{ v, ...Measurement }`, replaced whole). Readers validate
 * every entry and skip what a misbehaving peer wrote; writers validate local input and throw
 * `CollabValidationError`. Every write is one transaction with the caller's origin, so
 * `createMeasurementUndoManager` can undo a user's own.
 */
import type * as Y from "yjs";
import { type CollabOrigin, CollabRoot, transact } from "./layout.ts";
import {
  MEASUREMENT_VERSION,
  type Measurement,
  type MeasurementInput,
  MeasurementInputSchema,
  type MeasurementPatch,
  MeasurementPatchSchema,
  MeasurementSchema,
} from "./measurement.ts";
import { readVersioned } from "./primitives.ts";
import { deleteEntry, listByCreation, observeKeys, originUndoManager } from "./records.ts";
import { validateLocal } from "./validation.ts";

function measurementsMap(doc: Y.Doc): Y.Map<unknown> {
  return doc.getMap<unknown>(CollabRoot.measurements);
}

function readMeasurement(id: string, raw: unknown): Measurement | null {
  const m = readVersioned(raw, MEASUREMENT_VERSION, MeasurementSchema);
  // The stored id must match its key, so a peer cannot make one measurement pose as another.
  return m && m.id === id ? m : null;
}

/** The measurement with this id, or null if there is none or it is invalid. */
export function getMeasurement(doc: Y.Doc, id: string): Measurement | null {
  return readMeasurement(id, measurementsMap(doc).get(id));
}

/** Every valid measurement, oldest first (by `createdAt`, then `id`: the same order on every peer). */
export function listMeasurements(doc: Y.Doc): Measurement[] {
  return listByCreation(measurementsMap(doc), readMeasurement);
}

/** Adds a measurement and returns its new id. Throws `CollabValidationError` on bad input. */
export function addMeasurement(doc: Y.Doc, input: MeasurementInput, origin?: CollabOrigin): string {
  const valid = validateLocal("measurement", MeasurementInputSchema, input);
  const id = crypto.randomUUID();
  transact(doc, origin, () => measurementsMap(doc).set(id, { v: MEASUREMENT_VERSION, id, ...valid }));
  return id;
}

/**
 * Changes a measurement's points or completeness (the kind's point count still holds). Returns false,
 * writing nothing, if it is gone or invalid. Throws `CollabValidationError` on a bad patch.
 */
export function updateMeasurement(
  doc: Y.Doc,
  id: string,
  patch: MeasurementPatch,
  origin?: CollabOrigin,
): boolean {
  const current = getMeasurement(doc, id);
  if (!current) return false;
  const valid = validateLocal("measurement", MeasurementPatchSchema, patch);
  const next = validateLocal("measurement", MeasurementSchema, {
    ...current,
    ...(valid.points ? { points: valid.points } : {}),
    ...(valid.complete !== undefined ? { complete: valid.complete } : {}),
  });
  transact(doc, origin, () => measurementsMap(doc).set(id, { v: MEASUREMENT_VERSION, ...next }));
  return true;
}

/** Deletes the entry under `id`, valid or not. Returns false if there was none. */
export function deleteMeasurement(doc: Y.Doc, id: string, origin?: CollabOrigin): boolean {
  return deleteEntry(doc, measurementsMap(doc), id, origin);
}

/** Calls `onChange` with the ids changed by each transaction (local or remote); returns the unsubscribe. */
export function observeMeasurements(doc: Y.Doc, onChange: (ids: string[]) => void): () => void {
  return observeKeys(measurementsMap(doc), onChange);
}

/** Undo / redo of the measurement writes made with `origin` (a user's own). */
export function createMeasurementUndoManager(
  doc: Y.Doc,
  origin: CollabOrigin,
  options: { captureTimeout?: number } = {},
): Y.UndoManager {
  return originUndoManager(measurementsMap(doc), origin, options.captureTimeout ?? 0);
}
