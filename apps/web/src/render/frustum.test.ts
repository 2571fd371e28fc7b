import { Pinhole, pixelRay, projectPoint } from "@depthroom/schema";
import { describe, expect, it } from "vitest";
import type { Vec3 } from "./cameraPose.ts";
import { EDGE_SEGMENTS, frustumLines } from "./frustum.ts";

const K = { fx: 600, fy: 500, cx: 337.5, cy: 214.25, width: 640, height: 480 };

/** Distance of p from the straight line through a and b. */
function offLine(p: Vec3, a: Vec3, b: Vec3): number {
  const ab = b.map((c, i) => c - (a[i] as number));
  const ap = p.map((c, i) => c - (a[i] as number));
  const t = ab.reduce((s, c, i) => s + c * (ap[i] as number), 0) / ab.reduce((s, c) => s + c * c, 0);
  return Math.hypot(...ap.map((c, i) => c - t * (ab[i] as number)));
}

describe("frustumLines", () => {
  it("a pinhole without distortion: four corner rays, a straight rectangle, the up triangle", () => {
    const lines = frustumLines(Pinhole.fromIntrinsics(K), 640, 480, 1);
    expect(lines.map((l) => l.length)).toEqual([2, 2, 2, 2, 5, 3]);
    expect(lines[4]?.[0]).toEqual([-337.5 / 600, -214.25 / 500, 1]);
    expect(lines[4]?.[2]).toEqual([(640 - 337.5) / 600, (480 - 214.25) / 500, 1]);
  });

  for (const distortion of [
    { model: "plumb_bob", coefficients: [-0.3, 0.05, 0.001, -0.002, 0] },
    { model: "kannala_brandt", coefficients: [-0.05, 0.01, 0, 0] },
  ] as const) {
    it(`${distortion.model}: each edge a polyline through its border pixels' rays, curved, between the corners`, () => {
      const pinhole = Pinhole.fromIntrinsics({ ...K, distortion });
      const lines = frustumLines(pinhole, 640, 480, 1);
      const outline = lines[4] as Vec3[];
      expect(outline).toHaveLength(4 * EDGE_SEGMENTS + 1);
      expect(outline[outline.length - 1]).toEqual(outline[0]);
      // Every outline point projects back (through the lens) onto the image border.
      for (const p of outline) {
        const [u, v] = projectPoint(pinhole, p) as [number, number];
        const border = Math.min(Math.abs(u), Math.abs(u - 640), Math.abs(v), Math.abs(v - 480));
        expect(border, `(${u}, ${v})`).toBeLessThan(1e-6);
      }
      // The corner rays end on the outline's corners.
      for (let c = 0; c < 4; c++) expect(lines[c]?.[1]).toEqual(outline[c * EDGE_SEGMENTS]);
      // Barrel (or the fisheye's compression): an edge's middle lies off the chord between its corners,
      // by far more than the 1e-6 above (a straight rectangle would put the border pixels elsewhere).
      const top = outline.slice(0, EDGE_SEGMENTS + 1);
      const bow = offLine(top[EDGE_SEGMENTS / 2] as Vec3, top[0] as Vec3, top[EDGE_SEGMENTS] as Vec3);
      expect(bow).toBeGreaterThan(0.01);
    });
  }

  it("a barrel too strong for its corners: the outline runs through the border pixels that have rays", () => {
    // k1 = -0.3 at fx = 60 on 80 x 60: the corner pixels lie past the lens's fold (no ray).
    const small = { ...K, fx: 60, fy: 60, cx: 39.5, cy: 29.5, width: 80, height: 60 };
    const pinhole = Pinhole.fromIntrinsics({
      ...small,
      distortion: { model: "plumb_bob", coefficients: [-0.3, 0, 0, 0, 0] },
    });
    expect(pixelRay(pinhole, 0, 0, [0, 0])).toBe(false);
    const lines = frustumLines(pinhole, 80, 60, 1);
    const outline = lines[4] as Vec3[];
    expect(outline.length).toBeGreaterThan(2 * EDGE_SEGMENTS);
    expect(outline.length).toBeLessThan(4 * EDGE_SEGMENTS + 1);
    for (const p of outline) {
      const [u, v] = projectPoint(pinhole, p) as [number, number];
      expect(Math.min(Math.abs(u), Math.abs(u - 80), Math.abs(v), Math.abs(v - 60))).toBeLessThan(1e-6);
    }
    // Each corner's ray ends on the outline.
    for (let c = 0; c < 4; c++) expect(outline).toContainEqual(lines[c]?.[1]);
  });
});
