import { AnnotationInputSchema } from "@depthroom/schema";
import { describe, expect, it } from "vitest";
import type { CameraPose } from "../render/cameraPose.ts";
import { annotationFromDraft, draftFromClick } from "./noteDraft.ts";
import type { PickedPoint } from "./pickPoint.ts";

const picked: PickedPoint = {
  entity: "cam/depth",
  u: 1,
  v: 2,
  world: [1, 2, 3],
  local: [0.1, 0.2, 3],
  screenDistance: 1,
  eyeDistance: 3,
};
const nothing = () => null;

describe("draftFromClick", () => {
  it("a drag within one image is a box, corners in order", () => {
    expect(draftFromClick({ entity: "a", u: 30, v: 5 }, { entity: "a", u: 10, v: 40 }, 50, nothing)).toEqual({
      kind: "box2d",
      entity: "a",
      u0: 10,
      v0: 5,
      u1: 30,
      v1: 40,
    });
  });

  it("a drag across images, or from off an image, proposes nothing", () => {
    expect(
      draftFromClick({ entity: "a", u: 1, v: 1 }, { entity: "b", u: 2, v: 2 }, 50, () => picked),
    ).toBeNull();
    expect(draftFromClick(undefined, { entity: "b", u: 2, v: 2 }, 50, () => picked)).toBeNull();
  });

  it("a click on an image is a point; elsewhere a pin on the cloud, if one is under it", () => {
    expect(draftFromClick(undefined, { entity: "a", u: 4, v: 5 }, 2, () => picked)).toEqual({
      kind: "point2d",
      entity: "a",
      u: 4,
      v: 5,
    });
    expect(draftFromClick(undefined, undefined, 2, () => picked)).toEqual({ kind: "pin3d", ...picked });
    expect(draftFromClick(undefined, undefined, 2, nothing)).toBeNull();
  });
});

describe("annotationFromDraft", () => {
  const pose: CameraPose = { eye: [0, 0, -2], target: [0, 0, 1], up: [0, -1, 0], fovY: Math.PI / 4 };
  const time = { timeline: "log_time", value: 1e18 };

  it("makes an annotation the schema accepts, for each kind, with the viewpoint in degrees", () => {
    const drafts = [
      { kind: "pin3d" as const, ...picked },
      { kind: "point2d" as const, entity: "cam/depth", u: 4, v: 5 },
      { kind: "box2d" as const, entity: "cam/depth", u0: 1, v0: 2, u1: 3, v1: 4 },
    ];
    for (const draft of drafts) {
      const input = annotationFromDraft(draft, pose, time, "look here");
      expect(input.kind).toBe(draft.kind);
      expect(input.viewpoint?.fov).toBeCloseTo(45, 10);
      expect(input.time).toEqual(time);
      const parsed = AnnotationInputSchema.safeParse({
        ...input,
        author: { id: "u1", name: "Alice", color: "#ef476f" },
      });
      expect(parsed.success, JSON.stringify(parsed.error?.issues)).toBe(true);
    }
    expect(annotationFromDraft(drafts[0] as never, pose, time, "x").geometry).toEqual({
      world: [1, 2, 3],
      local: [0.1, 0.2, 3],
    });
  });
});
