import { crc32, deflateSync } from "node:zlib";
import { DepthImage, EncodedImage, Image, Pinhole, Transform3D } from "@depthroom/schema";
import { colorDistance, type Pixels, pixel, screenshotPixels } from "@depthroom/web/testing";
import { beforeAll, describe, expect, it } from "vitest";
import { screenshotPanel, waitInPage } from "./support/session.ts";
import { viewerSuite } from "./support/suite.ts";

// Issue 16 in real Chromium with a real relay. Four small rigs, 20 m apart so that looking through one
// camera shows only its own cloud:
// - reg:  a depth plane at 2 m and a checkerboard colour Image under the same Pinhole (registered);
// - off:  a depth plane at 2 m, and a green PNG (EncodedImage) from a colour camera 0.5 m to its right
//         (a sibling Pinhole placed by Transform3D): the points it cannot see keep the depth colormap;
// - cull: bands at 0.5 m, 2 m and 5 m, drawn with a cull range of 1-3 m;
// - step: a depth step from 1 m to 2 m, drawn with and without the flying-pixel filter.
// Points are counted by a readback: looking through the camera, each pixel's point lands at its own
// projection (`project` of its world point); a point is drawn when the screen there differs from a
// screenshot with every point of that cloud culled.

// Taller than wide, so that looking through a camera its whole image fits a landscape 3D panel.
const W = 48;
const H = 64;
const F = 60;
const SQUARE = 8;
const RED: [number, number, number] = [230, 40, 40];
const BLUE: [number, number, number] = [40, 60, 220];
const GREEN: [number, number, number] = [20, 200, 60];
const checker = (u: number, v: number) =>
  (Math.floor(u / SQUARE) + Math.floor(v / SQUARE)) % 2 === 0 ? RED : BLUE;

function pinhole(): Pinhole {
  return Pinhole.fromIntrinsics({ fx: F, fy: F, cx: W / 2, cy: H / 2, width: W, height: H });
}

function depthOf(mm: (u: number, v: number) => number, depthRange?: [number, number]): DepthImage {
  const data = new Uint16Array(W * H);
  for (let v = 0; v < H; v++) for (let u = 0; u < W; u++) data[v * W + u] = mm(u, v);
  return new DepthImage(data, {
    width: W,
    height: H,
    pointFillRatio: 0.3,
    colormap: "turbo",
    ...(depthRange ? { depthRange } : {}),
  });
}

/** A minimal RGB PNG (filter 0 rows, zlib), so the EncodedImage path decodes a real file. */
function png(width: number, height: number, rgb: (u: number, v: number) => readonly number[]): Uint8Array {
  const rows = Buffer.alloc((width * 3 + 1) * height);
  for (let v = 0; v < height; v++)
    for (let u = 0; u < width; u++) rows.set(rgb(u, v), v * (width * 3 + 1) + 1 + u * 3);
  const chunk = (type: string, data: Buffer) => {
    const body = Buffer.concat([Buffer.from(type, "ascii"), data]);
    const out = Buffer.alloc(body.length + 8);
    out.writeUInt32BE(data.length, 0);
    body.copy(out, 4);
    out.writeUInt32BE(crc32(body), body.length + 4);
    return out;
  };
  const ihdr = Buffer.alloc(13);
  ihdr.writeUInt32BE(width, 0);
  ihdr.writeUInt32BE(height, 4);
  ihdr.set([8, 2, 0, 0, 0], 8);
  return new Uint8Array(
    Buffer.concat([
      Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]),
      chunk("IHDR", ihdr),
      chunk("IDAT", deflateSync(rows)),
      chunk("IEND", Buffer.alloc(0)),
    ]),
  );
}

const settings = (change: Record<string, unknown>) => ({
  colorBy: "image",
  cullRange: null,
  flyingPixels: false,
  flyingFraction: 0.05,
  normalShading: false,
  ...change,
});

