import { DepthImage, Pinhole, pixelRay, unprojectPixel } from "@depthroom/schema";
import { colorDistance, type Pixels, pixel, screenshotPixels } from "@depthroom/web/testing";
import { beforeAll, describe, expect, it } from "vitest";
import { panelOf, screenshotPanel, waitInPage } from "./support/session.ts";
import { viewerSuite } from "./support/suite.ts";

// Issue 17 in Chromium: a tilted wall at 2 m seen through a camera with fx = 600, fy = 500, the principal
// point off centre and k1 = -0.3. The GPU cloud (drawn through the pinhole's ray table) sits where the CPU
// `unproject` puts each point, the hover readout shows the CPU point, and the 2D view keeps square pixels.

const CAM = "world/cam";
const DEPTH = "world/cam/depth";
const WIDTH = 640;
const HEIGHT = 480;
const K = { fx: 600, fy: 500, cx: 337.5, cy: 214.25 };
const DISTORTION = { model: "plumb_bob", coefficients: [-0.3, 0, 0, 0, 0] } as const;
const pinhole = Pinhole.fromIntrinsics({ ...K, width: WIDTH, height: HEIGHT, distortion: DISTORTION });
const plain = Pinhole.fromIntrinsics({ ...K, width: WIDTH, height: HEIGHT });
const STEP = 48;

/** Sparse depth (mm) of the wall on a STEP grid: isolated points a screenshot can find one by one. */
function wall(): { image: DepthImage; pixels: [number, number][] } {
  const depth = new Uint16Array(WIDTH * HEIGHT);
  const normal = [Math.sin(0.35), Math.sin(0.17), 1] as const;
  const ray = [0, 0];
  const pixels: [number, number][] = [];
  for (let v = STEP / 2; v < HEIGHT; v += STEP) {
    for (let u = STEP / 2; u < WIDTH; u += STEP) {
      if (!pixelRay(pinhole, u, v, ray)) continue;
      const z =
        (2 * normal[2]) / (normal[0] * (ray[0] as number) + normal[1] * (ray[1] as number) + normal[2]);
      depth[v * WIDTH + u] = Math.round(z * 1000);
      pixels.push([u, v]);
    }
  }
  return { image: new DepthImage(depth, { width: WIDTH, height: HEIGHT, colormap: "turbo" }), pixels };
}

/** The centroid of the pixels that changed between two screenshots within `radius` of (x, y). */
function blobAt(
  before: Pixels,
  after: Pixels,
  x: number,
  y: number,
  radius: number,
): [number, number] | undefined {
  let sx = 0;
  let sy = 0;
  let n = 0;
  for (let py = Math.round(y) - radius; py <= Math.round(y) + radius; py++) {
    for (let px = Math.round(x) - radius; px <= Math.round(x) + radius; px++) {
      if (px < 0 || py < 0 || px >= after.width || py >= after.height) continue;
      const i = (py * after.width + px) * 4;
      let diff = 0;
      for (let c = 0; c < 3; c++)
        diff = Math.max(diff, Math.abs((after.data[i + c] as number) - (before.data[i + c] as number)));
      if (diff > 24) {
        sx += px + 0.5;
        sy += py + 0.5;
        n++;
      }
    }
  }
  return n > 0 ? [sx / n, sy / n] : undefined;
}

