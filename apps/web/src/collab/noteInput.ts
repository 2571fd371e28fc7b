import type { ViewerScene } from "../render/ViewerScene.ts";
import { draftFromClick, type ImagePixel } from "./noteDraft.ts";
import { type NoteDraft, pickCloudPoint } from "./pickPoint.ts";

/*
 * The stage's pointer input for collaboration: one's own press or wheel stops following, a click or
 * drag in note mode proposes a note (the views do not orbit then), and the 2D pixel under the pointer
 * goes out with the pose. Views are found by their `data-view` ("3d" / "2d") and `data-panel-entity`
 * attributes; the collaboration UI (`.collab-ui`) is left alone.
 */

export interface NoteInputHandlers {
  isNoteMode(): boolean;
  /** One's own input on a view (following stops). */
  onOwnInput(): void;
  onDraft(draft: NoteDraft): void;
  /** The 2D pixel under the pointer, null when off every image. */
  onPointer(pixel: ImagePixel | null): void;
}

export function attachNoteInput(
  stage: HTMLElement,
  viewer: ViewerScene,
  handlers: NoteInputHandlers,
): () => void {
  const inCollabUi = (target: EventTarget | null) => (target as HTMLElement | null)?.closest?.(".collab-ui");
  /** The image pixel of a 2D view under a client position, if any. */
  const imageUnder = (
    target: EventTarget | null,
    clientX: number,
    clientY: number,
  ): ImagePixel | undefined => {
    const body = (target as HTMLElement | null)?.closest?.<HTMLElement>('[data-view="2d"]');
    const entity = body?.dataset.panelEntity;
    if (!body || !entity) return undefined;
    const rect = body.getBoundingClientRect();
    const pixel = viewer.pixelAtPanel(entity, clientX - rect.left, clientY - rect.top);
    return pixel ? { entity, u: pixel[0], v: pixel[1] } : undefined;
  };

  let down: { x: number; y: number; target: EventTarget | null } | undefined;
  const pointerDown = (e: PointerEvent) => {
    if (inCollabUi(e.target)) return;
    if (handlers.isNoteMode() && (e.target as HTMLElement | null)?.closest?.("[data-view]")) {
      // In note mode a click picks a point: the 3D view must not start an orbit.
      e.stopPropagation();
      down = { x: e.clientX, y: e.clientY, target: e.target };
      return;
    }
    handlers.onOwnInput();
  };
  const pointerUp = (e: PointerEvent) => {
    if (!down || !handlers.isNoteMode()) return;
    const start = down;
    down = undefined;
    const moved = Math.hypot(e.clientX - start.x, e.clientY - start.y);
    const draft = draftFromClick(
      imageUnder(start.target, start.x, start.y),
      imageUnder(e.target, e.clientX, e.clientY),
      moved,
      () => {
        const rect = stage.getBoundingClientRect();
        return pickCloudPoint(viewer, e.clientX - rect.left, e.clientY - rect.top);
      },
    );
    if (draft) handlers.onDraft(draft);
  };
  const pointerMove = (e: PointerEvent) =>
    handlers.onPointer(imageUnder(e.target, e.clientX, e.clientY) ?? null);
  const pointerLeave = () => handlers.onPointer(null);
  const wheel = (e: WheelEvent) => {
    if (!inCollabUi(e.target)) handlers.onOwnInput();
  };
  stage.addEventListener("pointerdown", pointerDown, true);
  stage.addEventListener("pointerup", pointerUp, true);
  stage.addEventListener("pointermove", pointerMove, { passive: true });
  stage.addEventListener("pointerleave", pointerLeave);
  stage.addEventListener("wheel", wheel, true);
  return () => {
    stage.removeEventListener("pointerdown", pointerDown, true);
    stage.removeEventListener("pointerup", pointerUp, true);
    stage.removeEventListener("pointermove", pointerMove);
    stage.removeEventListener("pointerleave", pointerLeave);
    stage.removeEventListener("wheel", wheel, true);
  };
}
