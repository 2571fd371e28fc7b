import { DepthImage, Pinhole } from "@depthroom/schema";
import { describe, expect, it } from "vitest";
import type { Vec3 } from "./cameraPose.ts";
import { pixelReadout } from "./pixelReadout.ts";

const image = () => {
  const data = new Uint16Array(4 * 3);
  data[1 * 4 + 2] = 2000; // (u 2, v 1): 2 m
  return new DepthImage(data, { width: 4, height: 3, meter: 1000 });
};
const pinhole = Pinhole.fromIntrinsics({ fx: 2, fy: 2, cx: 1.5, cy: 1, width: 4, height: 3 });
const shifted = (p: Vec3): Vec3 => [p[0] + 10, p[1], p[2]];

describe("pixelReadout", () => {
  it("reads depth in metres and unprojects the pixel into the camera frame and the world", () => {
    const r = pixelReadout("cam", image(), 2, 1, pinhole, shifted)!;
    expect(r.value).toBe(2000);
    expect(r.depthMeters).toBe(2);
    // x = (u - cx) z / fx = (2 - 1.5) * 2 / 2, y = (v - cy) z / fy = 0
    expect(r.cameraPoint?.[0]).toBeCloseTo(0.5, 9);
    expect(r.cameraPoint?.[1]).toBeCloseTo(0, 9);
    expect(r.cameraPoint?.[2]).toBeCloseTo(2, 9);
    expect(r.worldPoint?.[0]).toBeCloseTo(10.5, 9);
  });

  it("says no depth for 0, no point without a pinhole, nothing outside the image", () => {
    expect(pixelReadout("cam", image(), 0, 0, pinhole, shifted)).toMatchObject({
      value: undefined,
      depthMeters: undefined,
      cameraPoint: undefined,
    });
    expect(pixelReadout("cam", image(), 2, 1, undefined, shifted)).toMatchObject({
      depthMeters: 2,
      cameraPoint: undefined,
      worldPoint: undefined,
    });
    expect(pixelReadout("cam", image(), 4, 0, pinhole, shifted)).toBeUndefined();
    expect(pixelReadout("cam", image(), -1, 0, pinhole, shifted)).toBeUndefined();
  });
});
