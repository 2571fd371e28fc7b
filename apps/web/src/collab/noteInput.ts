import type { ViewerScene } from "../render/ViewerScene.ts";
import { LONG_PRESS_MS, TAP_SLOP_PX } from "../viewer/panelInput.ts";
import { draftFromClick, type ImagePixel } from "./noteDraft.ts";
import { type NoteDraft, pickCloudPoint } from "./pickPoint.ts";

/*
 * The stage's pointer input for collaboration: one's own press or wheel stops following, a click or
 * drag in note mode proposes a note (the views do not orbit then), a long press of one finger on a view
 * anchors a note there (touch, issue 21: the pixel of a 2D view, the cloud point of the 3D view), and
 * the 2D pixel under the pointer goes out with the pose. Views are found by their `data-view` ("3d" /
 * "2d") and `data-panel-entity` attributes; the collaboration UI (`.collab-ui`) is left alone.
 */

export interface NoteInputHandlers {
  isNoteMode(): boolean;
  /** Whether a long press may anchor a note (an edit link). */
  canAnchor(): boolean;
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

  /** A note proposed where the pointer is (no drag): the 2D pixel there, else the cloud point. */
  const draftAt = (target: EventTarget | null, clientX: number, clientY: number) => {
    const pixel = imageUnder(target, clientX, clientY);
    return draftFromClick(pixel, pixel, 0, () => {
      const rect = stage.getBoundingClientRect();
      return pickCloudPoint(viewer, clientX - rect.left, clientY - rect.top);
    });
  };

  // A long press of one finger (touch): held LONG_PRESS_MS without moving, on a view; a second finger
  // (a pinch) cancels it. Heard in the bubble phase, so a press another tool took at the stage's capture
  // phase (note mode above, Measure mode: measureInput.ts) never starts one.
  const fingers = new Set<number>();
  let press: { id: number; x: number; y: number; timer: ReturnType<typeof setTimeout> } | undefined;
  const cancelPress = () => {
    if (press) clearTimeout(press.timer);
    press = undefined;
  };
  const startPress = (e: PointerEvent) => {
    if (e.pointerType !== "touch" || inCollabUi(e.target)) return;
    fingers.add(e.pointerId);
    cancelPress();
    if (fingers.size > 1 || !handlers.canAnchor()) return;
    const { target, clientX, clientY } = e;
    if (!(target as HTMLElement | null)?.closest?.("[data-view]")) return;
    press = {
      id: e.pointerId,
      x: clientX,
      y: clientY,
      timer: setTimeout(() => {
        press = undefined;
        if (!handlers.canAnchor()) return;
        const draft = draftAt(target, clientX, clientY);
        if (draft) handlers.onDraft(draft);
      }, LONG_PRESS_MS),
    };
  };
  const pressMove = (e: PointerEvent) => {
    if (press?.id === e.pointerId && Math.hypot(e.clientX - press.x, e.clientY - press.y) > TAP_SLOP_PX)
      cancelPress();
  };
  const pressEnd = (e: PointerEvent) => {
    fingers.delete(e.pointerId);
    if (press?.id === e.pointerId) cancelPress();
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
    pressEnd(e);
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
  const pointerMove = (e: PointerEvent) => {
    pressMove(e);
    handlers.onPointer(imageUnder(e.target, e.clientX, e.clientY) ?? null);
  };
  const pointerLeave = () => handlers.onPointer(null);
  const wheel = (e: WheelEvent) => {
    if (!inCollabUi(e.target)) handlers.onOwnInput();
  };
  stage.addEventListener("pointerdown", pointerDown, true);
  stage.addEventListener("pointerdown", startPress);
  stage.addEventListener("pointerup", pointerUp, true);
  stage.addEventListener("pointercancel", pressEnd, true);
  stage.addEventListener("pointermove", pointerMove, { passive: true });
  stage.addEventListener("pointerleave", pointerLeave);
  stage.addEventListener("wheel", wheel, true);
  return () => {
    cancelPress();
    stage.removeEventListener("pointerdown", pointerDown, true);
    stage.removeEventListener("pointerdown", startPress);
    stage.removeEventListener("pointerup", pointerUp, true);
    stage.removeEventListener("pointercancel", pressEnd, true);
    stage.removeEventListener("pointermove", pointerMove);
    stage.removeEventListener("pointerleave", pointerLeave);
    stage.removeEventListener("wheel", wheel, true);
  };
}
