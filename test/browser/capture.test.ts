import { readFile } from "node:fs/promises";
import { createRequire } from "node:module";
import { dirname, join } from "node:path";
import { decode as decodePng } from "fast-png";
import type { Download, Page } from "playwright-core";
import { beforeAll, describe, expect, inject, it } from "vitest";
import { recordStampedTake, type Sent, TAKE_ENTITY, type Take, waitForFrame } from "./support/reviewTake.ts";
import { waitInPage } from "./support/session.ts";
import { browserSuite } from "./support/suite.ts";

// Issue 20, captures, in a review room of a real recording on a real relay: a PNG of the 3D view at 2x
// has twice the width and height of the one at 1x and coloured pixels (the cloud), and a 3 s clip of a
// 10 fps take has 30 frames (decoded from the downloaded WebM by Chromium's VideoDecoder through
// mediabunny), each showing the barcode drawn into the depth of the recording's frame it should be, in
// order, at the recording's times.

const FPS = 10;
const FRAMES = 45;
/** The clip: frames FROM..FROM+29, seconds from the start of the recording. */
const FROM = 5;
const CLIP_S = 3;
const ALICE = { name: "Alice Capture", color: "#ef476f" };

/** A frame's sequence as 8 blocks of 40 x 40 depth pixels along the bottom of the 320 x 240 frame, bit 0
 *  on the left: a set bit is very near (600 units, 0.12 m), a clear one far (40000, 8 m). */
const BITS = 8;
const BLOCK = 40;
function barcode(frame: { width: number; height: number; depth: Uint16Array }, seq: number): void {
  for (let bit = 0; bit < BITS; bit++) {
    const value = (seq >> bit) & 1 ? 600 : 40000;
    for (let v = frame.height - BLOCK; v < frame.height; v++)
      for (let u = bit * BLOCK; u < (bit + 1) * BLOCK; u++) frame.depth[v * frame.width + u] = value;
  }
}

/** Where each bit's block centre lands in a capture of the entity's 2D panel, in capture pixels. */
async function barcodeSpots(page: Page, scaleX: number, scaleY: number): Promise<[number, number][]> {
  return page.evaluate(
    ({ entity, bits, block, sx, sy }) => {
      const hooks = window.__depthroom!;
      const panel = hooks.panels().find((p) => p.kind === "2d" && p.entity === entity)!;
      const height = hooks.stats().find((s) => s.entity === entity)!.height;
      return Array.from({ length: bits }, (_, bit) => {
        const [x, y] = hooks.pixelToClient(entity, bit * block + block / 2, height - block / 2)!;
        return [Math.round((x - panel.x) * sx), Math.round((y - panel.y) * sy)] as [number, number];
      });
    },
    { entity: TAKE_ENTITY, bits: BITS, block: BLOCK, sx: scaleX, sy: scaleY },
  );
}

async function bytesOf(download: Download): Promise<Uint8Array> {
  const path = await download.path();
  return new Uint8Array(await readFile(path));
}

/** Click `testId` in the capture popover and take the file it downloads. */
async function captureDownload(page: Page, testId: string, timeoutMs = 30_000): Promise<Download> {
  const [download] = await Promise.all([
    page.waitForEvent("download", { timeout: timeoutMs }),
    page.getByTestId(testId).click(),
  ]);
  return download;
}

/** Pixels within a small distance of ALICE's colour (#ef476f): her measurement's lines, dots and label border. */
function authorPixels(png: {
  data: ArrayLike<number>;
  channels: number;
  width: number;
  height: number;
}): number {
  let count = 0;
  for (let i = 0; i < png.width * png.height; i++) {
    const [r, g, b] = [0, 1, 2].map((c) => png.data[i * png.channels + c] as number) as [
      number,
      number,
      number,
    ];
    if (Math.abs(r - 0xef) + Math.abs(g - 0x47) + Math.abs(b - 0x6f) < 60) count++;
  }
  return count;
}

/** Share of pixels that are clearly coloured (not the grey background). */
function colouredShare(png: {
  data: ArrayLike<number>;
  channels: number;
  width: number;
  height: number;
}): number {
  let coloured = 0;
  const n = png.width * png.height;
  for (let i = 0; i < n; i++) {
    const r = png.data[i * png.channels] as number;
    const g = png.data[i * png.channels + 1] as number;
    const b = png.data[i * png.channels + 2] as number;
    if (Math.max(r, g, b) - Math.min(r, g, b) > 40) coloured++;
  }
  return coloured / n;
}

