/**
 * Accessors for the `annotations` map (id -> Y.Map). Readers validate every entry and skip what a
 * misbehaving peer wrote; writers validate local input and throw `CollabValidationError`. Every write
 * is one transaction with the caller's origin, so `createAnnotationUndoManager` can track it.
 */
import * as Y from "yjs";
import {
  ANNOTATION_VERSION,
  type Annotation,
  type AnnotationInput,
  AnnotationInputSchema,
  type AnnotationPatch,
  AnnotationPatchSchemas,
  AnnotationSchema,
  type Comment,
  type CommentInput,
  CommentInputSchema,
  CommentSchema,
} from "./annotation.ts";
import { type CollabOrigin, CollabRoot, transact } from "./layout.ts";
import { isSupportedVersion } from "./primitives.ts";
import { deleteEntry, listByCreation, originUndoManager } from "./records.ts";
import { validateLocal } from "./validation.ts";

/** The fields stored as plain values, one Y.Map key each (`thread` is a nested Y.Array). */
const PLAIN_FIELDS = [
  "kind",
  "entityPath",
  "time",
  "geometry",
  "viewpoint",
  "text",
  "author",
  "createdAt",
  "resolved",
] as const;

function annotationsMap(doc: Y.Doc): Y.Map<unknown> {
  return doc.getMap<unknown>(CollabRoot.annotations);
}

/** The entry's nested map if it looks like an annotation of a version we read, else undefined. */
function entryMap(value: unknown): Y.Map<unknown> | undefined {
  if (!(value instanceof Y.Map)) return undefined;
  if (!isSupportedVersion(value.get("v"), ANNOTATION_VERSION)) return undefined;
  return value.get("thread") instanceof Y.Array ? value : undefined;
}

function readComments(thread: Y.Array<unknown>): Comment[] {
  const comments: Comment[] = [];
  for (const item of thread) {
    const parsed = CommentSchema.safeParse(item);
    if (parsed.success) comments.push(parsed.data);
  }
  return comments;
}

function readAnnotation(id: string, value: unknown): Annotation | null {
  const map = entryMap(value);
  if (!map) return null;
  const raw: Record<string, unknown> = { id: map.get("id") };
  for (const field of PLAIN_FIELDS) raw[field] = map.get(field);
  raw.thread = readComments(map.get("thread") as Y.Array<unknown>);
  const parsed = AnnotationSchema.safeParse(raw);
  // The stored id must match its key, so a peer cannot make one annotation pose as another.
  return parsed.success && parsed.data.id === id ? parsed.data : null;
}

/** The annotation with this id, or null if there is none or it is invalid. */
export function getAnnotation(doc: Y.Doc, id: string): Annotation | null {
  return readAnnotation(id, annotationsMap(doc).get(id));
}

/** Every valid annotation, oldest first (by `createdAt`, then `id`: the same order on every peer). */
export function listAnnotations(doc: Y.Doc): Annotation[] {
  return listByCreation(annotationsMap(doc), readAnnotation);
}

/** Adds an annotation and returns its new id. Throws `CollabValidationError` on bad input. */
export function addAnnotation(doc: Y.Doc, input: AnnotationInput, origin?: CollabOrigin): string {
  const valid = validateLocal("annotation", AnnotationInputSchema, input);
  const id = crypto.randomUUID();
  const map = new Y.Map<unknown>();
  transact(doc, origin, () => {
    annotationsMap(doc).set(id, map);
    map.set("v", ANNOTATION_VERSION);
    map.set("id", id);
    for (const field of PLAIN_FIELDS) map.set(field, valid[field]);
    map.set("thread", new Y.Array<unknown>());
  });
  return id;
}

/**
 * Changes an annotation's text, resolved flag or geometry (of its own kind; the kind never changes).
 * Returns false, writing nothing, if the annotation is gone or invalid (a peer may have deleted it).
 * Throws `CollabValidationError` on a bad patch.
 */
export function updateAnnotation(
  doc: Y.Doc,
  id: string,
  patch: AnnotationPatch,
  origin?: CollabOrigin,
): boolean {
  const current = getAnnotation(doc, id);
  if (!current) return false;
  const valid = validateLocal("annotation", AnnotationPatchSchemas[current.kind], patch);
  const map = annotationsMap(doc).get(id) as Y.Map<unknown>;
  transact(doc, origin, () => {
    if (valid.text !== undefined && valid.text !== current.text) map.set("text", valid.text);
    if (valid.resolved !== undefined && valid.resolved !== current.resolved)
      map.set("resolved", valid.resolved);
    if (valid.geometry !== undefined && JSON.stringify(valid.geometry) !== JSON.stringify(current.geometry)) {
      map.set("geometry", valid.geometry);
    }
  });
  return true;
}

/** Deletes the entry under `id`, valid or not. Returns false if there was none. */
export function deleteAnnotation(doc: Y.Doc, id: string, origin?: CollabOrigin): boolean {
  return deleteEntry(doc, annotationsMap(doc), id, origin);
}

/**
 * Appends a comment to an annotation's thread and returns the comment's new id, or null if the
 * annotation is gone or invalid. Throws `CollabValidationError` on bad input.
 */
export function addComment(
  doc: Y.Doc,
  annotationId: string,
  input: CommentInput,
  origin?: CollabOrigin,
): string | null {
  const valid = validateLocal("comment", CommentInputSchema, input);
  if (!getAnnotation(doc, annotationId)) return null;
  const thread = (annotationsMap(doc).get(annotationId) as Y.Map<unknown>).get("thread") as Y.Array<unknown>;
  const comment: Comment = { id: crypto.randomUUID(), ...valid };
  transact(doc, origin, () => thread.push([comment]));
  return comment.id;
}

/** Which annotation ids one transaction touched. Ids are raw keys: read them with `getAnnotation`. */
export interface AnnotationsChange {
  added: string[];
  updated: string[];
  deleted: string[];
  /** The transaction's origin (a provider for remote updates). */
  origin: unknown;
  /** True if the change was made on this doc rather than received from a peer. */
  local: boolean;
}

/** Calls `listener` after each transaction that changes the annotations. Returns the unsubscribe. */
export function observeAnnotations(doc: Y.Doc, listener: (change: AnnotationsChange) => void): () => void {
  const annotations = annotationsMap(doc);
  const handler = (events: Y.YEvent<Y.AbstractType<unknown>>[], transaction: Y.Transaction) => {
    const added = new Set<string>();
    const updated = new Set<string>();
    const deleted = new Set<string>();
    for (const event of events) {
      if (event.target === annotations) {
        for (const [id, { action }] of event.changes.keys) {
          (action === "add" ? added : action === "delete" ? deleted : updated).add(id);
        }
      } else {
        const id = event.path[0];
        if (typeof id === "string") updated.add(id);
      }
    }
    for (const id of added) updated.delete(id);
    for (const id of deleted) updated.delete(id);
    listener({
      added: [...added],
      updated: [...updated],
      deleted: [...deleted],
      origin: transaction.origin,
      local: transaction.local,
    });
  };
  annotations.observeDeep(handler);
  return () => annotations.unobserveDeep(handler);
}

/**
 * An undo manager over the `annotations` map that tracks only the writes made with `origin` (one per
 * user or per tab): pass the same origin to the write accessors; never null (see `originUndoManager`).
 */
export function createAnnotationUndoManager(
  doc: Y.Doc,
  origin: CollabOrigin,
  options: { captureTimeout?: number } = {},
): Y.UndoManager {
  return originUndoManager(annotationsMap(doc), origin, options.captureTimeout ?? 500);
}
