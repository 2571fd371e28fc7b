import type { AnnotationInput, TimelineTime } from "@depthroom/schema";
import type { CameraPose } from "../render/cameraPose.ts";
import type { NoteDraft, PickedPoint } from "./pickPoint.ts";

/** An image pixel of a 2D view under the pointer. */
export interface ImagePixel {
  readonly entity: string;
  readonly u: number;
  readonly v: number;
}

/** A press that moved more than this many CSS px is a drag. */
export const DRAG_PX = 6;

/**
 * What a click or drag in note mode proposes. `from` is the 2D pixel under the press, `to` the one under
 * the release (either may be off any image), `movedPx` how far the pointer travelled, and `pick3d` picks
 * a cloud point under the release when it is on no image. A drag within one image is a box, a click on
 * an image a point, a click elsewhere a pin on the cloud; anything else proposes nothing.
 */
export function draftFromClick(
  from: ImagePixel | undefined,
  to: ImagePixel | undefined,
  movedPx: number,
  pick3d: () => PickedPoint | null,
): NoteDraft | null {
  if (movedPx > DRAG_PX) {
    if (!from || !to || from.entity !== to.entity) return null;
    return {
      kind: "box2d",
      entity: to.entity,
      u0: Math.min(from.u, to.u),
      v0: Math.min(from.v, to.v),
      u1: Math.max(from.u, to.u),
      v1: Math.max(from.v, to.v),
    };
  }
  if (to) return { kind: "point2d", entity: to.entity, u: to.u, v: to.v };
  const picked = pick3d();
  return picked ? { kind: "pin3d", ...picked } : null;
}

/** The annotation a saved draft becomes: its geometry, the viewpoint it was made from and its time. */
export function annotationFromDraft(
  draft: NoteDraft,
  pose: CameraPose,
  time: TimelineTime,
  text: string,
): Omit<AnnotationInput, "author"> {
  const common = {
    entityPath: draft.entity,
    time,
    viewpoint: {
      position: [...pose.eye] as [number, number, number],
      target: [...pose.target] as [number, number, number],
      up: [...pose.up] as [number, number, number],
      fov: (pose.fovY * 180) / Math.PI,
    },
    text,
  };
  switch (draft.kind) {
    case "pin3d":
      return { kind: "pin3d", geometry: { world: [...draft.world], local: [...draft.local] }, ...common };
    case "box2d": {
      const { u0, v0, u1, v1 } = draft;
      return { kind: "box2d", geometry: { u0, v0, u1, v1 }, ...common };
    }
    case "point2d":
      return { kind: "point2d", geometry: { u: draft.u, v: draft.v }, ...common };
    default: {
      const unhandled: never = draft;
      throw new TypeError(`unhandled draft ${(unhandled as { kind: string }).kind}`);
    }
  }
}
