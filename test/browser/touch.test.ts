import { DepthImage, Pinhole } from "@depthroom/schema";
import { loadSampleSets } from "@depthroom/schema/testing";
import type { RecordingStream } from "@depthroom/sdk";
import { type Browser, type BrowserContext, type CDPSession, devices, type Page } from "playwright-core";
import { afterAll, beforeAll, describe, expect, inject, it } from "vitest";
import { startTestRelay, type TestRelay } from "../support/relay.ts";
import { linkFor } from "./support/links.ts";
import { launchChromium, producer, waitInPage } from "./support/session.ts";

// Issue 21: touch on a phone (Pixel 7 profile), driven by CDP touch events (Input.dispatchTouchEvent):
// one finger orbits, two fingers pinch (radius) and pan, a long press on the 2D view shows that pixel's
// readout, and the help and hints speak of fingers.
const TUM = "world/tum/depth";

type Point = { x: number; y: number };

describe("touch on a phone", () => {
  let relay: TestRelay;
  let browser: Browser;
  let context: BrowserContext;
  let page: Page;
  let cdp: CDPSession;
  let rig: RecordingStream;
  const [tum] = loadSampleSets();

  const touch = (type: "touchStart" | "touchMove" | "touchEnd", points: readonly Point[]) =>
    cdp.send("Input.dispatchTouchEvent", {
      type,
      touchPoints: points.map((p, id) => ({ x: p.x, y: p.y, id })),
    });

  /** Fingers moved from `from` to `to` in `steps` steps. */
  async function gesture(from: readonly Point[], to: readonly Point[], steps = 8) {
    await touch("touchStart", from);
    for (let i = 1; i <= steps; i++) {
      const at = from.map((f, j) => ({
        x: f.x + ((to[j]!.x - f.x) * i) / steps,
        y: f.y + ((to[j]!.y - f.y) * i) / steps,
      }));
      await touch("touchMove", at);
    }
    await touch("touchEnd", []);
  }

  const orbit = () =>
    page.evaluate(() => {
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
    relay = await startTestRelay();
    const session = await relay.createSession();
    const webUrl = inject("webUrl");
    browser = await launchChromium();
    context = await browser.newContext({ ...devices["Pixel 7"] });
    page = await context.newPage();
    page.on("pageerror", (error) => process.stderr.write(`page error: ${error.message}\n`));
    cdp = await context.newCDPSession(page);
    await page.goto(linkFor(webUrl, relay.url, session, "edit"));
    rig = await producer(linkFor(webUrl, relay.url, session, "publish"));
    rig.log(
      "world/tum",
      Pinhole.fromIntrinsics({ fx: 525, fy: 525, cx: 319.5, cy: 239.5, width: 640, height: 480 }),
    );
    const frame = tum!.frames[0]!;
    rig.log(TUM, new DepthImage(frame.depth, { width: 640, height: 480, meter: tum!.unitsPerMetre }));
    await waitInPage(
      page,
      (e) => window.__depthroom?.stats().find((s) => s.entity === e)?.uploads,
      TUM,
      60_000,
    );
  }, 120_000);

  afterAll(async () => {
    await rig?.close();
    await context?.close();
    await browser?.close();
    await relay?.close();
  });

  async function centre3d(): Promise<Point> {
    const box = (await page.getByTestId("panel-3d").boundingBox())!;
    return { x: box.x + box.width / 2, y: box.y + box.height / 2 };
  }

  it("orbits with one finger", async () => {
    const c = await centre3d();
    const before = await orbit();
    await gesture([{ x: c.x - 60, y: c.y }], [{ x: c.x + 60, y: c.y + 40 }]);
    await expect.poll(async () => Math.abs((await orbit()).azimuth - before.azimuth)).toBeGreaterThan(0.05);
    const after = await orbit();
    expect(Math.abs(after.elevation - before.elevation)).toBeGreaterThan(0.01);
    expect(after.radius).toBeCloseTo(before.radius, 3);
  });

  it("pinches to zoom and pans with two fingers", async () => {
    const c = await centre3d();
    const before = await orbit();
    // Fingers apart: zoom in (a smaller radius).
    await gesture(
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
    await gesture(
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
    await page.keyboard.press("3"); // the 2D layout (one image at phone width)
    await page.getByTestId(`panel-2d-${TUM}`).waitFor();
    await page.waitForTimeout(300);
    const at = await page.evaluate((e) => window.__depthroom!.pixelToClient(e, 320, 240), TUM);
    expect(at).not.toBeNull();
    const [x, y] = at!;
    await touch("touchStart", [{ x, y }]);
    await page.waitForTimeout(900);
    await touch("touchEnd", []);
    const readout = page.getByTestId("readout");
    await readout.waitFor({ timeout: 5000 });
    const u = Number(await readout.getAttribute("data-u"));
    const v = Number(await readout.getAttribute("data-v"));
    expect(Math.abs(u - 320)).toBeLessThanOrEqual(1);
    expect(Math.abs(v - 240)).toBeLessThanOrEqual(1);
    const expected = await page.evaluate(([e, pu, pv]) => window.__depthroom!.readout(e, pu, pv), [
      TUM,
      u,
      v,
    ] as const);
    expect(Number(await readout.getAttribute("data-depth"))).toBeCloseTo(expected!.depthMeters!, 6);
  });

  it("speaks of fingers in the hints", async () => {
    await expect.poll(() => page.getByTestId("hint").textContent()).toContain("pinch");
  });
});
