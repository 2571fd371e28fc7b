import { screenshotPixels } from "@depthroom/web/testing";
import { devices, type Page } from "playwright-core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { AZURE, streamRealSamples, TUM } from "./support/realSamples.ts";
import { waitForEntities } from "./support/session.ts";
import { viewerSuite } from "./support/suite.ts";

// Issue 21: a session link opened on a phone and on a tablet (Playwright's device descriptors: their
// viewport, device pixel ratio, mobile user agent and touch). The demo-like session: the TUM frame under
// its PrimeSense pinhole (a 3D cloud and a 2D view) and the Azure frames (a second 2D view).

/** Every visible element whose box reaches past the viewport (a clipped overflow does not scroll). */
function overflowing(page: Page): Promise<string[]> {
  return page.evaluate(() => {
    const width = window.innerWidth;
    const height = window.innerHeight;
    const out: string[] = [];
    for (const element of document.body.querySelectorAll("*")) {
      const style = getComputedStyle(element);
      if (style.visibility === "hidden" || style.display === "contents") continue;
      const r = element.getBoundingClientRect();
      if (r.width === 0 || r.height === 0) continue;
      if (r.left < -0.5 || r.top < -0.5 || r.right > width + 0.5 || r.bottom > height + 0.5) {
        const id = element.getAttribute("data-testid") ?? element.className;
        out.push(
          `${element.tagName.toLowerCase()}.${String(id)} [${Math.round(r.left)},${Math.round(r.top)} ${Math.round(r.right)}x${Math.round(r.bottom)}] in ${width}x${height}`,
        );
      }
    }
    if (document.documentElement.scrollWidth > width)
      out.push(`page scrollWidth ${document.documentElement.scrollWidth}`);
    return out;
  });
}

/** Pixels of a screenshot of `box` that are clearly coloured (the colormap), not the grey UI. */
async function colourfulPixels(page: Page, box: { x: number; y: number; width: number; height: number }) {
  const image = await screenshotPixels(page, box);
  let count = 0;
  for (let i = 0; i < image.data.length; i += 4) {
    const r = image.data[i] as number;
    const g = image.data[i + 1] as number;
    const b = image.data[i + 2] as number;
    if (Math.max(r, g, b) - Math.min(r, g, b) > 60) count++;
  }
  return count / (image.width * image.height);
}

async function inViewport(page: Page, testId: string): Promise<boolean> {
  const box = await page.getByTestId(testId).boundingBox();
  const size = page.viewportSize()!;
  return (
    box !== null &&
    box.width > 0 &&
    box.x >= 0 &&
    box.y >= 0 &&
    box.x + box.width <= size.width &&
    box.y + box.height <= size.height
  );
}

describe.each(["Pixel 7", "iPad Mini"] as const)("a session link on a %s", (device) => {
  const viewer = viewerSuite({ open: "edit", context: { ...devices[device] } });
  let stop: (() => void) | undefined;
  const phone = device === "Pixel 7";

  beforeAll(async () => {
    stop = streamRealSamples(viewer.rig, 5);
    await waitForEntities(viewer.page, "uploads", [TUM, AZURE], 90_000);
  }, 150_000);

  afterAll(() => stop?.());

  it("draws the cloud at a capped pixel ratio, inside the screen", async () => {
    const canvas = await viewer.page.evaluate(() => {
      const c = document.querySelector("canvas") as HTMLCanvasElement;
      return { width: c.width, cssWidth: c.clientWidth, dpr: window.devicePixelRatio };
    });
    expect(canvas.dpr).toBe(devices[device].deviceScaleFactor);
    // Touch screens draw at most 1.5 canvas pixels per CSS pixel (Pixel 7: 2.625, iPad Mini: 2).
    expect(canvas.width / canvas.cssWidth).toBeLessThanOrEqual(1.51);
    const panel3d = viewer.page.getByTestId("panel-3d");
    const box = (await panel3d.boundingBox())!;
    const size = viewer.page.viewportSize()!;
    expect(box.x).toBeGreaterThanOrEqual(0);
    expect(box.x + box.width).toBeLessThanOrEqual(size.width);
    // The cloud: the colormap's colours over a good part of the 3D view once it is fitted.
    await viewer.page.evaluate(() => window.__depthroom!.fit());
    await expect
      .poll(() => colourfulPixels(viewer.page, box), { timeout: 30_000, interval: 500 })
      .toBeGreaterThan(0.02);
  });

  it(
    phone ? "shows one view at a time, a chosen image in 2D" : "shows the 3D and 2D views side by side",
    async () => {
      const kinds = () => viewer.page.evaluate(() => window.__depthroom!.panels().map((p) => p.kind));
      const entities = () =>
        viewer.page.evaluate(() => window.__depthroom!.panels().map((p) => p.entity ?? "3d"));
      if (phone) expect(await kinds()).toEqual(["3d"]);
      else expect((await kinds()).sort()).toEqual(["2d", "2d", "3d"]);
      await viewer.page.keyboard.press("3"); // the 2D layout
      if (phone) {
        await expect.poll(entities).toEqual([AZURE]);
        await viewer.page.getByTestId("image-choice").selectOption(TUM);
        await expect.poll(entities).toEqual([TUM]);
      } else {
        await expect.poll(entities).toEqual([AZURE, TUM]);
      }
      expect(await overflowing(viewer.page)).toEqual([]);
      await viewer.page.keyboard.press("1"); // back to the default layout
      await expect.poll(kinds).toContain("3d");
    },
  );

  it("reaches every top-level control, and nothing reaches past the screen", async () => {
    expect(await overflowing(viewer.page)).toEqual([]);
    const menu = viewer.page.getByTestId("menu-button");
    // Both screens are under the bar's 900 px: its controls are in the Menu.
    expect(await menu.isVisible()).toBe(true);
    await menu.tap();
    for (const id of ["share-button", "notes-button", "present-button", "entities-button"]) {
      expect(await inViewport(viewer.page, id), id).toBe(true);
    }
    expect(await overflowing(viewer.page)).toEqual([]);
    await viewer.page.getByTestId("share-button").tap();
    await viewer.page.getByTestId("share-edit").waitFor();
    expect(await overflowing(viewer.page)).toEqual([]);
    await viewer.page.keyboard.press("Escape");
    await menu.tap();
    await viewer.page.getByTestId("notes-button").tap();
    await expect.poll(() => viewer.page.locator(".collab-panel").isVisible()).toBe(true);
    expect(await overflowing(viewer.page)).toEqual([]);
    await menu.tap();
    await viewer.page.getByTestId("notes-button").tap(); // closes the notes
    // The entity tree as a sheet over the views.
    await menu.tap();
    await viewer.page.getByTestId("entities-button").tap();
    expect(await inViewport(viewer.page, "sidebar")).toBe(true);
    expect(await overflowing(viewer.page)).toEqual([]);
  });

  it("lays out the home page and the error page inside the screen", async () => {
    const context = viewer.page.context();
    await viewer.page.close(); // the last test: the viewer's drawing would starve the other page
    const other = await context.newPage();
    await other.goto(`${viewer.webUrl}/?relay=${encodeURIComponent(viewer.relay.url)}`);
    await other.getByTestId("create-session").waitFor({ timeout: 60_000 });
    expect(await overflowing(other)).toEqual([]);
    await other.goto(
      `${viewer.webUrl}/s/not-a-session?relay=${encodeURIComponent(viewer.relay.url)}#token=x`,
    );
    await other.locator(".error-page").waitFor();
    expect(await overflowing(other)).toEqual([]);
    await other.close();
  });
});
