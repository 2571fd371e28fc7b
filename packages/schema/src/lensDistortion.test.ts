import { describe, expect, it } from "vitest";
import { DecodeError } from "./errors.ts";
import {
  cameraInfoDistortion,
  distort,
  distortionFromCameraInfo,
  type LensDistortion,
  monotonicRadius,
  UNDISTORT_TOLERANCE,
  undistort,
} from "./lensDistortion.ts";
import { decodeMessage, encodeMessage, readEnvelope } from "./message.ts";
import { Pinhole } from "./pinhole.ts";
import { pixelRay, projectPoint, rayTable, unprojectPixel } from "./unproject.ts";

const MODELS: LensDistortion[] = [
  { model: "plumb_bob", coefficients: [-0.3, 0.1, 0.001, -0.002, -0.02] },
  { model: "rational_polynomial", coefficients: [0.4, -0.2, 0.0005, 0.001, 0.02, 0.5, -0.1, 0.03] },
  { model: "kannala_brandt", coefficients: [0.05, -0.01, 0.003, -0.0005] },
  { model: "equidistant", coefficients: [-0.02, 0.004, 0, 0] },
];

describe("lens distortion", () => {
  it("undistort inverts distort to 1e-9 over the image of each model", () => {
    const out = [0, 0];
    const back = [0, 0];
    for (const d of MODELS) {
      for (let y = -0.6; y <= 0.6; y += 0.05) {
        for (let x = -0.8; x <= 0.8; x += 0.05) {
          distort(d, x, y, out);
          expect(undistort(d, out[0] as number, out[1] as number, back), `${d.model} ${x} ${y}`).toBe(true);
          expect(Math.hypot((back[0] as number) - x, (back[1] as number) - y)).toBeLessThan(
            UNDISTORT_TOLERANCE,
          );
        }
      }
    }
  });

  it("refuses a point the model cannot reach instead of returning a wrong ray", () => {
    const strong: LensDistortion = { model: "plumb_bob", coefficients: [-0.5, 0, 0, 0, 0] };
    // x (1 - 0.5 x²) peaks at x' = 0.544 (x = 0.816): nothing maps to x' = 0.7.
    const out = [0, 0];
    expect(undistort(strong, 0.7, 0, out)).toBe(false);
    expect(out[0]).toBeNaN();
    expect(undistort(strong, Number.NaN, 0, out)).toBe(false);
  });

  it("projectPoint and unprojectPixel are inverse, with fx != fy and an off-centre principal point", () => {
    for (const distortion of [undefined, ...MODELS]) {
      const pinhole = Pinhole.fromIntrinsics({ fx: 600, fy: 500, cx: 300, cy: 260, distortion });
      for (const [u, v] of [
        [10, 10],
        [300, 260],
        [620, 470],
        [155.5, 401.25],
      ] as const) {
        const p = unprojectPixel(u, v, 2000, 1000, pinhole);
        expect(p).toBeDefined();
        expect(p?.[2]).toBe(2);
        const [pu, pv] = projectPoint(pinhole, p as [number, number, number]) as [number, number];
        expect(Math.abs(pu - u) + Math.abs(pv - v)).toBeLessThan(1e-6);
      }
    }
    // No distortion: the plain pinhole formula.
    const ray = [0, 0];
    pixelRay(Pinhole.fromIntrinsics({ fx: 600, fy: 500, cx: 300, cy: 260 }), 900, 10, ray);
    expect(ray).toEqual([1, -0.5]);
  });

  it("rayTable (each pixel started from its neighbour's ray) holds pixelRay's rays, NaN where none", () => {
    for (const distortion of MODELS) {
      const pinhole = Pinhole.fromIntrinsics({ fx: 300, fy: 250, cx: 170, cy: 110, distortion });
      const table = rayTable(pinhole, 320, 240);
      const ray = [0, 0];
      let none = 0;
      for (let v = 0; v < 240; v += 7) {
        for (let u = 0; u < 320; u += 5) {
          const i = 2 * (v * 320 + u);
          if (!pixelRay(pinhole, u, v, ray)) {
            expect(table[i]).toBeNaN();
            none++;
            continue;
          }
          expect(Math.abs((table[i] as number) - (ray[0] as number))).toBeLessThan(1e-6);
          expect(Math.abs((table[i + 1] as number) - (ray[1] as number))).toBeLessThan(1e-6);
        }
      }
      expect(none).toBeLessThan(50);
    }
  });

  it("monotonicRadius: where the radial map stops growing (a point further out would fold back)", () => {
    // r (1 - 0.3 r²) grows while 1 - 0.9 r² > 0: up to r = 1 / sqrt(0.9); θ (1 - 0.3 θ²) up to θ = the same.
    const barrel: LensDistortion = { model: "plumb_bob", coefficients: [-0.3, 0, 0, 0, 0] };
    const fisheye: LensDistortion = { model: "kannala_brandt", coefficients: [-0.3, 0, 0, 0] };
    expect(Math.abs(monotonicRadius(barrel) - 1 / Math.sqrt(0.9))).toBeLessThan(2e-3);
    expect(Math.abs(monotonicRadius(fisheye) - Math.tan(1 / Math.sqrt(0.9)))).toBeLessThan(5e-3);
    // Inside it the distorted radius grows, past it (a little) it shrinks.
    const radius = (d: LensDistortion, r: number) => {
      const out = [0, 0];
      distort(d, r, 0, out);
      return out[0] as number;
    };
    for (const d of [barrel, fisheye]) {
      const limit = monotonicRadius(d);
      expect(radius(d, limit * 0.99)).toBeLessThan(radius(d, limit * 0.995));
      expect(radius(d, limit * 1.05)).toBeLessThan(radius(d, limit * 1.01));
    }
    // Pincushion, mild fisheye and the test models above: no fold before 90 degrees... except a
    // rational model whose denominator grows faster than its numerator.
    expect(monotonicRadius({ model: "plumb_bob", coefficients: [0.1, 0.01, 0, 0, 0] })).toBe(Infinity);
    expect(monotonicRadius(MODELS[3] as LensDistortion)).toBe(Infinity);
    const rational = MODELS[1] as LensDistortion;
    const limit = monotonicRadius(rational);
    expect(limit).toBeGreaterThan(1);
    expect(radius(rational, limit * 1.05)).toBeLessThan(radius(rational, limit));
  });

  it("validates the model and its coefficient count", () => {
    const base = { fx: 2, fy: 2, cx: 1, cy: 1 };
    expect(() =>
      Pinhole.fromIntrinsics({ ...base, distortion: { model: "plumb_bob", coefficients: [0, 0, 0, 0] } }),
    ).toThrow(/Pinhole.distortion.coefficients: .*plumb_bob takes 5 coefficients/);
    expect(() =>
      Pinhole.fromIntrinsics({
        ...base,
        distortion: { model: "fisheye624" as "plumb_bob", coefficients: [0, 0, 0, 0, 0] },
      }),
    ).toThrow(/Pinhole.distortion.model/);
    expect(() =>
      Pinhole.fromIntrinsics({
        ...base,
        distortion: { model: "equidistant", coefficients: [0, Number.NaN, 0, 0] },
      }),
    ).toThrow(/Pinhole.distortion.coefficients/);
  });
});

