import {
  DepthImage,
  Image,
  type LensDistortion,
  Pinhole,
  pixelRay,
  projectPoint,
  Transform3D,
  unprojectPixel,
} from "@depthroom/schema";
import { colorDistance, pixel, screenshotPixels } from "@depthroom/web/testing";
import { beforeAll, describe, expect, it } from "vitest";
import { waitInPage } from "./support/session.ts";
import { viewerSuite } from "./support/suite.ts";

// Issue 17: colour reprojection through the colour camera's own lens. Three rigs 20 m apart, each a
// depth plane at 2 m and a colour image whose ground truth is known:
// - reg: a plumb_bob depth camera (k1 = -0.3) with a checkerboard Image under the same Pinhole
//        (registered): each point must show its own pixel's square (its undistorted ray goes back
//        through the same lens to its pixel);
// - fish: an undistorted depth camera and a fisheye (equidistant) colour camera 0.3 m to its right;
// - rat: a plumb_bob depth camera and a rational_polynomial colour camera 0.3 m to its right.
// The offset colour images are a checkerboard painted on the plane (0.4 m squares in the depth camera's
// x, y), rendered through the colour camera's lens with the schema's `pixelRay` (checked against OpenCV
// by test/distortion-opencv): each colour pixel shows the square its ray hits. Each depth point must show
// the square it lies on, in the 3D view and in the 2D view's depth-over-colour. Projected without the lens
// (the plain pinhole) a good part of the points would take the neighbouring square's colour: the test
// counts them and requires enough to tell.

// Image size and focal length (pixels), the plane's depth (mm), the board's squares (image pixels for the
// registered rig, metres on the plane for the others) and the colour camera's offset (m).
const [W, H, F, Z_MM] = [80, 60, 60, 2000];
const [SQUARE_PX, SQUARE_M, OFFSET_M] = [8, 0.4, 0.3];
type Rgb = [number, number, number];
const [RED, BLUE, BLACK] = [
  [230, 40, 40],
  [40, 60, 220],
  [0, 0, 0],
] as [Rgb, Rgb, Rgb];
const parity = (a: number, b: number) => (Math.floor(a) + Math.floor(b)) % 2 === 0;

interface Rig {
  readonly name: string;
  readonly depthPinhole: Pinhole;
  readonly colorPinhole: Pinhole | undefined;
  readonly colorImage: Uint8Array;
  /** The colour each depth pixel's point must show, or undefined where a texel is too near an edge to tell. */
  expected(u: number, v: number): [number, number, number] | undefined;
  /** The colour the plain pinhole (no colour lens) would give it. */
  withoutLens(u: number, v: number): [number, number, number] | undefined;
}

const pinholeOf = (k: { fx: number; fy: number; cx: number; cy: number }, distortion?: LensDistortion) =>
  Pinhole.fromIntrinsics({ ...k, width: W, height: H, ...(distortion ? { distortion } : {}) });
const DEPTH_K = { fx: F, fy: F, cx: W / 2 - 0.5, cy: H / 2 - 0.5 };

function texelColor(image: Uint8Array, u: number, v: number): [number, number, number] {
  const i = (v * W + u) * 3;
  return [image[i] as number, image[i + 1] as number, image[i + 2] as number];
}

/** The texel a point of the colour camera's frame lands on (through `pinhole`), if 2 texels inside. */
function texelOf(pinhole: Pinhole, q: [number, number, number]): [number, number] | undefined {
  const at = projectPoint(pinhole, q);
  if (!at) return undefined;
  const [u, v] = at.map(Math.round) as [number, number];
  return u >= 2 && v >= 2 && u < W - 2 && v < H - 2 ? [u, v] : undefined;
}

