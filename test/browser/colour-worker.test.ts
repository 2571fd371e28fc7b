import { DepthImage, EncodedImage, Image, Pinhole } from "@depthroom/schema";
import { colorDistance, pixel, screenshotPixels } from "@depthroom/web/testing";
import type { Page } from "playwright-core";
import { beforeAll, describe, expect, it } from "vitest";
import { waitInPage } from "./support/session.ts";
import { type ViewerSuite, viewerSuite } from "./support/suite.ts";

// Issue 16, colour decoding in the frame core (real Chromium, real relay): a JPEG / PNG (EncodedImage) is
// decoded in the frame worker and the page gets a ready ImageBitmap (the page's own createImageBitmap is
// never called for it); with `?decode=main` the same core decodes on the page. Bytes that do not decode
// are a problem in the viewer state, and the next good frame shows; a burst ends on its last frame.
// 16-bit grey Images (L, U16) are drawn through an automatic range, in their 2D view and as the colour of
// a registered cloud.

const W = 48;
const H = 64;
const F = 60;
const GREEN: [number, number, number] = [20, 200, 60];
const ORANGE: [number, number, number] = [240, 140, 20];

/**
 * Counts the page's own createImageBitmap decodes of a 48 x 64 image: the test's images (the frame
 * worker's decodes are not the page's; the screenshots decoded by `screenshotPixels` are panel-sized).
 */
const COUNT_PAGE_DECODES = () => {
  const original = window.createImageBitmap.bind(window) as (...args: unknown[]) => Promise<ImageBitmap>;
  const counted = window as unknown as { __pageImageDecodes: number };
  counted.__pageImageDecodes = 0;
  window.createImageBitmap = ((...args: unknown[]) =>
    original(...args).then((bitmap) => {
      if (bitmap.width === 48 && bitmap.height === 64) counted.__pageImageDecodes++;
      return bitmap;
    })) as typeof window.createImageBitmap;
};

const pinhole = () => Pinhole.fromIntrinsics({ fx: F, fy: F, cx: W / 2, cy: H / 2, width: W, height: H });

/** A W x H PNG of one colour, encoded (losslessly) by the page's canvas. */
async function solid(page: Page, rgb: readonly number[]): Promise<EncodedImage> {
  const bytes = await page.evaluate(
    async ([w, h, [r, g, b]]) => {
      const canvas = new OffscreenCanvas(w, h);
      const context = canvas.getContext("2d") as OffscreenCanvasRenderingContext2D;
      context.fillStyle = `rgb(${r}, ${g}, ${b})`;
      context.fillRect(0, 0, w, h);
      return [...new Uint8Array(await (await canvas.convertToBlob({ type: "image/png" })).arrayBuffer())];
    },
    [W, H, rgb] as const,
  );
  return new EncodedImage(new Uint8Array(bytes));
}

/** The colour image stats of an entity in the page. */
const imageStats = (page: Page, entity: string) =>
  page.evaluate((e) => window.__depthroom!.colors().images.find((i) => i.entity === e), entity);

/** The colour the 2D view of `entity` shows at image pixel (u, v). */
async function shownAt(page: Page, entity: string, points: readonly (readonly [number, number])[]) {
  // The image's stats are recorded as it arrives; its panel is laid out on a later render.
  await waitInPage(page, (e) => window.__depthroom!.panels().some((p) => p.entity === e), entity);
  const panel = await page.evaluate((e) => window.__depthroom!.panels().find((p) => p.entity === e), entity);
  expect(panel, `${entity} has a 2D panel`).toBeTruthy();
  const shot = await screenshotPixels(page, {
    x: panel!.x,
    y: panel!.y,
    width: panel!.width,
    height: panel!.height,
  });
  const out: [number, number, number][] = [];
  for (const [u, v] of points) {
    const p = await page.evaluate(([e, pu, pv]) => window.__depthroom!.pixelToClient(e, pu, pv), [
      entity,
      u,
      v,
    ] as const);
    expect(p, `${entity} (${u}, ${v}) on screen`).toBeTruthy();
    out.push(pixel(shot, Math.round(p![0] - panel!.x), Math.round(p![1] - panel!.y)));
  }
  return out;
}

