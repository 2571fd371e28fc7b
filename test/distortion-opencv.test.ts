import { spawnSync } from "node:child_process";
import { fileURLToPath } from "node:url";
import {
  DepthImage,
  isFisheye,
  type LensDistortion,
  Pinhole,
  pixelRay,
  projectPoint,
  unproject,
} from "@depthroom/schema";
import { beforeAll, describe, expect, it } from "vitest";

/*
 * Our lens distortion against OpenCV (issue 17). OpenCV runs in a Python (DEPTHROOM_PYTHON, then
 * /usr/bin/python3 where .ci/run installs Debian's python3-opencv, then python3 on PATH, as
 * scripts/python.mjs): test/support/opencv_distortion.py answers with cv2.projectPoints /
 * cv2.undistortPointsIter and cv2.fisheye.distortPoints / undistortPoints. No Python with cv2 is a
 * failure naming what is missing, not a skip.
 */

const SCRIPT = fileURLToPath(new URL("./support/opencv_distortion.py", import.meta.url));
const TOLERANCE_PX = 0.01;
const WIDTH = 640;
const HEIGHT = 480;
const INTRINSICS = { fx: 600, fy: 500, cx: 337.5, cy: 214.25 };

interface Case {
  model: LensDistortion["model"];
  coefficients: readonly number[];
  fx: number;
  fy: number;
  cx: number;
  cy: number;
  points: number[];
  pixels: number[];
}
interface Answer {
  projected: number[];
  undistorted: number[];
  reprojected: number[];
}

function findPython(): string {
  const tried: string[] = [];
  const candidates = [process.env.DEPTHROOM_PYTHON, "/usr/bin/python3", "python3"].filter((c): c is string =>
    Boolean(c),
  );
  for (const candidate of candidates) {
    const probe = spawnSync(candidate, ["-c", "import numpy, cv2; print(cv2.__version__)"], {
      encoding: "utf8",
    });
    if (probe.status === 0) return candidate;
    tried.push(
      `${candidate}: ${probe.error ? "not runnable" : (probe.stderr.trim().split("\n").pop() ?? "")}`,
    );
  }
  throw new Error(
    `no Python with numpy and cv2 for the OpenCV reference:\n  ${tried.join("\n  ")}\n` +
      "Install them (Debian: apt-get install python3-numpy python3-opencv) or set DEPTHROOM_PYTHON.",
  );
}

function opencv(cases: Case[]): Answer[] {
  const run = spawnSync(findPython(), [SCRIPT], {
    input: JSON.stringify(cases),
    encoding: "utf8",
    maxBuffer: 256 * 1024 * 1024,
    env: { ...process.env, PYTHONDONTWRITEBYTECODE: "1" },
  });
  if (run.status !== 0) throw new Error(`opencv_distortion.py failed (${run.status}): ${run.stderr}`);
  return (JSON.parse(run.stdout) as { answers: Answer[] }).answers;
}

/** Several coefficient sets per model: mild, strong (k1 = -0.3 as the wall below), tangential, mixed. */
const SETS: LensDistortion[] = [
  { model: "plumb_bob", coefficients: [-0.3, 0, 0, 0, 0] },
  { model: "plumb_bob", coefficients: [0.12, -0.25, 0.0012, -0.0008, 0.09] },
  { model: "plumb_bob", coefficients: [-0.05, 0.02, -0.004, 0.003, 0] },
  { model: "rational_polynomial", coefficients: [0.45, -0.1, 0.0007, -0.0011, 0.02, 0.8, 0.05, 0.01] },
  { model: "rational_polynomial", coefficients: [-0.28, 0.07, 0.002, 0.001, -0.01, 0.02, 0.01, 0.003] },
  { model: "rational_polynomial", coefficients: [2.1, 0.9, -0.0004, 0.0006, 0.03, 2.4, 1.3, 0.1] },
  { model: "kannala_brandt", coefficients: [0, 0, 0, 0] },
  { model: "kannala_brandt", coefficients: [0.05, -0.01, 0.004, -0.0008] },
  { model: "equidistant", coefficients: [-0.03, 0.006, -0.002, 0.0003] },
  { model: "equidistant", coefficients: [0.2, -0.1, 0.03, -0.004] },
];