describe("colour images on depth clouds", () => {
  const viewer = viewerSuite({ session: { title: "colour" } });

  beforeAll(async () => {
    const rig = viewer.rig;
    const place = (path: string, x: number) => rig.log(path, new Transform3D({ translation: [x, 0, 0] }));
    place("reg", 0);
    rig.log("reg/cam", pinhole());
    rig.log(
      "reg/cam/depth",
      depthOf(() => 2000),
    );
    const board = new Uint8Array(W * H * 3);
    for (let v = 0; v < H; v++) for (let u = 0; u < W; u++) board.set(checker(u, v), (v * W + u) * 3);
    rig.log("reg/cam/rgb", new Image(board, { width: W, height: H, colorModel: "RGB" }));

    place("off", 20);
    rig.log("off/depth_cam", pinhole());
    rig.log(
      "off/depth_cam/depth",
      depthOf(() => 2000, [0, 3000]),
    );
    rig.log("off/color_cam", new Transform3D({ translation: [0.5, 0, 0] }));
    rig.log("off/color_cam", pinhole());
    rig.log("off/color_cam/rgb", new EncodedImage(png(W, H, () => GREEN)));

    place("cull", 40);
    rig.log("cull/cam", pinhole());
    rig.log(
      "cull/cam/depth",
      depthOf((_u, v) => (v < 20 ? 500 : v < 40 ? 2000 : 5000), [0, 6000]),
    );

    place("step", 60);
    rig.log("step/cam", pinhole());
    rig.log(
      "step/cam/depth",
      depthOf((u) => (u < W / 2 ? 1000 : 2000), [0, 3000]),
    );
    await rig.flush();
    await waitInPage(
      viewer.page,
      (entities) =>
        entities.every((e) => window.__depthroom?.stats().find((s) => s.entity === e)?.hasCloud) &&
        window.__depthroom?.colors().clouds.filter((c) => c.colorEntity).length === 2,
      ["reg/cam/depth", "off/depth_cam/depth", "cull/cam/depth", "step/cam/depth"],
    );
  });

  /** Wait for the draw after a change made when `framesDrawn` was `before`. */
  async function drawnSince(before: number): Promise<void> {
    await waitInPage(viewer.page, (n) => window.__depthroom!.framesDrawn() > n, before);
  }

  async function lookThrough(entity: string): Promise<void> {
    const [looked, before] = await viewer.page.evaluate(
      (e) => [window.__depthroom!.lookThrough(e), window.__depthroom!.framesDrawn()] as const,
      entity,
    );
    expect(looked).toBe(true);
    await drawnSince(before);
  }

  async function shot3d(): Promise<{ shot: Pixels; x: number; y: number }> {
    const { panel, shot } = await screenshotPanel(viewer.page, "3d");
    return { shot, x: panel.x, y: panel.y };
  }

  /** Page coordinates of every pixel's point of a depth entity (row-major, null where none). */
  async function projections(entity: string): Promise<([number, number] | null)[]> {
    return viewer.page.evaluate(
      ([e, w, h]) => {
        const hooks = window.__depthroom!;
        const out: ([number, number] | null)[] = [];
        for (let v = 0; v < h; v++)
          for (let u = 0; u < w; u++) {
            const p = hooks.readout(e, u, v)?.worldPoint;
            out.push(p ? hooks.project(p) : null);
          }
        return out;
      },
      [entity, W, H] as const,
    );
  }

  async function setLocal(entity: string, change: Record<string, unknown> | null): Promise<void> {
    const before = await viewer.page.evaluate(
      ([e, s]) => {
        const n = window.__depthroom!.framesDrawn();
        window.__depthroom!.setLocalViewSettings(e, s as never);
        return n;
      },
      [entity, change ? settings(change) : null] as const,
    );
    await drawnSince(before);
  }

  /**
   * Which pixels' points are drawn: the screen at each projection differs from the all-culled screenshot.
   * Looking through the camera, its frustum's edges lie over the image's border pixels, so only the
   * interior (1..W-2, 1..H-2) is read; border pixels count as not drawn.
   */
  async function drawnPoints(entity: string): Promise<boolean[]> {
    const at = await projections(entity);
    const current = await shot3d();
    await setLocal(entity, { cullRange: [1000, 1000] });
    const empty = await shot3d();
    return at.map((p, i) => {
      const u = i % W;
      const v = Math.floor(i / W);
      if (!p || u === 0 || v === 0 || u === W - 1 || v === H - 1) return false;
      const x = Math.round(p[0] - current.x);
      const y = Math.round(p[1] - current.y);
      return colorDistance(pixel(current.shot, x, y), pixel(empty.shot, x, y)) > 30;
    });
  }

  it("colours a registered depth plane from its checkerboard: each point shows its own pixel's colour", async () => {
    await lookThrough("reg/cam/depth");
    const at = await projections("reg/cam/depth");
    const { shot, x, y } = await shot3d();
    let checked = 0;
    for (let v = 0; v < H; v++)
      for (let u = 0; u < W; u++) {
        // Points at least 2 image pixels inside their square: their neighbours share the colour.
        const inU = u % SQUARE;
        const inV = v % SQUARE;
        if (inU < 2 || inU > SQUARE - 3 || inV < 2 || inV > SQUARE - 3) continue;
        const p = at[v * W + u];
        expect(p, `pixel (${u}, ${v}) has a point`).toBeTruthy();
        const actual = pixel(shot, Math.round(p![0] - x), Math.round(p![1] - y));
        expect(colorDistance(actual, checker(u, v)), `(${u}, ${v}): ${actual}`).toBeLessThanOrEqual(3);
        checked++;
      }
    expect(checked).toBe((W / SQUARE) * (H / SQUARE) * 16);
    const colors = await viewer.page.evaluate(() => window.__depthroom!.colors());
    expect(colors.clouds.find((c) => c.entity === "reg/cam/depth")?.colorEntity).toBe("reg/cam/rgb");
  });

  it("draws depth over colour in the 2D view with the opacity set (0: the checkerboard, 1: the colormap)", async () => {
    const at = (u: number, v: number) =>
      viewer.page.evaluate(([e, pu, pv]) => window.__depthroom!.pixelToClient(e, pu, pv), [
        "reg/cam/depth",
        u,
        v,
      ] as const);
    const panel = (await viewer.page.evaluate(() =>
      window.__depthroom!.panels().find((p) => p.entity === "reg/cam/depth"),
    ))!;
    const shot2d = () =>
      screenshotPixels(viewer.page, { x: panel.x, y: panel.y, width: panel.width, height: panel.height });
    const samples: [number, number][] = [
      [4, 4],
      [12, 4],
      [20, 28],
      [36, 60],
    ];
    // Each sample must be on the panel: a view left zoomed in when its panel shrank (more images came)
    // once put (4, 4) above it, read as black.
    const colorsAt = async (shot: Pixels) =>
      Promise.all(
        samples.map(async ([u, v]) => {
          const p = (await at(u, v))!;
          const x = Math.round(p[0] - panel.x);
          const y = Math.round(p[1] - panel.y);
          expect([x, y], `(${u}, ${v}) on the panel`).toSatisfy(
            () => x >= 0 && y >= 0 && x < shot.width && y < shot.height,
          );
          return pixel(shot, x, y);
        }),
      );
    const depthOnly = await colorsAt(await shot2d());
    await setLocal("reg/cam/depth", { depthOpacity: 0 });
    const colourOnly = await colorsAt(await shot2d());
    await setLocal("reg/cam/depth", { depthOpacity: 0.5 });
    const half = await colorsAt(await shot2d());
    samples.forEach(([u, v], i) => {
      expect(colorDistance(colourOnly[i]!, checker(u, v)), `(${u}, ${v}) colour`).toBeLessThanOrEqual(3);
      expect(colorDistance(depthOnly[i]!, checker(u, v)), `(${u}, ${v}) depth`).toBeGreaterThan(60);
      const mixed = checker(u, v).map((c, k) => (c + (depthOnly[i]![k] as number)) / 2);
      expect(colorDistance(half[i]!, mixed), `(${u}, ${v}) half`).toBeLessThanOrEqual(4);
    });
    await setLocal("reg/cam/depth", null);
  });

  it("shows each colour image in its own 2D view (a raw Image and a decoded PNG)", async () => {
    for (const [entity, expected] of [
      ["reg/cam/rgb", checker],
      ["off/color_cam/rgb", () => GREEN],
    ] as const) {
      await waitInPage(viewer.page, (e) => window.__depthroom!.pixelToClient(e, 0, 0) !== null, entity);
      const panel = (await viewer.page.evaluate(
        (e) => window.__depthroom!.panels().find((p) => p.entity === e),
        entity,
      ))!;
      expect(panel, entity).toBeTruthy();
      const shot = await screenshotPixels(viewer.page, {
        x: panel.x,
        y: panel.y,
        width: panel.width,
        height: panel.height,
      });
      for (const [u, v] of [
        [4, 4],
        [12, 4],
        [20, 28],
        [36, 60],
      ] as const) {
        const p = (await viewer.page.evaluate(([e, pu, pv]) => window.__depthroom!.pixelToClient(e, pu, pv), [
          entity,
          u,
          v,
        ] as const))!;
        const actual = pixel(shot, Math.round(p[0] - panel.x), Math.round(p[1] - panel.y));
        expect(
          colorDistance(actual, expected(u, v)),
          `${entity} (${u}, ${v}): ${actual}`,
        ).toBeLessThanOrEqual(3);
      }
    }
  });

  it("colours from an offset colour camera only the points it sees; the others keep the colormap", async () => {
    await lookThrough("off/depth_cam/depth");
    const at = await projections("off/depth_cam/depth");
    const { shot, x, y } = await shot3d();
    // At z = 2 m the colour camera 0.5 m to the right sees depth pixel u at u - 15 (fx 60): u < 14.5 is
    // outside its image.
    const colorAt = (u: number, v: number) => {
      const p = at[v * W + u]!;
      return pixel(shot, Math.round(p[0] - x), Math.round(p[1] - y));
    };
    for (const v of [10, 32, 50]) {
      for (const u of [20, 30, 40]) {
        expect(colorDistance(colorAt(u, v), GREEN), `(${u}, ${v}) green`).toBeLessThanOrEqual(3);
      }
      for (const u of [2, 8, 12]) {
        expect(colorDistance(colorAt(u, v), GREEN), `(${u}, ${v}) not from the image`).toBeGreaterThan(100);
      }
    }
    // Those are the depth colormap's colour: the same as with colour by depth.
    const outside = colorAt(8, 32);
    await setLocal("off/depth_cam/depth", { colorBy: "depth" });
    const byDepth = await shot3d();
    const byDepthAt = (u: number, v: number) => {
      const p = at[v * W + u]!;
      return pixel(byDepth.shot, Math.round(p[0] - x), Math.round(p[1] - y));
    };
    expect(colorDistance(byDepthAt(8, 32), outside)).toBeLessThanOrEqual(3);
    expect(colorDistance(byDepthAt(40, 32), GREEN)).toBeGreaterThan(100);
    await setLocal("off/depth_cam/depth", null);
  });

  it("draws no point outside a 1-3 m cull range of a 0.5-6 m frame", async () => {
    await lookThrough("cull/cam/depth");
    await setLocal("cull/cam/depth", null);
    const all = await drawnPoints("cull/cam/depth");
    await setLocal("cull/cam/depth", { cullRange: [1, 3] });
    const culled = await drawnPoints("cull/cam/depth");
    const count = (d: boolean[], band: (v: number) => boolean) =>
      d.filter((x, i) => x && band(Math.floor(i / W))).length;
    const near = (v: number) => v < 20;
    const mid = (v: number) => v >= 20 && v < 40;
    const far = (v: number) => v >= 40;
    const inner = W - 2;
    expect([count(all, near), count(all, mid), count(all, far)]).toEqual([
      19 * inner,
      20 * inner,
      23 * inner,
    ]);
    expect([count(culled, near), count(culled, mid), count(culled, far)]).toEqual([0, 20 * inner, 0]);
  });

  it("the flying-pixel filter removes the points on both sides of a depth step", async () => {
    await lookThrough("step/cam/depth");
    await setLocal("step/cam/depth", null);
    const before = await drawnPoints("step/cam/depth");
    await setLocal("step/cam/depth", { flyingPixels: true, flyingFraction: 0.1 });
    const after = await drawnPoints("step/cam/depth");
    const columns = (d: boolean[]) => {
      const set = new Set<number>();
      for (let u = 0; u < W; u++) if ([...Array(H).keys()].every((v) => !d[v * W + u])) set.add(u);
      return [...set];
    };
    const interior = (W - 2) * (H - 2);
    expect(before.filter(Boolean).length).toBe(interior);
    expect(after.filter(Boolean).length).toBe(interior - 2 * (H - 2));
    expect(columns(after)).toEqual([0, W / 2 - 1, W / 2, W - 1]);
  });
});
