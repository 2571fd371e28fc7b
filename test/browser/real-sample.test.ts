import { colorDistance, NO_DEPTH_COLORS, pixel, screenshotPixels } from "@depthroom/web/testing";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { AZURE, streamRealSamples, TUM, TUM_FRAME } from "./support/realSamples.ts";
import { waitForEntities } from "./support/session.ts";
import { viewerSuite } from "./support/suite.ts";

// The shipped real frames, streamed live: the TUM Kinect frame under its PrimeSense pinhole, and the
// six Azure Kinect frames in a loop at 15 Hz with a `frame` timeline.

describe("the real sample sequence, live", () => {
  const viewer = viewerSuite({ open: "edit" });
  let stop: (() => void) | undefined;

  beforeAll(async () => {
    stop = streamRealSamples(viewer.rig, 15);
    await waitForEntities(viewer.page, "uploads", [TUM, AZURE]);
  });

  afterAll(() => stop?.());

  it("updates the views live and the frame counter advances", async () => {
    const counter = viewer.page.getByTestId("frame-counter");
    const read = async () => Number(await counter.getAttribute("data-frames"));
    const uploads = () =>
      viewer.page.evaluate((e) => window.__depthroom!.stats().find((s) => s.entity === e)!.uploads, AZURE);
    const first = await read();
    const firstUploads = await uploads();
    const frameOf = () =>
      viewer.page.evaluate((e) => window.__depthroom!.state().entities[e]?.frame ?? -1, AZURE);
    const firstFrame = await frameOf();
    // Polled, not timed: SwiftShader draws a 640x480 cloud in a few hundred ms on a busy 2-core machine.
    await expect.poll(read, { timeout: 15_000, interval: 250 }).toBeGreaterThan(first + 10);
    await expect.poll(frameOf, { timeout: 15_000, interval: 250 }).toBeGreaterThan(firstFrame + 10);
    await expect.poll(uploads, { timeout: 15_000, interval: 250 }).toBeGreaterThan(firstUploads + 3);
    await expect.poll(() => counter.textContent()).toMatch(/^\d+ frames$/);
    // The entity tree shows the stream's rate.
    const row = viewer.page.locator(`[data-entity="${AZURE}"]`);
    await expect
      .poll(async () => (await row.textContent()) ?? "", { timeout: 5000 })
      .toMatch(/320×288 U16 · 1\d(\.\d)? Hz/);
  });

  it("draws pixels without depth as the grey checkerboard, never a colormap colour", async () => {
    const depth = TUM_FRAME.depth;
    // The centre of a 9 x 9 block of pixels without depth (the view shows about 0.6 screen px per pixel).
    const blank = (cu: number, cv: number) => {
      for (let dv = -4; dv <= 4; dv++)
        for (let du = -4; du <= 4; du++) if (depth[(cv + dv) * 640 + cu + du] !== 0) return false;
      return true;
    };
    let found: [number, number] | undefined;
    for (let cv = 4; cv < 476 && !found; cv++)
      for (let cu = 4; cu < 636 && !found; cu++) if (blank(cu, cv)) found = [cu, cv];
    expect(found).toBeDefined();
    const [u, v] = found!;
    const readout = (await viewer.page.evaluate(([e, pu, pv]) => window.__depthroom!.readout(e, pu, pv), [
      TUM,
      u,
      v,
    ] as const))!;
    expect(readout.depthMeters).toBeUndefined();
    const at = (await viewer.page.evaluate(([e, pu, pv]) => window.__depthroom!.pixelToClient(e, pu, pv), [
      TUM,
      u,
      v,
    ] as const))!;
    const shot = await screenshotPixels(viewer.page, {
      x: Math.round(at[0]) - 1,
      y: Math.round(at[1]) - 1,
      width: 3,
      height: 3,
    });
    const color = pixel(shot, 1, 1);
    const greys = NO_DEPTH_COLORS.map((c) => c.map((x) => Math.round(x * 255)));
    expect(Math.min(...greys.map((g) => colorDistance(color, g))), `${color}`).toBeLessThanOrEqual(2);
  });
});
