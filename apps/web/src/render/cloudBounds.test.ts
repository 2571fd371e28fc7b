import { describe, expect, it } from "vitest";
import { type AxisSamples, lowestAlong, robustBounds } from "./cloudBounds.ts";

describe("robustBounds", () => {
  it("spans the cameras and the 1st-99th percentile of the cloud samples, ignoring stray far points", () => {
    const xs = Array.from({ length: 1000 }, (_, i) => i / 1000); // 0 .. 0.999
    const samples: AxisSamples = [[...xs, 500], [...xs], [...xs.map((x) => x + 2), -300]];
    const bounds = robustBounds([[0, -1, 0]], samples)!;
    expect(bounds.min[0]).toBeCloseTo(0, 6); // the camera at x = 0
    expect(bounds.max[0]).toBeLessThan(1); // not 500
    expect(bounds.min[1]).toBe(-1); // the camera
    expect(bounds.min[2]).toBe(0); // the camera; the stray point at -300 does not count
    expect(bounds.max[2]).toBeGreaterThan(2.9);
    expect(bounds.max[2]).toBeLessThan(3);
  });

  it("is undefined with nothing to bound", () => {
    expect(robustBounds([], [[], [], []])).toBeUndefined();
  });
});

describe("lowestAlong", () => {
  it("is the lowest corner's height along up", () => {
    const bounds = { min: [-1, -2, -3] as const, max: [1, 2, 3] as const };
    expect(lowestAlong({ min: [...bounds.min], max: [...bounds.max] }, [0, 1, 0])).toBe(-2);
    expect(lowestAlong({ min: [...bounds.min], max: [...bounds.max] }, [0, -1, 0])).toBe(-2);
    expect(lowestAlong({ min: [...bounds.min], max: [...bounds.max] }, [0, 0, 1])).toBe(-3);
  });
});
