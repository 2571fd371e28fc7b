/**
 * `sessionSettings` (Y.Map, one key `state` holding the whole settings): what the room's owner allows
 * the others (issue 20). Written only by edit links: the relay refuses every doc write of a view link,
 * so a view link cannot turn a permission back on for itself. Readers fall back to the defaults when
 * nothing (or an invalid record from a peer) is stored.
 */

import type * as Y from "yjs";
import { z } from "zod";
import { type CollabOrigin, CollabRoot } from "./layout.ts";
import { readState, writeState } from "./records.ts";

export const SESSION_SETTINGS_VERSION = 1;

export const SessionSettingsSchema = z
  .object({
    /** View links may take captures (PNG pictures and clips); edit links always may. */
    viewLinkCaptures: z.boolean(),
  })
  .strip();
export type SessionSettings = z.infer<typeof SessionSettingsSchema>;

/** Captures allowed for everyone until the owner says otherwise. */
export const SESSION_SETTINGS_DEFAULTS: Readonly<SessionSettings> = { viewLinkCaptures: true };

const RECORD = {
  name: "sessionSettings",
  version: SESSION_SETTINGS_VERSION,
  schema: SessionSettingsSchema,
} as const;

/** The room's settings: the stored ones, else the defaults. */
export function getSessionSettings(doc: Y.Doc): SessionSettings {
  return readState(doc, RECORD) ?? { ...SESSION_SETTINGS_DEFAULTS };
}

/**
 * Set (a change to) the settings: merged over what is read now, validated whole, written in one
 * transaction with `origin`. Throws `CollabValidationError` on bad input.
 */
export function setSessionSettings(
  doc: Y.Doc,
  change: Partial<SessionSettings>,
  origin?: CollabOrigin,
): SessionSettings {
  const next = { ...getSessionSettings(doc), ...change };
  writeState(doc, RECORD, next, origin);
  return getSessionSettings(doc);
}

/** Calls `onChange` after every change of the settings (local or remote); returns the unsubscribe. */
export function observeSessionSettings(doc: Y.Doc, onChange: () => void): () => void {
  const map = doc.getMap<unknown>(CollabRoot.sessionSettings);
  const handler = () => onChange();
  map.observe(handler);
  return () => map.unobserve(handler);
}
