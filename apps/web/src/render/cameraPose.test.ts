import { describe, expect, it } from "vitest";
import {
  type CameraPose,
  defaultPose,
  dot,
  fit,
  length,
  normalize,
  orbit,
  orbitAngles,
  pan,
  snapToAxis,
  sub,
  type Vec3,
  zoom,
} from "./cameraPose.ts";

const downIsY: Vec3 = [0, -1, 0];

function close(a: Vec3, b: Vec3, digits = 6) {
  for (let i = 0; i < 3; i++) expect(a[i]).toBeCloseTo(b[i]!, digits);
}

describe("camera pose", () => {
  it("starts behind and above a camera that looks along +Z with y down", () => {
    const pose = defaultPose(downIsY);
    expect(pose.eye[2]).toBeLessThan(pose.target[2]);
    expect(pose.eye[1]).toBeLessThan(pose.target[1]); // above = towards -Y
  });

  it("orbits about the target keeping the distance, and pitch stops short of the pole", () => {
    const pose = defaultPose(downIsY);
    const turned = orbit(pose, 0.5, 0.2, downIsY);
    expect(length(sub(turned.eye, turned.target))).toBeCloseTo(length(sub(pose.eye, pose.target)));
    const angles = orbitAngles(turned, downIsY);
    expect(angles.yaw).toBeCloseTo(orbitAngles(pose, downIsY).yaw + 0.5);
    const top = orbit(pose, 0, 10, downIsY);
    expect(orbitAngles(top, downIsY).pitch).toBeLessThan(Math.PI / 2);
  });

  it("pans eye and target together, zooms towards the target", () => {
    const pose: CameraPose = { eye: [0, 0, -5], target: [0, 0, 0], up: [0, 1, 0], fovY: Math.PI / 2 };
    const moved = pan(pose, 0.1, 0, 1);
    expect(sub(moved.eye, moved.target)).toEqual(sub(pose.eye, pose.target));
    expect(Math.abs(moved.target[0])).toBeCloseTo(1); // 10% of a 10-unit-high view
    const closer = zoom(pose, 0.5);
    close(closer.eye, [0, 0, -2.5]);
  });

  it("fits bounds: aims at their centre and sees the whole sphere around them", () => {
    const pose = defaultPose(downIsY);
    const fitted = fit(pose, { min: [-1, -1, 2], max: [1, 1, 6] }, 1.5);
    close(fitted.target, [0, 0, 4]);
    const radius = Math.hypot(2, 2, 4) / 2;
    const distance = length(sub(fitted.eye, fitted.target));
    expect(Math.asin(radius / distance)).toBeLessThanOrEqual(fitted.fovY / 2);
    // Same viewing direction as before.
    expect(dot(normalize(sub(fitted.eye, fitted.target)), normalize(sub(pose.eye, pose.target)))).toBeCloseTo(
      1,
    );
  });
});

describe("snapToAxis", () => {
  it("snaps a direction to the nearest signed world axis", () => {
    expect(snapToAxis([0.1, -0.9, 0.2])).toEqual([0, -1, 0]);
    expect(snapToAxis([0.2, 0.1, 0.7])).toEqual([0, 0, 1]);
    expect(snapToAxis([-0.8, 0.5, 0])).toEqual([-1, 0, 0]);
    expect(snapToAxis([0, 0, 0])).toEqual([1, 0, 0]);
  });
});