function grid(step: number): number[] {
  const pixels: number[] = [];
  for (let v = 0; v < HEIGHT; v += step) for (let u = 0; u < WIDTH; u += step) pixels.push(u, v);
  return pixels;
}

describe("lens distortion against OpenCV", () => {
  let answers: Answer[] = [];
  const pixels = grid(20);
  // Undistorted normalised points across the field of view, projected through each lens.
  const points: number[] = [];
  for (let y = -0.45; y <= 0.45 + 1e-9; y += 0.05)
    for (let x = -0.55; x <= 0.55 + 1e-9; x += 0.05) points.push(x, y);
  const cases: Case[] = SETS.map((d) => ({ ...d, ...INTRINSICS, points, pixels }));

  beforeAll(() => {
    answers = opencv(cases);
  });

  it("distorts (projects) like cv2.projectPoints / cv2.fisheye.distortPoints within 0.01 px", () => {
    for (const [c, d] of SETS.entries()) {
      const pinhole = Pinhole.fromIntrinsics({ ...INTRINSICS, distortion: d });
      const expected = answers[c]?.projected ?? [];
      expect(expected.length).toBe(points.length);
      let worst = 0;
      for (let i = 0; i < points.length; i += 2) {
        const [u, v] = projectPoint(pinhole, [points[i] as number, points[i + 1] as number, 1]) ?? [NaN, NaN];
        worst = Math.max(worst, Math.hypot(u - (expected[i] as number), v - (expected[i + 1] as number)));
      }
      expect(worst, `${d.model} ${d.coefficients.join(",")}`).toBeLessThan(TOLERANCE_PX);
    }
  });

  it("undistorts like cv2.undistortPointsIter / cv2.fisheye.undistortPoints within 0.01 px", () => {
    for (const [c, d] of SETS.entries()) {
      const pinhole = Pinhole.fromIntrinsics({ ...INTRINSICS, distortion: d });
      const answer = answers[c] as Answer;
      const ray = [0, 0];
      let compared = 0;
      let worst = 0;
      let refusedThatOpencvInverted = 0;
      for (let i = 0; i < pixels.length; i += 2) {
        const u = pixels[i] as number;
        const v = pixels[i + 1] as number;
        // A pixel OpenCV inverted: its answer distorts back onto the pixel.
        const inverted =
          Math.hypot((answer.reprojected[i] as number) - u, (answer.reprojected[i + 1] as number) - v) < 1e-6;
        const ours = pixelRay(pinhole, u, v, ray);
        if (!inverted) continue;
        if (!ours) {
          refusedThatOpencvInverted++;
          continue;
        }
        compared++;
        // The difference in pixels of the undistorted image (normalised difference times the focal lengths).
        const du = ((ray[0] as number) - (answer.undistorted[i] as number)) * INTRINSICS.fx;
        const dv = ((ray[1] as number) - (answer.undistorted[i + 1] as number)) * INTRINSICS.fy;
        worst = Math.max(worst, Math.hypot(du, dv));
      }
      const label = `${d.model} ${d.coefficients.join(",")}`;
      expect(refusedThatOpencvInverted, label).toBe(0);
      expect(compared, label).toBeGreaterThan((pixels.length / 2) * 0.8);
      expect(worst, label).toBeLessThan(TOLERANCE_PX);
    }
  });
});

