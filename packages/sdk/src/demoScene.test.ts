import { describe, expect, it } from "vitest";
import { demoCameras, renderDemoDepth } from "./demoScene.ts";

describe("demo scene", () => {
  const [cam0, cam1] = demoCameras(320, 240);

  it("sees the floor where geometry says (bottom-right pixel, 1.2 m below the camera)", () => {
    const depth = renderDemoDepth(cam0!, 0);
    const yc = (239 - cam0!.cy) / cam0!.fy;
    expect(depth[239 * 320 + 319]).toBe(Math.round((1.2 / yc) * 1000));
  });

  it("has no-depth pixels (the window) and moves over time; the two cameras differ", () => {
    const a = renderDemoDepth(cam0!, 0);
    const b = renderDemoDepth(cam0!, 1);
    const c = renderDemoDepth(cam1!, 0);
    expect(a.some((v) => v === 0)).toBe(true);
    expect(a).not.toEqual(b);
    expect(a).not.toEqual(c);
  });
});
