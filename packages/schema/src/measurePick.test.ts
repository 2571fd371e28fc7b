import { describe, expect, it } from "vitest";
import { DepthImage } from "./depthImage.ts";
import { pickDepthPoint, snapToDepth } from "./measurePick.ts";
import { Pinhole } from "./pinhole.ts";
import { Transform3D } from "./transform3d.ts";
import { unproject, unprojectPixel } from "./unproject.ts";

const W = 40;
const H = 30;
const pinhole = Pinhole.fromIntrinsics({ fx: 50, fy: 50, cx: 20, cy: 15, width: W, height: H });

/** 2 m everywhere except a hole of no depth around (10, 10) (radius 3) and 1.5 m at (30, 20). */
function image(): DepthImage {
  const data = new Uint16Array(W * H).fill(2000);
  for (let v = 0; v < H; v++)
    for (let u = 0; u < W; u++) if (Math.hypot(u - 10, v - 10) <= 3) data[v * W + u] = 0;
  data[20 * W + 30] = 1500;
  return new DepthImage(data, { width: W, height: H, meter: 1000 });
}

describe("pickDepthPoint", () => {
  it("gives the pixel's unprojected point, the same as unproject's", () => {
    const depth = image();
    const pick = pickDepthPoint(depth, pinhole, 30, 20);
    expect(pick?.pixel).toEqual({ u: 30, v: 20 });
    expect(pick?.world).toEqual(unprojectPixel(30, 20, 1500, 1000, pinhole));
    // unproject lists valid pixels in row-major order: find (30, 20)'s point among them.
    const all = unproject(depth, pinhole);
    const holeBefore = [...Array(20 * W + 30).keys()].filter((i) => depth.data[i] === 0).length;
    const k = 20 * W + 30 - holeBefore;
    expect(pick?.world[0]).toBeCloseTo(all[3 * k] as number, 5);
    expect(pick?.world[2]).toBeCloseTo(1.5, 6);
  });

  it("snaps a pick without depth to the nearest pixel with depth", () => {
    const depth = image();
    expect(snapToDepth(depth, 10, 10)).toBeDefined();
    const snapped = snapToDepth(depth, 10.2, 10) as { u: number; v: number };
    expect(Math.hypot(snapped.u - 10, snapped.v - 10)).toBeGreaterThan(3);
    expect(Math.hypot(snapped.u - 10.2, snapped.v - 10)).toBeLessThanOrEqual(4.3);
    expect(snapToDepth(depth, 10, 10, 2)).toBeUndefined();
    expect(snapToDepth(depth, Number.NaN, 1)).toBeUndefined();
    expect(snapToDepth(depth, -100, -100)).toBeUndefined();
    expect(pickDepthPoint(depth, pinhole, 10, 10, { radius: 1 })).toBeUndefined();
  });

  it("goes into the camera frame and through the transforms", () => {
    const rub = Pinhole.fromIntrinsics({
      fx: 50,
      fy: 50,
      cx: 20,
      cy: 15,
      width: W,
      height: H,
      cameraXyz: "RUB",
    });
    const lifted = pickDepthPoint(image(), rub, 30, 20, {
      transforms: [new Transform3D({ translation: [0, 0, 10] })],
    });
    const rdf = unprojectPixel(30, 20, 1500, 1000, rub) as number[];
    expect(lifted?.world[0]).toBeCloseTo(rdf[0] as number, 12);
    expect(lifted?.world[1]).toBeCloseTo(-(rdf[1] as number), 12);
    expect(lifted?.world[2]).toBeCloseTo(10 - (rdf[2] as number), 12);
  });
});