/** RMS distance of points (x, y, z interleaved) to their least-squares plane. */
function planeRms(xyz: Float32Array): number {
  const n = xyz.length / 3;
  let mx = 0;
  let my = 0;
  let mz = 0;
  for (let i = 0; i < xyz.length; i += 3) {
    mx += xyz[i] as number;
    my += xyz[i + 1] as number;
    mz += xyz[i + 2] as number;
  }
  mx /= n;
  my /= n;
  mz /= n;
  let [a, b, c, d, e, f] = [0, 0, 0, 0, 0, 0]; // xx xy xz yy yz zz
  for (let i = 0; i < xyz.length; i += 3) {
    const x = (xyz[i] as number) - mx;
    const y = (xyz[i + 1] as number) - my;
    const z = (xyz[i + 2] as number) - mz;
    a += x * x;
    b += x * y;
    c += x * z;
    d += y * y;
    e += y * z;
    f += z * z;
  }
  // Smallest eigenvalue of the symmetric 3x3 scatter matrix (trigonometric solution of the cubic).
  const q = (a + d + f) / 3;
  const p1 = b * b + c * c + e * e;
  const p2 = (a - q) ** 2 + (d - q) ** 2 + (f - q) ** 2 + 2 * p1;
  const p = Math.sqrt(p2 / 6);
  const [ba, bd, bf] = [(a - q) / p, (d - q) / p, (f - q) / p];
  const det =
    ba * (bd * bf - (e / p) * (e / p)) -
    (b / p) * ((b / p) * bf - (e / p) * (c / p)) +
    (c / p) * ((b / p) * (e / p) - bd * (c / p));
  const phi = Math.acos(Math.min(1, Math.max(-1, det / 2))) / 3;
  const smallest = q + 2 * p * Math.cos(phi + (2 * Math.PI) / 3);
  return Math.sqrt(Math.max(0, smallest) / n);
}

describe("a planar wall through a distorting lens", () => {
  // A wall crossing the optical axis at 2 m, turned 20 degrees about y and 10 about x (a wall facing the
  // camera squarely has z = 2 at every pixel, planar with or without the right rays).
  const normal = [Math.sin(0.35), Math.sin(0.17), 1];
  const STEP = 4;

  /**
   * The wall's depth image (F32 metres, 0 where the lens has no ray): each pixel's true ray is OpenCV's
   * undistortion of the pixel, kept only where it distorts back onto the pixel.
   */
  function renderWall(distortion: LensDistortion): DepthImage {
    const pixels = grid(STEP);
    const [answer] = opencv([
      { ...distortion, coefficients: [...distortion.coefficients], ...INTRINSICS, points: [], pixels },
    ]);
    const depth = new Float32Array(WIDTH * HEIGHT);
    for (let i = 0; i < pixels.length; i += 2) {
      const u = pixels[i] as number;
      const v = pixels[i + 1] as number;
      if (
        Math.hypot((answer?.reprojected[i] as number) - u, (answer?.reprojected[i + 1] as number) - v) > 1e-6
      )
        continue;
      const x = answer?.undistorted[i] as number;
      const y = answer?.undistorted[i + 1] as number;
      // n . (x z, y z, z) = n . (0, 0, 2)
      const z =
        (2 * (normal[2] as number)) /
        ((normal[0] as number) * x + (normal[1] as number) * y + (normal[2] as number));
      depth[v * WIDTH + u] = z;
    }
    return new DepthImage(depth, { width: WIDTH, height: HEIGHT, meter: 1 });
  }

  for (const distortion of [
    { model: "plumb_bob", coefficients: [-0.3, 0, 0, 0, 0] },
    { model: "kannala_brandt", coefficients: [0.05, -0.01, 0.004, -0.0008] },
  ] satisfies LensDistortion[]) {
    it(`${distortion.model} (fx 600, fy 500, cx off centre): planar within 1 mm with the distortion, not without`, () => {
      const wall = renderWall(distortion);
      const withLens = unproject(wall, Pinhole.fromIntrinsics({ ...INTRINSICS, distortion }));
      const without = unproject(wall, Pinhole.fromIntrinsics(INTRINSICS));
      expect(withLens.length / 3).toBeGreaterThan(10_000);
      const rmsWith = planeRms(withLens);
      const rmsWithout = planeRms(without);
      process.stdout.write(
        `wall ${distortion.model}${isFisheye(distortion.model) ? " (fisheye)" : ""}: RMS to plane ${(rmsWith * 1000).toFixed(4)} mm with the distortion, ${(rmsWithout * 1000).toFixed(1)} mm without\n`,
      );
      expect(rmsWith).toBeLessThan(0.001);
      expect(rmsWithout).toBeGreaterThan(10 * rmsWith);
      expect(rmsWithout).toBeGreaterThan(0.005);
    });
  }
});
