import { colormapLookup, rerunExampleDepth } from "@depthroom/schema";
import { colorDistance, pixel, screenshotPixels } from "@depthroom/web/testing";
import { beforeAll, describe, expect, it } from "vitest";
import { logMessages, panelOf, screenshotPanel, waitForEntities, waitInPage } from "./support/session.ts";
import { viewerSuite } from "./support/suite.ts";

// Rerun's depth_image_3d example, streamed with the SDK into a session made on the home page.
const DEPTH = "world/camera/depth";

describe("depth_image_3d in the browser", () => {
  const viewer = viewerSuite({ session: "home" });

  beforeAll(async () => {
    await logMessages(viewer.rig);
    await waitForEntities(viewer.page, "hasCloud", [DEPTH]);
  });

  it("shows the three depth regions in viridis colours in the 2D view", async () => {
    const stats = await viewer.page.evaluate(
      (entity) => window.__depthroom!.stats().find((s) => s.entity === entity)!,
      DEPTH,
    );
    expect(stats).toMatchObject({ width: 300, height: 200, format: "r16ui", colormap: "viridis" });
    // Frames were decoded in the frame worker, off the page's main thread.
    expect(await viewer.page.evaluate(() => window.__depthroom!.decode())).toBe("worker");
    const { min, max } = stats.range!;
    const depth = rerunExampleDepth();
    // One pixel inside each region, away from the edges.
    const samples: [number, number][] = [
      [75, 75], // 20000
      [200, 160], // 45000
      [20, 20], // 65535
      [260, 40], // 65535
    ];
    const { panel, shot } = await screenshotPanel(viewer.page, "2d");
    const seen = new Set<string>();
    for (const [u, v] of samples) {
      const at = (await viewer.page.evaluate(
        ([entity, pu, pv]) => window.__depthroom!.pixelToClient(entity, pu, pv),
        [DEPTH, u, v] as const,
      ))!;
      const value = depth[v * 300 + u] as number;
      const expected = colormapLookup("viridis", (value - min) / (max - min));
      const actual = pixel(shot, at[0] - panel.x, at[1] - panel.y);
      expect(
        colorDistance(actual, expected),
        `pixel (${u}, ${v}) = ${value}: ${actual} vs ${expected}`,
      ).toBeLessThanOrEqual(3);
      seen.add(actual.join(","));
    }
    expect(seen.size).toBe(3);
  });

  it("shows a non-empty cloud in 3D whose pixels change when the camera orbits", async () => {
    const panel = await panelOf(viewer.page, "3d");
    const clip = { x: panel.x, y: panel.y, width: panel.width, height: panel.height };
    const viridis = (rgb: readonly number[]) =>
      [0, 0.5, 1].some((t) => colorDistance(rgb, colormapLookup("viridis", t)) <= 3);
    const countCloud = (shot: Awaited<ReturnType<typeof screenshotPixels>>) => {
      let n = 0;
      for (let y = 0; y < shot.height; y += 2)
        for (let x = 0; x < shot.width; x += 2) if (viridis(pixel(shot, x, y))) n++;
      return n;
    };
    const before = await screenshotPixels(viewer.page, clip);
    const cloudBefore = countCloud(before);
    expect(cloudBefore).toBeGreaterThan(2000);

    const drawsBefore = await viewer.page.evaluate(() => window.__depthroom!.framesDrawn());
    const poseBefore = await viewer.page.evaluate(() => window.__depthroom!.pose());
    await viewer.page.mouse.move(panel.x + panel.width / 2, panel.y + panel.height / 2);
    await viewer.page.mouse.down();
    await viewer.page.mouse.move(panel.x + panel.width / 2 + 120, panel.y + panel.height / 2 + 30, {
      steps: 6,
    });
    await viewer.page.mouse.up();
    await waitInPage(viewer.page, (n) => window.__depthroom!.framesDrawn() > n, drawsBefore);
    const poseAfter = await viewer.page.evaluate(() => window.__depthroom!.pose());
    expect(poseAfter.eye).not.toEqual(poseBefore.eye);

    const after = await screenshotPixels(viewer.page, clip);
    expect(countCloud(after)).toBeGreaterThan(2000);
    let changed = 0;
    for (let i = 0; i < after.data.length; i += 4)
      if (colorDistance(before.data.subarray(i, i + 3), after.data.subarray(i, i + 3)) > 8) changed++;
    expect(changed).toBeGreaterThan(5000);

    // A point of the cloud projects where the screenshot shows its colour: (0, 0) of the near square.
    const near = (await viewer.page.evaluate(
      () => window.__depthroom!.readout("world/camera/depth", 100, 100)!.worldPoint!,
    ))!;
    const at = (await viewer.page.evaluate((p) => window.__depthroom!.project(p), near))!;
    const color = pixel(after, at[0] - panel.x, at[1] - panel.y);
    expect(colorDistance(color, colormapLookup("viridis", 0))).toBeLessThanOrEqual(3);
  });

  it("hovering pixel (100, 100) shows 2.0 m and (-0.5, 0, 2.0)", async () => {
    const at = (await viewer.page.evaluate(
      (entity) => window.__depthroom!.pixelToClient(entity, 100, 100),
      DEPTH,
    ))!;
    await viewer.page.mouse.move(at[0], at[1]);
    const readout = viewer.page.getByTestId("readout");
    await readout.waitFor();
    expect(await readout.getAttribute("data-u")).toBe("100");
    expect(await readout.getAttribute("data-v")).toBe("100");
    expect(await viewer.page.getByTestId("readout-depth").textContent()).toBe("2.000 m");
    expect(await viewer.page.getByTestId("readout-point").textContent()).toBe("(-0.500, 0.000, 2.000)");
  });
});