/** Log a solid-colour PNG at `frame` and wait until the page shows that frame of `entity`. */
async function showSolid(viewer: ViewerSuite, entity: string, frame: number, rgb: readonly number[]) {
  const image = await solid(viewer.page, rgb);
  viewer.rig.setTime("frame", frame);
  viewer.rig.log(entity, image);
  await viewer.rig.flush();
  await waitInPage(
    viewer.page,
    ([e, f]) => window.__depthroom!.colors().images.find((i) => i.entity === e)?.frame === f,
    [entity, frame] as const,
  );
}

/** Reload `viewer`'s page with the page's createImageBitmap calls counted. */
async function countingPageDecodes(viewer: ViewerSuite): Promise<void> {
  await viewer.page.addInitScript(COUNT_PAGE_DECODES);
  await viewer.page.reload();
  await viewer.page.getByTestId("viewer").waitFor();
}

const pageDecodes = (page: Page) =>
  page.evaluate(() => (window as unknown as { __pageImageDecodes: number }).__pageImageDecodes);

describe("colour images decoded in the frame worker", () => {
  const viewer = viewerSuite({ session: { title: "colour worker" } });
  const RGB = "cam/rgb";

  beforeAll(async () => {
    await countingPageDecodes(viewer);
    viewer.rig.log("cam", pinhole());
  });

  it("hands the page a ready bitmap: decoded in the worker, never by the page", async () => {
    await showSolid(viewer, RGB, 1, GREEN);
    expect(await viewer.page.evaluate(() => window.__depthroom!.decode())).toBe("worker");
    const stats = await imageStats(viewer.page, RGB);
    expect(stats?.kind).toBe("bitmap");
    expect(stats?.decodeMs.length).toBeGreaterThanOrEqual(1);
    expect(stats?.decodeMs.every((ms) => ms > 0)).toBe(true);
    for (const shown of await shownAt(viewer.page, RGB, [
      [2, 2],
      [24, 32],
      [45, 60],
    ]))
      expect(colorDistance(shown, GREEN), `${shown}`).toBeLessThanOrEqual(3);
    expect(await pageDecodes(viewer.page)).toBe(0);
  });

  it("decodes a JPEG with ImageDecoder to its YUV planes: the 2D view shows the colours the page's own decoder gives", async () => {
    // Four 24 x 32 blocks of colour (JPEG's 8 x 8 / 16 x 16 blocks lie inside them), quality 0.95.
    const blocks = [GREEN, ORANGE, [40, 60, 220], [230, 40, 40]] as const;
    const { jpeg, reference } = await viewer.page.evaluate(
      async ([w, h, colours]) => {
        const canvas = new OffscreenCanvas(w, h);
        const context = canvas.getContext("2d") as OffscreenCanvasRenderingContext2D;
        colours.forEach(([r, g, b], i) => {
          context.fillStyle = `rgb(${r}, ${g}, ${b})`;
          context.fillRect((i % 2) * (w / 2), Math.floor(i / 2) * (h / 2), w / 2, h / 2);
        });
        const bytes = new Uint8Array(
          await (await canvas.convertToBlob({ type: "image/jpeg", quality: 0.95 })).arrayBuffer(),
        );
        // The page's decoder (an <img>, not the createImageBitmap this file counts) as the reference.
        const img = new window.Image();
        img.src = URL.createObjectURL(new Blob([bytes], { type: "image/jpeg" }));
        await img.decode();
        const check = new OffscreenCanvas(w, h).getContext("2d") as OffscreenCanvasRenderingContext2D;
        check.drawImage(img, 0, 0);
        return { jpeg: [...bytes], reference: [...check.getImageData(0, 0, w, h).data] };
      },
      [W, H, blocks] as const,
    );
    viewer.rig.setTime("frame", 50);
    viewer.rig.log(RGB, new EncodedImage(new Uint8Array(jpeg)));
    await viewer.rig.flush();
    await waitInPage(
      viewer.page,
      (e) => window.__depthroom!.colors().images.find((i) => i.entity === e)?.frame === 50,
      RGB,
    );
    expect((await imageStats(viewer.page, RGB))?.decodedAs).toBe("VideoFrame");
    const points = [
      [12, 16],
      [36, 16],
      [12, 48],
      [36, 48],
      [4, 4],
      [44, 60],
    ] as const;
    const shown = await shownAt(viewer.page, RGB, points);
    points.forEach(([u, v], i) => {
      const at = (v * W + u) * 4;
      const expected = reference.slice(at, at + 3);
      expect(
        colorDistance(shown[i]!, expected),
        `(${u}, ${v}): ${shown[i]} vs ${expected}`,
      ).toBeLessThanOrEqual(3);
    });
    expect(await pageDecodes(viewer.page)).toBe(0);
  });

  it("makes a JPEG that does not decode a problem, and shows the next good frame", async () => {
    viewer.rig.setTime("frame", 2);
    // A JPEG's signature, then noise: the relay forwards it (only the signature is checked).
    const noise = new Uint8Array(4000).map((_, i) => (i * 7919) % 251);
    noise.set([0xff, 0xd8, 0xff, 0xe0]);
    viewer.rig.log(RGB, new EncodedImage(noise));
    await viewer.rig.flush();
    await waitInPage(
      viewer.page,
      (e) => window.__depthroom!.state().problems.some((p) => p.message.includes(e)),
      RGB,
    );
    const problem = (await viewer.page.evaluate(() => window.__depthroom!.state().problems)).find((p) =>
      p.message.includes(RGB),
    );
    expect(problem?.code).toBe("bad-message");
    expect(problem?.message).toMatch(/image\/jpeg does not decode/);
    await showSolid(viewer, RGB, 3, ORANGE);
    const [shown] = await shownAt(viewer.page, RGB, [[24, 32]]);
    expect(colorDistance(shown!, ORANGE), `${shown}`).toBeLessThanOrEqual(3);
  });

  it("ends a burst on its last frame: frames replaced while one decodes are dropped, not queued", async () => {
    const before = await imageStats(viewer.page, RGB);
    const first = 100;
    const count = 40;
    // Each frame its own colour; the last one green.
    const frames: EncodedImage[] = [];
    for (let i = 0; i < count; i++)
      frames.push(await solid(viewer.page, i === count - 1 ? GREEN : [i * 5, 40, 255 - i * 5]));
    frames.forEach((image, i) => {
      viewer.rig.setTime("frame", first + i);
      viewer.rig.log(RGB, image);
    });
    await viewer.rig.flush();
    await waitInPage(
      viewer.page,
      ([e, f]) => window.__depthroom!.colors().images.find((i) => i.entity === e)?.frame === f,
      [RGB, first + count - 1] as const,
    );
    const [shown] = await shownAt(viewer.page, RGB, [[24, 32]]);
    expect(colorDistance(shown!, GREEN), `${shown}`).toBeLessThanOrEqual(3);
    const after = await imageStats(viewer.page, RGB);
    // Every frame the page got was decoded once and uploaded or replaced before its upload.
    const handed = after!.uploads + after!.skipped - (before!.uploads + before!.skipped);
    expect(handed).toBeGreaterThanOrEqual(1);
    expect(handed).toBeLessThanOrEqual(count);
    expect(await pageDecodes(viewer.page)).toBe(0);
  });

  it("draws a 16-bit grey Image through an automatic range, in 2D and as its registered cloud's colour", async () => {
    const rig = viewer.rig;
    rig.setTime("frame", 200);
    rig.log("grey", pinhole());
    rig.log(
      "grey/depth",
      new DepthImage(new Uint16Array(W * H).fill(2000), { width: W, height: H, pointFillRatio: 0.3 }),
    );
    // Three bands: 1000 (the range's low end: black), 2000 (half: mid grey), 3000 (its top: white).
    const level = (u: number) => (u < 16 ? 1000 : u < 32 ? 2000 : 3000);
    const grey = new Uint16Array(W * H);
    for (let v = 0; v < H; v++) for (let u = 0; u < W; u++) grey[v * W + u] = level(u);
    rig.log("grey/ir", new Image(grey, { width: W, height: H, colorModel: "L", datatype: "U16" }));
    await rig.flush();
    await waitInPage(
      viewer.page,
      () =>
        window.__depthroom!.colors().images.find((i) => i.entity === "grey/ir")?.uploads &&
        window.__depthroom!.colors().clouds.find((c) => c.entity === "grey/depth")?.colorEntity ===
          "grey/ir" &&
        window.__depthroom!.stats().find((s) => s.entity === "grey/depth")?.hasCloud,
      null,
    );
    const stats = await imageStats(viewer.page, "grey/ir");
    expect(stats?.kind).toBe("grey16");
    expect(stats?.greyRange).toEqual([1000, 3000]);
    const expected = (u: number) => {
      const g = Math.round(((level(u) - 1000) / 2000) * 255);
      return [g, g, g];
    };
    const points = [
      [4, 10],
      [20, 30],
      [40, 50],
    ] as const;
    const shown2d = await shownAt(viewer.page, "grey/ir", points);
    points.forEach(([u, v], i) => {
      const shown = shown2d[i]!;
      expect(colorDistance(shown, expected(u)), `2D (${u}, ${v}): ${shown}`).toBeLessThanOrEqual(3);
    });

    // The cloud, looked at through its camera: each point takes its own pixel's grey.
    const before = await viewer.page.evaluate(() => window.__depthroom!.framesDrawn());
    expect(await viewer.page.evaluate(() => window.__depthroom!.lookThrough("grey/depth"))).toBe(true);
    await waitInPage(viewer.page, (n) => window.__depthroom!.framesDrawn() > n, before);
    const panel = (await viewer.page.evaluate(() =>
      window.__depthroom!.panels().find((p) => p.kind === "3d"),
    ))!;
    const shot = await screenshotPixels(viewer.page, {
      x: panel.x,
      y: panel.y,
      width: panel.width,
      height: panel.height,
    });
    for (const [u, v] of points) {
      const at = await viewer.page.evaluate(
        ([pu, pv]) => {
          const p = window.__depthroom!.readout("grey/depth", pu, pv)?.worldPoint;
          return p ? window.__depthroom!.project(p) : null;
        },
        [u, v] as const,
      );
      expect(at, `(${u}, ${v}) has a point`).toBeTruthy();
      const shown = pixel(shot, Math.round(at![0] - panel.x), Math.round(at![1] - panel.y));
      expect(colorDistance(shown, expected(u)), `3D (${u}, ${v}): ${shown}`).toBeLessThanOrEqual(3);
    }
  });
});

describe("colour images decoded on the page (?decode=main)", () => {
  const viewer = viewerSuite({ session: { title: "colour on the page" }, query: "decode=main" });

  beforeAll(async () => {
    await countingPageDecodes(viewer);
    viewer.rig.log("cam", pinhole());
  });

  it("decodes with the same core on the page and shows the image", async () => {
    await showSolid(viewer, "cam/rgb", 1, ORANGE);
    expect(await viewer.page.evaluate(() => window.__depthroom!.decode())).toBe("main");
    const [shown] = await shownAt(viewer.page, "cam/rgb", [[24, 32]]);
    expect(colorDistance(shown!, ORANGE), `${shown}`).toBeLessThanOrEqual(3);
    expect(await pageDecodes(viewer.page)).toBeGreaterThanOrEqual(1);
  });
});