describe("captures: a view as PNG at 1x and 2x, a clip of a recording rendered frame by frame", () => {
  const suite = browserSuite({ relay: { webUrl: inject("webUrl") } });
  let take: Take;
  let page: Page;
  let sent: readonly Sent[];

  beforeAll(async () => {
    take = await recordStampedTake({
      suite,
      title: "capture take",
      frames: FRAMES,
      fps: FPS,
      exactTimes: true,
      stamp: barcode,
    });
    sent = take.sent;
    ({ page } = await suite.openAs(take.recording.links!.edit!, ALICE));
    await waitInPage(page, () => window.__depthroom?.playback() != null, undefined);
    await waitForFrame(page, 0);
    await waitInPage(
      page,
      (e) => window.__depthroom!.stats().find((s) => s.entity === e)?.hasCloud,
      TAKE_ENTITY,
    );
  });

  it("a 2x PNG of the 3D view has twice the width and height of the 1x one, and the cloud in colour", async () => {
    await page.keyboard.press("c");
    await page.getByTestId("capture-popover").waitFor();
    await page.getByTestId("capture-view").selectOption({ label: "3D view" });
    const panel = await page.evaluate(() => window.__depthroom!.panels().find((p) => p.kind === "3d")!);
    const one = decodePng(await bytesOf(await captureDownload(page, "capture-png-1x")));
    const two = decodePng(await bytesOf(await captureDownload(page, "capture-png-2x")));
    expect(one.width).toBe(Math.round(panel.width));
    expect(one.height).toBe(Math.round(panel.height));
    expect([two.width, two.height]).toEqual([2 * one.width, 2 * one.height]);
    const shares = [colouredShare(one), colouredShare(two)];
    process.stdout.write(
      `PNG 3D view: 1x ${one.width}x${one.height} (${(shares[0]! * 100).toFixed(1)} % coloured), 2x ${two.width}x${two.height} (${(shares[1]! * 100).toFixed(1)} %)\n`,
    );
    // The cloud (colormapped) covers part of the view at both scales, about the same part.
    for (const share of shares) expect(share).toBeGreaterThan(0.01);
    expect(Math.abs(shares[0]! - shares[1]!)).toBeLessThan(0.5 * shares[0]!);
    // The page is still drawn at its own scale afterwards.
    const after = await page.evaluate(() => {
      const canvas = document.querySelector("canvas[data-testid=canvas]") as HTMLCanvasElement;
      return { width: canvas.width, client: canvas.clientWidth };
    });
    expect(after.width).toBe(after.client);
    await page.keyboard.press("Escape");
  });

  it("a 3 s clip of the 10 fps take decodes to 30 frames: the recording's frames FROM..FROM+29 in order, at their times", async () => {
    // Exact log times: frame FROM is FROM / FPS s after the recording's start.
    expect(sent[FROM]!.timeNs - BigInt(take.recording.startTimeNs!)).toBe(BigInt((FROM * 1e9) / FPS));
    await page.keyboard.press("c");
    await page.getByTestId("capture-view").selectOption({ label: `2D: ${TAKE_ENTITY}` });
    await page.getByTestId("capture-clip-from").fill(String(FROM / FPS));
    await page.getByTestId("capture-clip-to").fill(String(FROM / FPS + CLIP_S));
    const started = Date.now();
    const download = await captureDownload(page, "capture-clip", 180_000);
    const clipMs = Date.now() - started;
    expect(download.suggestedFilename()).toMatch(
      /^depthroom-[A-Za-z0-9_-]{8}-2d-camera-depth-.+_to_.+\.webm$/,
    );
    const bytes = await bytesOf(download);
    const saved = page.getByTestId("capture-saved");
    const size = {
      width: Number(await saved.getAttribute("data-width")),
      height: Number(await saved.getAttribute("data-height")),
    };
    const panel = await page.evaluate(
      (e) => window.__depthroom!.panels().find((p) => p.kind === "2d" && p.entity === e)!,
      TAKE_ENTITY,
    );
    const spots = await barcodeSpots(page, size.width / panel.width, size.height / panel.height);

    // Decode the file in another page (the home page, which has no mediabunny of its own) with
    // mediabunny's own bundle and Chromium's VideoDecoder.
    const decoder = await suite.newPage();
    await decoder.goto(suite.webUrl);
    await decoder.addScriptTag({ path: mediabunnyBundle() });
    const decoded = await decoder.evaluate(
      async ({ base64, spots }) => {
        // biome-ignore lint/suspicious/noExplicitAny: the bundle's global, typed by nothing here
        const M = (window as any).Mediabunny;
        const bytes = Uint8Array.from(atob(base64), (c) => c.charCodeAt(0));
        const input = new M.Input({ source: new M.BufferSource(bytes), formats: M.ALL_FORMATS });
        const track = await input.getPrimaryVideoTrack();
        const sink = new M.VideoSampleSink(track);
        const canvas = new OffscreenCanvas(track.displayWidth, track.displayHeight);
        const context = canvas.getContext("2d")!;
        const frames: { timestamp: number; bits: number[] }[] = [];
        for await (const sample of sink.samples()) {
          sample.draw(context, 0, 0);
          const bits = spots.map(([x, y]: [number, number]) => {
            const [r, , b] = context.getImageData(x, y, 1, 1).data;
            return (b as number) > (r as number) ? 1 : 0;
          });
          frames.push({ timestamp: sample.timestamp, bits });
          sample.close();
        }
        return { codec: track.codec, width: track.displayWidth, height: track.displayHeight, frames };
      },
      { base64: Buffer.from(bytes).toString("base64"), spots },
    );
    const stamps = decoded.frames.map((f) => f.bits.reduce((n, bit, i) => n | (bit << i), 0));
    process.stdout.write(
      `clip: ${decoded.frames.length} frames ${decoded.codec} ${decoded.width}x${decoded.height}, ${bytes.length} bytes, made in ${clipMs} ms; stamps ${stamps.join(",")}\n`,
    );
    expect([decoded.width, decoded.height]).toEqual([size.width, size.height]);
    expect(decoded.frames).toHaveLength(CLIP_S * FPS);
    expect(stamps).toEqual(Array.from({ length: CLIP_S * FPS }, (_, i) => sent[FROM + i]!.seq));
    // Timestamps from the recording's timeline (0.1 s apart), not the wall clock (the clip took far longer).
    decoded.frames.forEach((f, i) => {
      const expected = Number(sent[FROM + i]!.timeNs - sent[FROM]!.timeNs) / 1e9;
      expect(f.timestamp).toBeCloseTo(expected, 3);
    });
    // The room's shared playback was not moved by the clip.
    expect(await page.evaluate(() => window.__depthroom!.playback()!.state()?.playing ?? false)).toBe(false);
    await decoder.close();
    await page.keyboard.press("Escape");
  });

  it("a clip shows its progress and Cancel stops it: no file, and the page is back on the room's cursor", async () => {
    await page.keyboard.press("c");
    await page.getByTestId("capture-view").selectOption({ label: `2D: ${TAKE_ENTITY}` });
    await page.getByTestId("capture-clip-from").fill("0");
    await page.getByTestId("capture-clip-to").fill(String((FRAMES - 1) / FPS));
    let downloads = 0;
    page.on("download", () => downloads++);
    await page.getByTestId("capture-clip").click();
    await waitInPage(
      page,
      () =>
        Number(document.querySelector("[data-testid=capture-progress]")?.getAttribute("data-frames")) >= 3,
      undefined,
      60_000,
    );
    await page.getByTestId("capture-clip-cancel").click();
    await expect
      .poll(() => page.getByTestId("capture-problem").getAttribute("data-code"), { timeout: 10_000 })
      .toBe("cancelled");
    expect(downloads).toBe(0);
    // Nobody moved the room: it is paused at its start, and the page shows that frame again.
    await waitForFrame(page, 0);
  });

  it("a PNG of the 2D view has the measurement drawn in: its lines and label in the author's colour", async () => {
    await page.keyboard.press("Escape");
    const png2d = async () => {
      await page.keyboard.press("c");
      await page.getByTestId("capture-view").selectOption({ label: `2D: ${TAKE_ENTITY}` });
      const picture = decodePng(await bytesOf(await captureDownload(page, "capture-png-1x")));
      await page.keyboard.press("Escape");
      return picture;
    };
    const before = authorPixels(await png2d());
    await page.getByTestId("measure-button").click();
    for (const [u, v] of [
      [60, 60],
      [260, 60],
    ] as const) {
      const xy = await page.evaluate(([e, pu, pv]) => window.__depthroom!.pixelToClient(e, pu, pv), [
        TAKE_ENTITY,
        u,
        v,
      ] as const);
      await page.mouse.click(xy![0], xy![1]);
    }
    await page.keyboard.press("Escape");
    await waitInPage(
      page,
      () => window.__depthroomCollab!.measurements().some((m) => m.complete),
      null,
      5000,
    );
    const after = authorPixels(await png2d());
    process.stdout.write(
      `PNG 2D view: ${before} pixels in the author's colour before measuring, ${after} after\n`,
    );
    expect(before).toBeLessThan(10);
    expect(after).toBeGreaterThan(100);
  });
});

/** mediabunny's browser bundle (a script that sets `window.Mediabunny`), beside the entry Node resolves. */
function mediabunnyBundle(): string {
  const require = createRequire(join(process.cwd(), "apps/web/package.json"));
  return join(dirname(require.resolve("mediabunny")), "mediabunny.min.cjs");
}
