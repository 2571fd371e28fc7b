import { describe, expect, it } from "vitest";
import { robustRange, smoothRange } from "./autoRange.ts";

describe("robustRange", () => {
  it("ignores no-depth values (0 and NaN) and outliers beyond the percentiles", () => {
    const values = new Float32Array(10_000);
    for (let i = 0; i < values.length; i++) values[i] = 1000 + (i % 1000);
    values.fill(0, 0, 500);
    values[600] = Number.NaN;
    values[700] = 1e9; // one outlier
    const range = robustRange(values);
    expect(range).toBeDefined();
    expect(range!.min).toBeGreaterThanOrEqual(1000);
    expect(range!.min).toBeLessThan(1020);
    expect(range!.max).toBeGreaterThan(1980);
    expect(range!.max).toBeLessThanOrEqual(1999);
  });

  it("gives the exact levels of Rerun's depth_image_3d example (three regions)", () => {
    const values = new Uint16Array(300 * 200).fill(65535);
    values.fill(20000, 0, 10_000);
    values.fill(45000, 10_000, 19_000);
    expect(robustRange(values)).toEqual({ min: 20000, max: 65535 });
  });

  it("is undefined when nothing is valid, and never empty for a flat image", () => {
    expect(robustRange(new Uint16Array(100))).toBeUndefined();
    const flat = robustRange(new Uint16Array(100).fill(500));
    expect(flat!.min).toBe(500);
    expect(flat!.max).toBeGreaterThan(500);
  });

  it("strides over large images", () => {
    const values = new Float32Array(1280 * 720).fill(2.5);
    values.fill(5, 0, 1000);
    const range = robustRange(values, { maxSamples: 4096 });
    expect(range!.min).toBe(2.5);
  });
});

describe("smoothRange", () => {
  it("takes the first range as is", () => {
    expect(smoothRange(undefined, { min: 1, max: 2 }, 33)).toEqual({ min: 1, max: 2 });
  });

  it("keeps the same object while frames wobble inside the dead band (no flicker)", () => {
    const first = { min: 1000, max: 3000 };
    let shown = smoothRange(undefined, first, 0);
    for (let i = 0; i < 100; i++) {
      const wobble = (i % 2 ? 1 : -1) * 40; // 2% of the span
      shown = smoothRange(shown, { min: 1000 + wobble, max: 3000 - wobble }, 33);
      expect(shown).toBe(first);
    }
  });

  it("moves smoothly towards a lasting change and converges", () => {
    let shown = smoothRange(undefined, { min: 1000, max: 3000 }, 0);
    const target = { min: 1000, max: 6000 };
    const steps: number[] = [];
    for (let i = 0; i < 90; i++) {
      shown = smoothRange(shown, target, 33);
      steps.push(shown!.max);
    }
    // Never a jump: each step is a fraction of the remaining way.
    expect(steps[0]).toBeGreaterThan(3000);
    expect(steps[0]).toBeLessThan(3300);
    for (let i = 1; i < steps.length; i++) expect(steps[i]).toBeGreaterThanOrEqual(steps[i - 1]!);
    expect(steps.at(-1)!).toBeGreaterThan(6000 - 0.03 * 5000 - 1);
  });

  it("keeps the previous range when a frame has no valid depth", () => {
    const previous = { min: 1, max: 2 };
    expect(smoothRange(previous, undefined, 33)).toBe(previous);
  });
});