describe("lens distortion in the browser", () => {
  const viewer = viewerSuite({ session: "home" });
  const { image, pixels } = wall();

  beforeAll(async () => {
    viewer.rig.log(CAM, pinhole, { static: true });
    viewer.rig.log(DEPTH, new DepthImage(new Uint16Array(WIDTH * HEIGHT), { width: WIDTH, height: HEIGHT }));
    await viewer.rig.flush();
    await waitInPage(
      viewer.page,
      (entity) => window.__depthroom?.stats().some((s) => s.entity === entity),
      DEPTH,
    );
  });

  it("draws each GPU point where the CPU unproject puts it, not where the plain pinhole would", async () => {
    const drawn = await viewer.page.evaluate(() => window.__depthroom!.framesDrawn());
    expect(await viewer.page.evaluate((entity) => window.__depthroom!.lookThrough(entity), DEPTH)).toBe(true);
    const panel = await panelOf(viewer.page, "3d");
    const clip = { x: panel.x, y: panel.y, width: panel.width, height: panel.height };
    await waitInPage(viewer.page, (n) => window.__depthroom!.framesDrawn() > n, drawn);
    await viewer.page.waitForTimeout(500);
    const before = await screenshotPixels(viewer.page, clip);

    const drawnBefore = await viewer.page.evaluate(() => window.__depthroom!.framesDrawn());
    viewer.rig.log(DEPTH, image);
    await viewer.rig.flush();
    const [u0, v0] = pixels[0] as [number, number];
    await waitInPage(
      viewer.page,
      ([entity, u, v]) => window.__depthroom!.readout(entity, u, v)?.value !== undefined,
      [DEPTH, u0, v0] as const,
    );
    await waitInPage(viewer.page, (n) => window.__depthroom!.framesDrawn() > n, drawnBefore);
    await viewer.page.waitForTimeout(500);
    const after = await screenshotPixels(viewer.page, clip);

    let compared = 0;
    let worst = 0;
    let plainNearer = 0;
    let plainOff = 0;
    let sumDx = 0;
    let sumDy = 0;
    for (const [u, v] of pixels) {
      const readout = (await viewer.page.evaluate(([e, pu, pv]) => window.__depthroom!.readout(e, pu, pv), [
        DEPTH,
        u,
        v,
      ] as const))!;
      const world = readout.worldPoint!;
      const camera = readout.cameraPoint!;
      // The CPU reference: the schema's unproject with the distortion (the readout shows the same point).
      const cpu = unprojectPixel(u, v, image.data[v * WIDTH + u] as number, 1000, pinhole)!;
      for (let i = 0; i < 3; i++)
        expect(Math.abs((camera[i] as number) - (cpu[i] as number))).toBeLessThan(1e-9);
      // Where the point would be without the distortion, moved into the world as the camera point is.
      const noLens = unprojectPixel(u, v, image.data[v * WIDTH + u] as number, 1000, plain)!;
      const plainWorld = world.map((w, i) => w + (noLens[i] as number) - (cpu[i] as number)) as [
        number,
        number,
        number,
      ];
      const at = await viewer.page.evaluate(
        (p) => window.__depthroom!.project(p),
        world as [number, number, number],
      );
      const atPlain = await viewer.page.evaluate((p) => window.__depthroom!.project(p), plainWorld);
      if (!at || !atPlain) continue;
      const x = at[0] - panel.x;
      const y = at[1] - panel.y;
      if (x < 8 || y < 8 || x > panel.width - 8 || y > panel.height - 8) continue;
      const blob = blobAt(before, after, x, y, 4);
      expect(blob, `GPU point of pixel (${u}, ${v}) near (${x.toFixed(1)}, ${y.toFixed(1)})`).toBeDefined();
      const [bx, by] = blob as [number, number];
      const error = Math.hypot(bx - x, by - y);
      const plainError = Math.hypot(bx - (atPlain[0] - panel.x), by - (atPlain[1] - panel.y));
      worst = Math.max(worst, error);
      sumDx += bx - x;
      sumDy += by - y;
      // Where the distortion moves a point by more than 3 px, the GPU drew it at the distorted place.
      if (plainError > 3) plainOff++;
      if (plainError > 3 && plainError <= error) plainNearer++;
      compared++;
    }
    process.stdout.write(
      `lens distortion: ${compared} GPU points, worst ${worst.toFixed(2)} px from the CPU point's projection (mean offset ${(sumDx / compared).toFixed(2)}, ${(sumDy / compared).toFixed(2)}); ${plainOff} of them > 3 px from the plain pinhole's\n`,
    );
    expect(compared).toBeGreaterThan(60);
    // Within a pixel (the screenshot's resolution; the points' centroids carry a common offset of about
    // half a pixel from rasterisation).
    expect(worst).toBeLessThan(1.5);
    expect(plainNearer).toBe(0);
    expect(plainOff).toBeGreaterThan(compared / 2);
  });

  it("looking at single points through a 0.002 rad field of view: GPU = CPU unproject within 1e-4 relative", async () => {
    const panel = await panelOf(viewer.page, "3d");
    const clip = { x: panel.x, y: panel.y, width: panel.width, height: panel.height };
    const { up } = await viewer.page.evaluate(() => window.__depthroom!.pose());
    const fovY = 0.002;
    // The corners and edges, where the distortion moves points most, and the centre.
    const chosen = [pixels[0], pixels[pixels.length - 1], pixels[Math.floor(pixels.length / 2)]];
    for (const [u, v] of pixels)
      if ((u > 560 || u < 60) && v > 160 && v < 260 && chosen.length < 6) chosen.push([u, v]);
    let worst = 0;
    for (const [u, v] of chosen as [number, number][]) {
      const readout = (await viewer.page.evaluate(([e, pu, pv]) => window.__depthroom!.readout(e, pu, pv), [
        DEPTH,
        u,
        v,
      ] as const))!;
      const target = readout.worldPoint as [number, number, number];
      const eye = target.map((c) => c * 0.5) as [number, number, number];
      const distance = Math.hypot(...target.map((c, i) => c - (eye[i] as number)));
      const drawn = await viewer.page.evaluate(() => window.__depthroom!.framesDrawn());
      await viewer.page.evaluate((pose) => window.__depthroom!.setPose(pose), { eye, target, up, fovY });
      await waitInPage(viewer.page, (n) => window.__depthroom!.framesDrawn() > n, drawn);
      await viewer.page.waitForTimeout(300);
      const shot = await screenshotPixels(viewer.page, clip);
      const background = pixel(shot, 2, 2);
      let [sx, sy, n] = [0, 0, 0];
      for (let y = 0; y < shot.height; y++) {
        for (let x = 0; x < shot.width; x++) {
          if (colorDistance(pixel(shot, x, y), background) <= 24) continue;
          sx += x + 0.5;
          sy += y + 0.5;
          n++;
        }
      }
      expect(n, `the GPU point of pixel (${u}, ${v}) is in view`).toBeGreaterThan(0);
      // Screen pixels to metres at the target: the view spans 2 tan(fovY / 2) * distance over its height.
      const metresPerPx = (2 * Math.tan(fovY / 2) * distance) / panel.height;
      // Where the CPU point projects through this view (the panel's centre, up to the viewport's placement).
      const at = (await viewer.page.evaluate((p) => window.__depthroom!.project(p), target))!;
      const offset = Math.hypot(sx / n - (at[0] - panel.x), sy / n - (at[1] - panel.y)) * metresPerPx;
      const relative = offset / Math.hypot(...target);
      worst = Math.max(worst, relative);
    }
    process.stdout.write(
      `lens distortion, zoomed: ${chosen.length} points, GPU vs CPU lateral offset at most ${worst.toExponential(2)} of the distance\n`,
    );
    // Drawn without the ray table (the plain pinhole's rays) this measured 6.55e-4.
    expect(worst).toBeLessThan(1e-4);
  });

  it("hovering a pixel reads the CPU unproject's point", async () => {
    const [u, v] = pixels.find(([pu, pv]) => pu > 500 && pv > 350) as [number, number];
    const at = (await viewer.page.evaluate(([e, pu, pv]) => window.__depthroom!.pixelToClient(e, pu, pv), [
      DEPTH,
      u,
      v,
    ] as const))!;
    await viewer.page.mouse.move(at[0], at[1]);
    const readout = viewer.page.getByTestId("readout");
    await readout.waitFor();
    expect(await readout.getAttribute("data-u")).toBe(String(u));
    expect(await readout.getAttribute("data-v")).toBe(String(v));
    const cpu = unprojectPixel(u, v, image.data[v * WIDTH + u] as number, 1000, pinhole)!;
    const noLens = unprojectPixel(u, v, image.data[v * WIDTH + u] as number, 1000, plain)!;
    const text = `(${cpu.map((c) => c.toFixed(3)).join(", ")})`;
    expect(text).not.toBe(`(${noLens.map((c) => c.toFixed(3)).join(", ")})`);
    expect(await viewer.page.getByTestId("readout-point").textContent()).toBe(text);
  });

  it("shows the fx != fy image with square pixels in 2D (its size on screen is width : height)", async () => {
    const corner = (u: number, v: number) =>
      viewer.page.evaluate(([e, pu, pv]) => window.__depthroom!.pixelToClient(e, pu, pv), [
        DEPTH,
        u,
        v,
      ] as const);
    const a = (await corner(0, 0))!;
    const b = (await corner(WIDTH - 1, 0))!;
    const c = (await corner(0, HEIGHT - 1))!;
    const du = (b[0] - a[0]) / (WIDTH - 1);
    const dv = (c[1] - a[1]) / (HEIGHT - 1);
    expect(Math.abs(du / dv - 1)).toBeLessThan(1e-6);
    // On the screenshot: a full frame of depth covers a width x height rectangle of screen pixels
    // (stretching by fy / fx would make it 1.2 times taller than that).
    const drawnBefore = await viewer.page.evaluate(() => window.__depthroom!.framesDrawn());
    viewer.rig.log(
      DEPTH,
      new DepthImage(new Uint16Array(WIDTH * HEIGHT).fill(2000), { width: WIDTH, height: HEIGHT }),
    );
    await viewer.rig.flush();
    await waitInPage(viewer.page, (e) => window.__depthroom!.readout(e, 0, 1)?.value === 2000, DEPTH);
    await waitInPage(viewer.page, (n) => window.__depthroom!.framesDrawn() > n, drawnBefore);
    await viewer.page.waitForTimeout(500);
    const { panel, shot } = await screenshotPanel(viewer.page, "2d");
    const centre = (await corner(WIDTH / 2, HEIGHT / 2))!;
    const colour = pixel(shot, centre[0] - panel.x, centre[1] - panel.y);
    let [minX, minY, maxX, maxY] = [shot.width, shot.height, -1, -1];
    for (let y = 0; y < shot.height; y++) {
      for (let x = 0; x < shot.width; x++) {
        if (colorDistance(pixel(shot, x, y), colour) > 3) continue;
        minX = Math.min(minX, x);
        maxX = Math.max(maxX, x);
        minY = Math.min(minY, y);
        maxY = Math.max(maxY, y);
      }
    }
    const across = maxX - minX + 1;
    const down = maxY - minY + 1;
    process.stdout.write(
      `2D: the 640 x 480 image covers ${across} x ${down} screen pixels (${du.toFixed(4)} per image pixel across, ${dv.toFixed(4)} down)\n`,
    );
    expect(Math.abs(across - WIDTH * du)).toBeLessThanOrEqual(2);
    expect(Math.abs(down - HEIGHT * dv)).toBeLessThanOrEqual(2);
    expect(Math.abs(across / down - WIDTH / HEIGHT)).toBeLessThan(0.01);
  });
});
