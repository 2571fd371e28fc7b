import { listViewSettings, observeViewSettings, readViewSettings } from "@depthroom/schema";
import type * as Y from "yjs";
import type { ViewerScene } from "../render/ViewerScene.ts";

/**
 * The room's per-entity view settings (the Y.Doc's `viewSettings`, issue 16) drawn by the scene: all of
 * them at once, then each entity again when a write (this tab's or a peer's) changes it. Every page
 * of the room draws what the doc holds, so followers see what the presenter set. Returns the unbind.
 */
export function bindViewSettings(doc: Y.Doc, viewer: ViewerScene): () => void {
  for (const [entity, settings] of listViewSettings(doc)) viewer.setViewSettings(entity, settings);
  return observeViewSettings(doc, (entities) => {
    for (const entity of entities) viewer.setViewSettings(entity, readViewSettings(doc, entity));
  });
}
