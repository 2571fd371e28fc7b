import { devices } from "playwright-core";
import { beforeAll, describe, expect, it } from "vitest";
import { TUM, TUM_CAMERA, TUM_PINHOLE, tumDepthImage } from "./support/realSamples.ts";
import { waitForEntities } from "./support/session.ts";
import { viewerSuite } from "./support/suite.ts";
import { type Fingers, fingersOn, type Point } from "./support/touch.ts";

// Issue 21: touch on a phone (Pixel 7 profile), driven by CDP touch events (Input.dispatchTouchEvent):
// one finger orbits, two fingers pinch (radius) and pan, a long press on the 2D view shows that pixel's
// readout, and the help and hints speak of fingers.

describe("touch on a phone", () => {
  const viewer = viewerSuite({ open: "edit", context: { ...devices["Pixel 7"] } });
  let fingers: Fingers;

  const orbit = () =>
    viewer.page.evaluate(() => {
      const { eye, target } = window.__depthroom!.pose();
      const d = [eye[0] - target[0], eye[1] - target[1], eye[2] - target[2]];
      const radius = Math.hypot(d[0]!, d[1]!, d[2]!);
      return {
        radius,
        azimuth: Math.atan2(d[0]!, d[2]!),
        elevation: Math.asin(d[1]! / radius),
        target,
      };
    });

  beforeAll(async () => {
    fingers = await fingersOn(viewer.page);
    viewer.rig.log(TUM_CAMERA, TUM_PINHOLE);
    viewer.rig.log(TUM, tumDepthImage());
    await waitForEntities(viewer.page, "uploads", [TUM], 60_000);
  }, 120_000);

  async function centre3d(): Promise<Point> {
    const box = (await viewer.page.getByTestId("panel-3d").boundingBox())!;
    return { x: box.x + box.width / 2, y: box.y + box.height / 2 };
  }

  it("orbits with one finger", async () => {
    const c = await centre3d();
    const before = await orbit();
    await fingers.gesture([{ x: c.x - 60, y: c.y }], [{ x: c.x + 60, y: c.y + 40 }]);
    await expect.poll(async () => Math.abs((await orbit()).azimuth - before.azimuth)).toBeGreaterThan(0.05);
    const after = await orbit();
    expect(Math.abs(after.elevation - before.elevation)).toBeGreaterThan(0.01);
    expect(after.radius).toBeCloseTo(before.radius, 3);
  });

  it("pinches to zoom and pans with two fingers", async () => {
    const c = await centre3d();
    const before = await orbit();
    // Fingers apart: zoom in (a smaller radius).
    await fingers.gesture(
      [
        { x: c.x - 30, y: c.y },
        { x: c.x + 30, y: c.y },
      ],
      [
        { x: c.x - 90, y: c.y },
        { x: c.x + 90, y: c.y },
      ],
    );
    await expect.poll(async () => (await orbit()).radius).toBeLessThan(before.radius * 0.8);
    const zoomed = await orbit();
    expect(zoomed.azimuth).toBeCloseTo(before.azimuth, 2);
    // Both fingers moved together: the target moves (pan), the radius stays.
    await fingers.gesture(
      [
        { x: c.x - 40, y: c.y },
        { x: c.x + 40, y: c.y },
      ],
      [
        { x: c.x - 40, y: c.y + 80 },
        { x: c.x + 40, y: c.y + 80 },
      ],
    );
    const panned = await orbit();
    const moved = Math.hypot(
      panned.target[0] - zoomed.target[0],
      panned.target[1] - zoomed.target[1],
      panned.target[2] - zoomed.target[2],
    );
    expect(moved).toBeGreaterThan(0.01);
    expect(panned.radius).toBeCloseTo(zoomed.radius, 2);
  });

  it("shows a pixel's readout on a long press in the 2D view", async () => {
    await viewer.page.keyboard.press("3"); // the 2D layout (one image at phone width)
    await viewer.page.getByTestId(`panel-2d-${TUM}`).waitFor();
    await viewer.page.waitForTimeout(300);
    const at = await viewer.page.evaluate((e) => window.__depthroom!.pixelToClient(e, 320, 240), TUM);
    expect(at).not.toBeNull();
    const [x, y] = at!;
    await fingers.press({ x, y }, 900);
    const readout = viewer.page.getByTestId("readout");
    await readout.waitFor({ timeout: 5000 });
    const u = Number(await readout.getAttribute("data-u"));
    const v = Number(await readout.getAttribute("data-v"));
    expect(Math.abs(u - 320)).toBeLessThanOrEqual(1);
    expect(Math.abs(v - 240)).toBeLessThanOrEqual(1);
    const expected = await viewer.page.evaluate(([e, pu, pv]) => window.__depthroom!.readout(e, pu, pv), [
      TUM,
      u,
      v,
    ] as const);
    expect(Number(await readout.getAttribute("data-depth"))).toBeCloseTo(expected!.depthMeters!, 6);
  });

  it("speaks of fingers in the hints", async () => {
    await expect.poll(() => viewer.page.getByTestId("hint").textContent()).toContain("pinch");
  });
});
