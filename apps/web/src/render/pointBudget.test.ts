import { Pinhole, unprojectPixel } from "@depthroom/schema";
import { describe, expect, it } from "vitest";
import {
  defaultPointBudget,
  everyKthPixel,
  MAX_POINT_STRIDE,
  POINT_BUDGETS,
  pinholeForStride,
  pointStride,
  pointsAt,
} from "./pointBudget.ts";

describe("the point budget", () => {
  const fourCamerasAnd4k = [
    ...Array.from({ length: 4 }, () => ({ width: 1280, height: 720 })),
    { width: 3840, height: 2160 },
  ];

  it("keeps full density while the budget allows", () => {
    expect(pointStride([{ width: 640, height: 480 }], POINT_BUDGETS.software)).toBe(1);
    expect(pointStride(fourCamerasAnd4k, 20_000_000)).toBe(1);
  });

  it("takes the smallest stride that fits, the same for every cloud", () => {
    for (const budget of [5_000, 50_000, 320_000, 1_000_000, 4_000_000]) {
      const k = pointStride(fourCamerasAnd4k, budget);
      expect(pointsAt(fourCamerasAnd4k, k)).toBeLessThanOrEqual(budget);
      expect(pointsAt(fourCamerasAnd4k, k - 1)).toBeGreaterThan(budget);
    }
    // 12,979,200 points at full density; 320,000 allowed: every 7th pixel in u and v (265,200 points).
    expect(pointStride(fourCamerasAnd4k, 320_000)).toBe(7);
    expect(pointsAt(fourCamerasAnd4k, 7)).toBe(4 * 183 * 103 + 549 * 309);
  });

  it("rounds each image's rows and columns up (an odd size keeps its last pixel)", () => {
    expect(pointsAt([{ width: 5, height: 3 }], 2)).toBe(3 * 2);
    expect(pointStride([{ width: 5, height: 3 }], 6)).toBe(2);
  });

  it("stops at the largest stride", () => {
    expect(pointStride(fourCamerasAnd4k, 1)).toBe(MAX_POINT_STRIDE);
  });

  it("defaults from the device, and ?points= overrides it", () => {
    const swiftShader = "ANGLE (Google, Vulkan 1.3.0 (SwiftShader Device (Subzero)), SwiftShader driver)";
    expect(defaultPointBudget({ renderer: swiftShader, coarsePointer: false })).toBe(POINT_BUDGETS.software);
    expect(defaultPointBudget({ renderer: "ANGLE (Apple, Apple M1)", coarsePointer: true })).toBe(
      POINT_BUDGETS.touch,
    );
    expect(defaultPointBudget({ renderer: "NVIDIA GeForce", coarsePointer: false })).toBe(
      POINT_BUDGETS.desktop,
    );
    expect(defaultPointBudget({ renderer: "NVIDIA", coarsePointer: false, query: "?points=1000" })).toBe(
      1000,
    );
    for (const bad of ["?points=0", "?points=-5", "?points=1e9", "?points=abc", "?points=9999999999"]) {
      expect(defaultPointBudget({ renderer: "NVIDIA", coarsePointer: false, query: bad })).toBe(
        POINT_BUDGETS.desktop,
      );
    }
  });
});

describe("uploading every k-th pixel", () => {
  it("keeps pixels (k i, k j), the last row and column included", () => {
    const width = 7;
    const height = 5;
    const data = Uint16Array.from({ length: width * height }, (_, i) => 100 + i);
    const texels = everyKthPixel(data, width, height, 3);
    // u = 0, 3, 6 of rows v = 0, 3.
    expect([...texels]).toEqual([100, 103, 106, 121, 124, 127]);
    expect(everyKthPixel(data, width, height, 1)).toEqual(data);
    // The buffer given is reused when it fits, replaced when it does not.
    const again = everyKthPixel(data, width, height, 3, texels);
    expect(again).toBe(texels);
    expect(everyKthPixel(data, width, height, 2, texels)).not.toBe(texels);
    expect(everyKthPixel(Float32Array.from(data), width, height, 3)).toBeInstanceOf(Float32Array);
  });

  it("unprojects texel (i, j) under the scaled pinhole as pixel (k i, k j), with lens distortion too", () => {
    const plain = Pinhole.fromIntrinsics({ fx: 525, fy: 530, cx: 319.5, cy: 239.5, width: 640, height: 480 });
    const distorted = new Pinhole({
      imageFromCamera: [600, 0, 0, 0.5, 610, 0, 330, 250, 1],
      resolution: [640, 480],
      distortion: { model: "plumb_bob", coefficients: [-0.3, 0.1, 0.001, -0.002, 0] },
    });
    for (const pinhole of [plain, distorted]) {
      for (const k of [2, 3, 7]) {
        const scaled = pinholeForStride(pinhole, k);
        expect(scaled.resolution).toEqual([Math.ceil(640 / k), Math.ceil(480 / k)]);
        expect(scaled.distortion).toEqual(pinhole.distortion);
        for (const [i, j] of [
          [0, 0],
          [10, 7],
          [Math.floor(639 / k), Math.floor(479 / k)],
        ] as const) {
          const texel = unprojectPixel(i, j, 1500, 1000, scaled)!;
          const pixel = unprojectPixel(k * i, k * j, 1500, 1000, pinhole)!;
          for (let c = 0; c < 3; c++) expect(texel[c]).toBeCloseTo(pixel[c] as number, 9);
        }
      }
    }
  });
});