function registeredRig(): Rig {
  const depthPinhole = pinholeOf(DEPTH_K, { model: "plumb_bob", coefficients: [-0.3, 0, 0, 0, 0] });
  const board = (u: number, v: number) => (parity(u / SQUARE_PX, v / SQUARE_PX) ? RED : BLUE);
  const colorImage = new Uint8Array(W * H * 3);
  for (let v = 0; v < H; v++) for (let u = 0; u < W; u++) colorImage.set(board(u, v), (v * W + u) * 3);
  const inside = (u: number, v: number) =>
    [u % SQUARE_PX, v % SQUARE_PX].every((p) => p >= 1 && p <= SQUARE_PX - 2);
  return {
    name: "reg",
    depthPinhole,
    colorPinhole: undefined,
    colorImage,
    expected: (u, v) => (inside(u, v) ? board(u, v) : undefined),
    withoutLens(u, v) {
      // The undistorted ray projected with K alone.
      const p = unprojectPixel(u, v, Z_MM, 1000, depthPinhole);
      const texel = p ? texelOf(pinholeOf(DEPTH_K), p) : undefined;
      return texel ? board(...texel) : undefined;
    },
  };
}

/** A rig whose colour camera sits OFFSET_M to the right of the depth camera, both looking at z = 2 m. */
function offsetRig(name: string, depthLens: LensDistortion | undefined, colorLens: LensDistortion): Rig {
  const depthPinhole = pinholeOf(DEPTH_K, depthLens);
  const colorK = { fx: 55, fy: 50, cx: 41.25, cy: 28.5 };
  const colorPinhole = pinholeOf(colorK, colorLens);
  const z = Z_MM / 1000;
  // The plane's board, in depth-camera metres.
  const board = (x: number, y: number) => (parity(x / SQUARE_M, y / SQUARE_M) ? RED : BLUE);
  const colorImage = new Uint8Array(W * H * 3);
  const ray = [0, 0];
  for (let v = 0; v < H; v++) {
    for (let u = 0; u < W; u++) {
      const seen = pixelRay(colorPinhole, u, v, ray)
        ? board((ray[0] as number) * z + OFFSET_M, (ray[1] as number) * z)
        : BLACK;
      colorImage.set(seen, (v * W + u) * 3);
    }
  }
  /** A depth pixel's point in the colour camera's frame (the plane is at the same z in both). */
  const inColor = (u: number, v: number, pinhole: Pinhole): [number, number] | undefined => {
    const p = unprojectPixel(u, v, Z_MM, 1000, depthPinhole);
    return p ? texelOf(pinhole, [p[0] - OFFSET_M, p[1], z]) : undefined;
  };
  return {
    name,
    depthPinhole,
    colorPinhole,
    colorImage,
    expected(u, v) {
      // The square the point lies on, where its texel through the lens (the schema's distort) and the
      // texels around it all show that square: a point one rounding away from another square (or where
      // the lens, near its fold, spreads one texel over much of the plane) is not a fair question.
      const p = unprojectPixel(u, v, Z_MM, 1000, depthPinhole);
      const texel = inColor(u, v, colorPinhole);
      if (!p || !texel) return undefined;
      const want = board(p[0], p[1]);
      for (let dv = -1; dv <= 1; dv++)
        for (let du = -1; du <= 1; du++)
          if (colorDistance(texelColor(colorImage, texel[0] + du, texel[1] + dv), want) > 0) return undefined;
      return want;
    },
    withoutLens(u, v) {
      const texel = inColor(u, v, pinholeOf(colorK));
      return texel ? texelColor(colorImage, ...texel) : undefined;
    },
  };
}

const RIGS: Rig[] = [
  registeredRig(),
  offsetRig("fish", undefined, { model: "equidistant", coefficients: [0.05, -0.02, 0.004, 0] }),
  offsetRig(
    "rat",
    { model: "plumb_bob", coefficients: [-0.2, 0.02, 0, 0, 0] },
    { model: "rational_polynomial", coefficients: [0.3, -0.1, 0.002, -0.001, 0.01, 0.9, 0.05, 0.01] },
  ),
];
const depthEntity = (rig: Rig) => `${rig.name}/depth_cam/depth`;