describe("Pinhole body versions", () => {
  const plain = Pinhole.fromIntrinsics({ fx: 2, fy: 3, cx: 1, cy: 1, width: 4, height: 2 });
  const withDistortion = Pinhole.fromIntrinsics({
    fx: 2,
    fy: 3,
    cx: 1,
    cy: 1,
    width: 4,
    height: 2,
    distortion: MODELS[1],
  });
  const message = (archetype: Pinhole) => ({ entityPath: "cam", timelines: [], archetype });

  it("writes version 1 without distortion and version 2 with it; both round-trip", () => {
    const v1 = encodeMessage(message(plain));
    const v2 = encodeMessage(message(withDistortion));
    expect(readEnvelope(v1).kindVersion).toBe(1);
    expect(readEnvelope(v2).kindVersion).toBe(2);
    expect((decodeMessage(v1).archetype as Pinhole).distortion).toBeUndefined();
    const back = decodeMessage(v2).archetype as Pinhole;
    expect(back.distortion).toEqual(MODELS[1]);
    expect(back.fy).toBe(3);
  });

  it("refuses the distortion flag in a version 1 body, an unknown model and a wrong count, by name", () => {
    const v2 = encodeMessage(message(withDistortion));
    const flagsAt = readEnvelope(v2).bodyOffset + 72 + 3;
    const asV1 = v2.slice();
    asV1[6] = 1;
    expect(() => decodeMessage(asV1)).toThrow(DecodeError);
    expect(() => decodeMessage(asV1)).toThrow(/Pinhole.flags/);
    const badModel = v2.slice();
    badModel[flagsAt + 1 + 16] = 9;
    expect(() => decodeMessage(badModel)).toThrow(/Pinhole.distortion.model: unknown model 9/);
    const badCount = v2.slice();
    badCount[flagsAt + 1 + 16 + 1] = 7;
    expect(() => decodeMessage(badCount)).toThrow(/rational_polynomial takes 8 coefficients, got 7/);
    const v3 = v2.slice();
    v3[6] = 3;
    expect(() => decodeMessage(v3)).toThrow(/Pinhole version 3 \(unsupported-version\)/);
  });
});

describe("distortionFromCameraInfo (the import's and the bridge's rule)", () => {
  it("maps ROS and Foxglove D by model, pads short ones, drops zero extras, refuses the rest by sentence", () => {
    expect(distortionFromCameraInfo("plumb_bob", [0, 0, 0, 0, 0])).toEqual({ distortion: undefined });
    expect(distortionFromCameraInfo("", [])).toEqual({ distortion: undefined });
    expect(distortionFromCameraInfo("plumb_bob", [-0.3, 0.1, 0, 0.001, 0.02]).distortion).toEqual({
      model: "plumb_bob",
      coefficients: [-0.3, 0.1, 0, 0.001, 0.02],
    });
    expect(distortionFromCameraInfo("plumb_bob", [-0.3, 0.1, 0, 0]).distortion?.coefficients).toEqual([
      -0.3, 0.1, 0, 0, 0,
    ]);
    const fourteen = [0.4, -0.2, 0.001, 0.002, 0.03, 0.5, -0.1, 0.02, 0, 0, 0, 0, 0, 0];
    expect(distortionFromCameraInfo("rational_polynomial", fourteen).distortion?.coefficients).toEqual(
      fourteen.slice(0, 8),
    );
    expect(distortionFromCameraInfo("equidistant", [0.1, 0.01, 0, 0]).distortion?.model).toBe("equidistant");
    expect(distortionFromCameraInfo("kannala_brandt", [0.1, 0.01, 0, 0]).distortion?.model).toBe(
      "kannala_brandt",
    );
    expect(distortionFromCameraInfo("fisheye624", [0.1]).problem).toMatch(/"fisheye624" is not supported/);
    expect(distortionFromCameraInfo("plumb_bob", [0.1, 0, 0, 0, 0, 0.3]).problem).toMatch(/non-zero extras/);
    expect(distortionFromCameraInfo("plumb_bob", [Number.NaN, 0, 0, 0, 0]).problem).toMatch(/not usable/);
    expect(cameraInfoDistortion(undefined)).toEqual({ distortion_model: "plumb_bob", D: [0, 0, 0, 0, 0] });
  });
});
