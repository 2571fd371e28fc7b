import { describe, expect, it } from "vitest";
import { DepthImage } from "./depthImage.ts";
import { depthImage3dExample, depthImageSimpleExample } from "./examples.ts";
import { decodeMessage, encodeMessage } from "./message.ts";
import { Pinhole } from "./pinhole.ts";
import { unproject, unprojectPixel } from "./unproject.ts";

// Rerun's doc examples depth_image_simple and depth_image_3d, with the figures Rerun's viewer shows.

function metreCounts(img: DepthImage): Map<number, number> {
  const counts = new Map<number, number>();
  for (const d of img.data as Uint16Array) {
    const m = d / img.meter;
    counts.set(m, (counts.get(m) ?? 0) + 1);
  }
  return counts;
}

describe("depth_image_simple", () => {
  const [message] = depthImageSimpleExample();
  const img = message?.archetype as DepthImage;

  it("has 9,000 pixels at 2.0 m, 9,000 at 4.5 m and 42,000 at 6.5535 m", () => {
    expect(img.width).toBe(300);
    expect(img.height).toBe(200);
    expect(img.datatype).toBe("U16");
    expect(img.meter).toBe(10_000);
    expect(img.colormap).toBe("turbo");
    expect(Object.fromEntries(metreCounts(img))).toEqual({ 2: 9000, 4.5: 9000, 6.5535: 42000 });
  });

  it("round-trips unchanged through the wire codec, RVL and raw", () => {
    for (const depthEncoding of ["rvl", "raw"] as const) {
      expect(decodeMessage(encodeMessage(message!, { depthEncoding }))).toEqual(message);
    }
  });
});

describe("depth_image_3d", () => {
  const messages = depthImage3dExample();
  const pinhole = messages[0]?.archetype as Pinhole;
  const depth = messages[1]?.archetype as DepthImage;

  it("logs a 300 x 200 pinhole with focal length 200 and a viridis depth image under it", () => {
    expect(messages.map((m) => m.entityPath)).toEqual(["world/camera", "world/camera/depth"]);
    expect(pinhole).toBeInstanceOf(Pinhole);
    expect([pinhole.fx, pinhole.fy, pinhole.cx, pinhole.cy]).toEqual([200, 200, 150, 100]);
    expect(pinhole.resolution).toEqual([300, 200]);
    expect(pinhole.cameraXyz).toBe("RDF");
    expect(depth).toBeInstanceOf(DepthImage);
    expect(depth.colormap).toBe("viridis");
  });

  it("unprojects pixel (u=100, v=100) to (-0.5, 0, 2.0) and pixel (0, 0) to (-4.915125, -3.27675, 6.5535)", () => {
    const at = (u: number, v: number) =>
      unprojectPixel(u, v, depth.data[v * 300 + u] as number, depth.meter, pinhole);
    const p = at(100, 100)!;
    expect(p[0]).toBeCloseTo(-0.5, 12);
    expect(p[1]).toBeCloseTo(0, 12);
    expect(p[2]).toBeCloseTo(2.0, 12);
    const q = at(0, 0)!;
    expect(q[0]).toBeCloseTo(-4.915125, 12);
    expect(q[1]).toBeCloseTo(-3.27675, 12);
    expect(q[2]).toBeCloseTo(6.5535, 12);
  });

  it("unprojects every pixel, in row-major order, to the same points as the per-pixel reference", () => {
    const xyz = unproject(depth, pinhole);
    expect(xyz.length).toBe(60_000 * 3);
    const i = 100 * 300 + 100;
    expect(xyz[i * 3]).toBeCloseTo(-0.5, 6);
    expect(xyz[i * 3 + 1]).toBeCloseTo(0, 6);
    expect(xyz[i * 3 + 2]).toBeCloseTo(2.0, 6);
  });

  it("round-trips every message unchanged", () => {
    for (const m of messages) expect(decodeMessage(encodeMessage(m))).toEqual(m);
  });
});
