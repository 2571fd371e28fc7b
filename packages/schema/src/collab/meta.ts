/**
 * `meta` (Y.Map): the session's title and creation time, one key per field. Each field is read on its
 * own, so one bad field from a peer falls back to its default without hiding the others.
 */

import type * as Y from "yjs";
import { z } from "zod";
import { type CollabOrigin, CollabRoot, transact } from "./layout.ts";
import { CollabLimits, EpochMsSchema } from "./primitives.ts";
import { validateLocal } from "./validation.ts";

export const META_VERSION = 1;

export const CollabMetaSchema = z.object({
  title: z.string().max(CollabLimits.titleLength),
  /** Milliseconds since the Unix epoch; 0 means unknown. */
  createdAt: EpochMsSchema,
});
export type CollabMeta = z.infer<typeof CollabMetaSchema>;

export const META_DEFAULTS: Readonly<CollabMeta> = { title: "", createdAt: 0 };

const fields = CollabMetaSchema.shape;

export function getMeta(doc: Y.Doc): CollabMeta {
  const map = doc.getMap<unknown>(CollabRoot.meta);
  const title = fields.title.safeParse(map.get("title"));
  const createdAt = fields.createdAt.safeParse(map.get("createdAt"));
  return {
    title: title.success ? title.data : META_DEFAULTS.title,
    createdAt: createdAt.success ? createdAt.data : META_DEFAULTS.createdAt,
  };
}

/** Writes the given fields (others are left alone). Throws `CollabValidationError` on bad input. */
export function setMeta(doc: Y.Doc, patch: Partial<CollabMeta>, origin?: CollabOrigin): void {
  const valid = validateLocal("meta", CollabMetaSchema.partial(), patch);
  const map = doc.getMap<unknown>(CollabRoot.meta);
  transact(doc, origin, () => {
    map.set("v", META_VERSION);
    if (valid.title !== undefined) map.set("title", valid.title);
    if (valid.createdAt !== undefined) map.set("createdAt", valid.createdAt);
  });
}
