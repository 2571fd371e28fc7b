import { describe, expect, it } from "vitest";
import type { CameraPose, Vec3 } from "../render/cameraPose.ts";
import { poseFrustumLines } from "../render/PresenceFrustums.ts";
import {
  DEFAULT_PEER_ASPECT,
  fromCollabPose,
  peersFromStates,
  poseDistance,
  smoothPose,
  toAwarenessCamera,
  toCollabPose,
} from "./presence.ts";

const pose: CameraPose = { eye: [1, 2, 3], target: [0, 0, 2], up: [0, -1, 0], fovY: (50 * Math.PI) / 180 };
const user = { id: "u1", name: "Alice", color: "#ef476f" };

describe("presence", () => {
  it("converts poses to the collab layout (degrees) and back", () => {
    const collab = toCollabPose(pose);
    expect(collab.fov).toBeCloseTo(50, 10);
    expect(collab.position).toEqual([1, 2, 3]);
    expect(poseDistance(fromCollabPose(collab), pose)).toBeLessThan(1e-12);
  });

  it("reads peers from awareness, skipping itself and invalid states", () => {
    const states = new Map<number, unknown>([
      [7, { user, camera: toCollabPose(pose), pointer: null, selection: null, presenting: true }],
      [3, { user: { ...user, id: "u2", name: "Bob" }, camera: null, pointer: null, selection: null }],
      [5, {}], // a fresh client
      [9, { user: { ...user, color: "red" }, camera: null, pointer: null, selection: null }],
      [4, { user, camera: { ...toCollabPose(pose), fov: Number.NaN }, pointer: null, selection: null }],
      [1, { user, camera: null, pointer: null, selection: null }], // ourselves
    ]);
    const peers = peersFromStates(states, 1);
    expect(peers.map((p) => p.clientId)).toEqual([3, 7]);
    expect(peers[1]?.presenting).toBe(true);
    expect(poseDistance(peers[1]?.camera as CameraPose, pose)).toBeLessThan(1e-12);
    expect(peers[0]?.camera).toBeNull();
  });

  it("sends the view aspect with the camera and draws each peer's frustum in its own aspect", () => {
    expect(toAwarenessCamera(pose, 16 / 9).aspect).toBeCloseTo(16 / 9, 12);
    expect(toAwarenessCamera(pose, 1000).aspect).toBe(10);
    expect(toAwarenessCamera(pose, Number.NaN).aspect).toBeUndefined();
    expect(toAwarenessCamera(pose).aspect).toBeUndefined();
    const states = new Map<number, unknown>([
      [2, { user, camera: toAwarenessCamera(pose, 2.5), pointer: null, selection: null }],
      [3, { user, camera: toCollabPose(pose), pointer: null, selection: null }], // an older peer
      [4, { user, camera: { ...toCollabPose(pose), aspect: -1 }, pointer: null, selection: null }],
    ]);
    const peers = peersFromStates(states, 1);
    expect(peers.map((p) => [p.clientId, p.aspect])).toEqual([
      [2, 2.5],
      [3, undefined],
    ]);
    // The image rectangle (strip 4: tl, tr, br, bl) is `aspect` times as wide as it is high.
    const rectangleAspect = (aspect?: number) => {
      const [tl, tr, br] = poseFrustumLines(pose, aspect)[4] as [Vec3, Vec3, Vec3];
      const length = (a: Vec3, b: Vec3) => Math.hypot(a[0] - b[0], a[1] - b[1], a[2] - b[2]);
      return length(tl, tr) / length(tr, br);
    };
    expect(rectangleAspect(2.5)).toBeCloseTo(2.5, 9);
    expect(rectangleAspect()).toBeCloseTo(DEFAULT_PEER_ASPECT, 9);
  });

  it("smooths towards a target independently of the frame rate, and lands on it", () => {
    const target: CameraPose = { ...pose, eye: [3, 2, 3] };
    // Two 8 ms steps move as far as one 16 ms step.
    const twice = smoothPose(smoothPose(pose, target, 8), target, 8);
    const once = smoothPose(pose, target, 16);
    expect(twice.eye[0]).toBeCloseTo(once.eye[0], 10);
    expect(once.eye[0]).toBeGreaterThan(1);
    expect(once.eye[0]).toBeLessThan(3);
    let current = pose;
    for (let i = 0; i < 200 && current !== target; i++) current = smoothPose(current, target, 16);
    expect(current).toBe(target);
  });
});
