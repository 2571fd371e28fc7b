import { describe, expect, it } from "vitest";
import { defaultPointBudget, MAX_POINT_STRIDE, POINT_BUDGETS, pointStride, pointsAt } from "./pointBudget.ts";

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
