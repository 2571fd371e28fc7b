/**
 * `viewSettings` (Y.Map, entity path -> settings): how each depth entity's cloud is drawn, shared by the
 * room (issue 16). Whoever edits (the presenter, in a presented room) sets what everyone sees; view
 * links cannot write the doc at all (the relay refuses their updates). Each entity's settings are
 * replaced whole; `createViewSettingsUndoManager` undoes a user's own changes.
 */

import type * as Y from "yjs";
import { z } from "zod";
import { type CollabOrigin, CollabRoot, transact } from "./layout.ts";
import { EntityPathSchema, readVersioned } from "./primitives.ts";
import { observeKeys, originUndoManager } from "./records.ts";
import { validateLocal } from "./validation.ts";

export const VIEW_SETTINGS_VERSION = 1;

/** Depths in metres; a range culls points outside it. */
const MetresSchema = z.number().min(0).max(1e6);

export const CloudViewSettingsSchema = z
  .object({
    /** Colour the cloud by depth (colormap), or from the colour image of its camera when there is one. */
    colorBy: z.enum(["depth", "image"]),
    /**
     * With `colorBy: "image"`, the colour image entity to colour from (any image under a Pinhole); null:
     * the automatic choice (the image under the depth's own Pinhole, else one of a sibling camera).
     */
    colorEntity: EntityPathSchema.nullable().default(null),
    /** Draw only points whose depth (metres) lies in [min, max]; null: the archetype's depth range, if any. */
    cullRange: z
      .tuple([MetresSchema, MetresSchema])
      .refine(([min, max]) => min <= max, "min must not exceed max")
      .nullable(),
    /** Drop flying pixels: points whose neighbours jump by more than `flyingFraction` of their depth. */
    flyingPixels: z.boolean(),
    flyingFraction: z.number().min(0.001).max(1),
    /** Shade points by the normal derived from neighbouring depths. */
    normalShading: z.boolean(),
    /** 2D view: the depth colormap over the colour image with this opacity (1: depth only, 0: colour only). */
    depthOpacity: z.number().min(0).max(1).default(1),
  })
  .strip();
export type CloudViewSettings = z.infer<typeof CloudViewSettingsSchema>;

export const CLOUD_VIEW_DEFAULTS: CloudViewSettings = {
  colorBy: "image",
  colorEntity: null,
  cullRange: null,
  flyingPixels: false,
  flyingFraction: 0.05,
  normalShading: false,
  depthOpacity: 1,
};

function settingsMap(doc: Y.Doc): Y.Map<unknown> {
  return doc.getMap<unknown>(CollabRoot.viewSettings);
}

/** The settings of an entity, or the defaults when none (or an invalid record from a peer) is stored. */
export function getViewSettings(doc: Y.Doc, entityPath: string): CloudViewSettings {
  return (
    readVersioned(settingsMap(doc).get(entityPath), VIEW_SETTINGS_VERSION, CloudViewSettingsSchema) ?? {
      ...CLOUD_VIEW_DEFAULTS,
    }
  );
}

/** The stored settings of an entity, or undefined when none (or an invalid record) is stored. */
export function readViewSettings(doc: Y.Doc, entityPath: string): CloudViewSettings | undefined {
  return (
    readVersioned(settingsMap(doc).get(entityPath), VIEW_SETTINGS_VERSION, CloudViewSettingsSchema) ??
    undefined
  );
}

/** Every entity with valid stored settings. */
export function listViewSettings(doc: Y.Doc): Map<string, CloudViewSettings> {
  const out = new Map<string, CloudViewSettings>();
  settingsMap(doc).forEach((raw, key) => {
    if (!EntityPathSchema.safeParse(key).success) return;
    const settings = readVersioned(raw, VIEW_SETTINGS_VERSION, CloudViewSettingsSchema);
    if (settings) out.set(key, settings);
  });
  return out;
}

/**
 * Set (a change to) an entity's settings: merged over what is stored, validated whole, written in one
 * transaction with `origin`. Throws `CollabValidationError` on bad input.
 */
export function setViewSettings(
  doc: Y.Doc,
  entityPath: string,
  change: Partial<CloudViewSettings>,
  origin?: CollabOrigin,
): CloudViewSettings {
  const path = validateLocal("viewSettings", EntityPathSchema, entityPath);
  const next = validateLocal("viewSettings", CloudViewSettingsSchema, {
    ...getViewSettings(doc, path),
    ...change,
  });
  transact(doc, origin, () => settingsMap(doc).set(path, { v: VIEW_SETTINGS_VERSION, ...next }));
  return next;
}

/** Calls `onChange` with the entity paths whose settings changed (local or remote); returns the unsubscribe. */
export function observeViewSettings(doc: Y.Doc, onChange: (entityPaths: string[]) => void): () => void {
  return observeKeys(settingsMap(doc), onChange);
}

/** Undo / redo of the view-settings changes written with `origin` (a user's own). */
export function createViewSettingsUndoManager(
  doc: Y.Doc,
  origin: CollabOrigin,
  options: { captureTimeout?: number } = {},
): Y.UndoManager {
  return originUndoManager(settingsMap(doc), origin, options.captureTimeout ?? 0);
}