describe("colour reprojection through the colour camera's lens", () => {
  const viewer = viewerSuite({ session: { title: "colour distortion" } });

  beforeAll(async () => {
    const rig = viewer.rig;
    RIGS.forEach((r, i) => {
      rig.log(r.name, new Transform3D({ translation: [20 * i, 0, 0] }));
      rig.log(`${r.name}/depth_cam`, r.depthPinhole);
      const depth = new Uint16Array(W * H).fill(Z_MM);
      rig.log(
        depthEntity(r),
        new DepthImage(depth, { width: W, height: H, pointFillRatio: 0.3, depthRange: [0, 3000] }),
      );
      const image = new Image(r.colorImage, { width: W, height: H, colorModel: "RGB" });
      if (!r.colorPinhole) {
        rig.log(`${r.name}/depth_cam/rgb`, image);
        return;
      }
      rig.log(`${r.name}/color_cam`, new Transform3D({ translation: [OFFSET_M, 0, 0] }));
      rig.log(`${r.name}/color_cam`, r.colorPinhole);
      rig.log(`${r.name}/color_cam/rgb`, image);
    });
    await viewer.rig.flush();
    await waitInPage(
      viewer.page,
      (entities) =>
        entities.every((e) => window.__depthroom?.stats().find((s) => s.entity === e)?.hasCloud) &&
        window.__depthroom?.colors().clouds.filter((c) => c.colorEntity).length === entities.length,
      RIGS.map(depthEntity),
    );
  });

  /**
   * Per depth pixel whose square is known, and whose 8 neighbours' are the same (a screen position one
   * pixel off still reads the same square), the colour drawn at its place against the square's.
   */
  function compare(rig: Rig, drawn: (u: number, v: number) => [number, number, number] | undefined) {
    let checked = 0;
    let tells = 0;
    const wrong: string[] = [];
    const same = (u: number, v: number, want: readonly number[]) => {
      for (let dv = -1; dv <= 1; dv++)
        for (let du = -1; du <= 1; du++) {
          const there = rig.expected(u + du, v + dv);
          if (!there || colorDistance(there, want) > 0) return false;
        }
      return true;
    };
    for (let v = 2; v < H - 2; v++) {
      for (let u = 2; u < W - 2; u++) {
        const want = rig.expected(u, v);
        if (!want || !same(u, v, want)) continue;
        const got = drawn(u, v);
        if (!got) continue;
        checked++;
        if (colorDistance(got, want) > 3) wrong.push(`(${u}, ${v}): ${got} not ${want}`);
        const plain = rig.withoutLens(u, v);
        if (!plain || colorDistance(plain, want) > 3) tells++;
      }
    }
    return { checked, tells, wrong };
  }

  for (const rig of RIGS) {
    it(`${rig.name}: each 3D point shows the square it lies on`, async () => {
      const page = viewer.page;
      const entity = depthEntity(rig);
      const looked = await page.evaluate((e) => window.__depthroom!.lookThrough(e), entity);
      expect(looked).toBe(true);
      // Through the depth camera, with a 1.6 times wider view: a barrel lens's undistorted rays (the
      // points that move most) reach past its pinhole's field of view.
      const drawn = await page.evaluate(() => {
        const hooks = window.__depthroom!;
        const pose = hooks.pose();
        hooks.setPose({ ...pose, fovY: pose.fovY * 1.6 });
        return hooks.framesDrawn();
      });
      await waitInPage(page, (n) => window.__depthroom!.framesDrawn() > n, drawn);
      await page.waitForTimeout(300);
      // Where each pixel's point is drawn: its readout's world point through the 3D view.
      const at = await page.evaluate(
        ([e, w, n]) => {
          const hooks = window.__depthroom!;
          return Array.from({ length: n }, (_, i) => {
            const world = hooks.readout(e, i % w, Math.floor(i / w))?.worldPoint;
            return world ? hooks.project(world) : null;
          });
        },
        [entity, W, W * H] as const,
      );
      const panel = (await page.evaluate(() => window.__depthroom!.panels().find((p) => p.kind === "3d")!))!;
      const clip = { x: panel.x, y: panel.y, width: panel.width, height: panel.height };
      const shot = await screenshotPixels(page, clip);
      // The same view with every point culled: where anything shows there (the colour camera's frustum,
      // the panel's own controls), a point's colour cannot be read.
      const culled = await page.evaluate((e) => {
        const n = window.__depthroom!.framesDrawn();
        window.__depthroom!.setLocalViewSettings(e, {
          colorBy: "image",
          cullRange: [1000, 1000],
          flyingPixels: false,
          flyingFraction: 0.05,
          normalShading: false,
        } as never);
        return n;
      }, entity);
      await waitInPage(page, (n) => window.__depthroom!.framesDrawn() > n, culled);
      await page.waitForTimeout(300);
      const empty = await screenshotPixels(page, clip);
      await page.evaluate((e) => window.__depthroom!.setLocalViewSettings(e, null), entity);
      const background = pixel(empty, 2, 2);
      let hidden = 0;
      let missed = 0;
      const result = compare(rig, (u, v) => {
        const p = at[v * W + u];
        if (!p) return undefined;
        const x = Math.round(p[0] - panel.x);
        const y = Math.round(p[1] - panel.y);
        if (x < 2 || y < 2 || x >= panel.width - 2 || y >= panel.height - 2) return undefined;
        if (colorDistance(pixel(empty, x, y), background) > 3) {
          hidden++;
          return undefined;
        }
        // The point's dot, at its projection or (a point of 1-2 px, rounding) next to it.
        for (const [dx, dy] of [
          [0, 0],
          [1, 0],
          [-1, 0],
          [0, 1],
          [0, -1],
          [1, 1],
          [-1, -1],
          [1, -1],
          [-1, 1],
        ]) {
          const seen = pixel(shot, x + (dx as number), y + (dy as number));
          if (colorDistance(seen, background) > 3) return seen;
        }
        missed++;
        return undefined;
      });
      process.stdout.write(
        `colour through the lens, 3D, ${rig.name}: ${result.checked} points checked (${hidden} behind lines or controls, ${missed} dots not found), ${result.wrong.length} wrong; ${result.tells} of them would take another colour without the lens\n`,
      );
      expect(result.wrong.slice(0, 8)).toEqual([]);
      expect(result.checked).toBeGreaterThan(200);
      expect(missed).toBeLessThan(result.checked / 50);
      expect(result.tells).toBeGreaterThan(Math.max(50, result.checked / 20));
    });

    it(`${rig.name}: the 2D view's depth over colour (opacity 0) shows the same squares`, async () => {
      const page = viewer.page;
      const entity = depthEntity(rig);
      const n = await page.evaluate((e) => {
        const drawn = window.__depthroom!.framesDrawn();
        window.__depthroom!.setLocalViewSettings(e, {
          colorBy: "image",
          cullRange: null,
          flyingPixels: false,
          flyingFraction: 0.05,
          normalShading: false,
          depthOpacity: 0,
        } as never);
        return drawn;
      }, entity);
      await waitInPage(page, (k) => window.__depthroom!.framesDrawn() > k, n);
      await page.waitForTimeout(300);
      const panel = (await page.evaluate(
        (e) => window.__depthroom!.panels().find((p) => p.entity === e),
        entity,
      ))!;
      const at = await page.evaluate(
        ([e, w, h]) => {
          const out: ([number, number] | null)[] = [];
          for (let v = 0; v < h; v++)
            for (let u = 0; u < w; u++) out.push(window.__depthroom!.pixelToClient(e, u, v));
          return out;
        },
        [entity, W, H] as const,
      );
      const shot = await screenshotPixels(page, {
        x: panel.x,
        y: panel.y,
        width: panel.width,
        height: panel.height,
      });
      const result = compare(rig, (u, v) => {
        const p = at[v * W + u];
        if (!p) return undefined;
        const x = Math.round(p[0] - panel.x);
        const y = Math.round(p[1] - panel.y);
        return x >= 1 && y >= 1 && x < panel.width - 1 && y < panel.height - 1
          ? pixel(shot, x, y)
          : undefined;
      });
      process.stdout.write(
        `colour through the lens, 2D, ${rig.name}: ${result.checked} pixels checked, ${result.wrong.length} wrong\n`,
      );
      await page.evaluate((e) => window.__depthroom!.setLocalViewSettings(e, null), entity);
      expect(result.wrong.slice(0, 8)).toEqual([]);
      expect(result.checked).toBeGreaterThan(200);
    });
  }

  it("builds a 640 x 480 ray table in the worker: the page never blocks on it", async () => {
    const page = viewer.page;
    // Long tasks (> 50 ms on the page's main thread) from here on: [start, duration].
    await page.evaluate(() => {
      const seen: [number, number][] = [];
      (window as unknown as { longTasks: [number, number][] }).longTasks = seen;
      new PerformanceObserver((list) => {
        for (const entry of list.getEntries()) seen.push([entry.startTime, entry.duration]);
      }).observe({ type: "longtask" });
    });
    const before = await page.evaluate(() => window.__depthroom!.rayTables().builds.length);
    const big = Pinhole.fromIntrinsics({
      fx: 525,
      fy: 525,
      cx: 319.5,
      cy: 239.5,
      width: 640,
      height: 480,
      distortion: { model: "plumb_bob", coefficients: [-0.3, 0.1, 0.001, -0.001, 0] },
    });
    viewer.rig.log("big", new Transform3D({ translation: [100, 0, 0] }));
    viewer.rig.log("big/cam", big);
    viewer.rig.log(
      "big/cam/depth",
      new DepthImage(new Uint16Array(640 * 480).fill(1500), { width: 640, height: 480 }),
    );
    await viewer.rig.flush();
    await waitInPage(
      page,
      (e) => window.__depthroom!.stats().find((s) => s.entity === e)?.hasCloud === true,
      "big/cam/depth",
    );
    const { builds, tasks } = await page.evaluate(() => ({
      builds: window.__depthroom!.rayTables().builds,
      tasks: (window as unknown as { longTasks: [number, number][] }).longTasks,
    }));
    const built = builds.slice(before);
    expect(built).toHaveLength(1);
    const table = built[0] as (typeof built)[number];
    // The page's long tasks while the table was being built (asked for until its texture was made).
    const meanwhile = tasks.filter(([start, ms]) => start < table.readyAt && start + ms > table.askedAt);
    const longest = Math.max(0, ...meanwhile.map(([, ms]) => ms));
    process.stdout.write(
      `640 x 480 ray table: ${table.ms.toFixed(1)} ms in the ${table.where} (what the page spent on it before), ready ${(table.readyAt - table.askedAt).toFixed(0)} ms after it was asked for; the page's longest task meanwhile ${longest.toFixed(0)} ms (${meanwhile.length} over 50 ms)\n`,
    );
    expect(table.where).toBe("worker");
    // The page went on meanwhile: none of its tasks took as long as the build.
    expect(longest).toBeLessThan(table.ms);
  });

  it("built each distorted depth camera's ray table once, in the worker", async () => {
    const tables = await viewer.page.evaluate(() => window.__depthroom!.rayTables());
    expect(tables.where).toBe("worker");
    // reg and rat (80 x 60, different lenses) and big (640 x 480): three tables, each built once.
    expect(tables.builds.map((b) => b.where)).toEqual(["worker", "worker", "worker"]);
    expect(new Set(tables.builds.map((b) => b.key)).size).toBe(3);
  });
});
