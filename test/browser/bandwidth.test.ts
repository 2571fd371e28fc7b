import { type DepthEncoding, DepthImage, encodeMessage } from "@depthroom/schema";
import { loadSampleSets } from "@depthroom/schema/testing";
import { connect, type RecordingStream } from "@depthroom/sdk";
import type { Browser, Page } from "playwright-core";
import { afterAll, beforeAll, describe, expect, inject, it } from "vitest";
import { startTestRelay, type TestRelay } from "../support/relay.ts";
import { linkFor } from "./support/links.ts";
import { launchChromium, newPage, waitInPage } from "./support/session.ts";

// Issue 19: the MB/s the viewer's status bar shows for a rig drops by the ratio MED-deflate gains over
// RVL. The real TUM frames are streamed at a fixed 10 Hz, once as RVL and once as MED; the two readings
// (status bar text and window.__depthroom.receivedBytesPerSecond()) compared with the ratio of the
// messages' sizes as the schema encodes them.
const TUM = "world/tum/depth";
const RATE_HZ = 10;

describe("bytes per second the viewer receives", () => {
  let relay: TestRelay;
  let browser: Browser;
  let page: Page;
  let publishLink: string;
  const tum = loadSampleSets()[0]!;
  const images = tum.frames.map(
    (f) => new DepthImage(f.depth, { width: 640, height: 480, meter: tum.unitsPerMetre }),
  );

  beforeAll(async () => {
    relay = await startTestRelay();
    const session = await relay.createSession();
    const webUrl = inject("webUrl");
    browser = await launchChromium();
    page = await newPage(browser);
    await page.goto(linkFor(webUrl, relay.url, session, "view"));
    publishLink = linkFor(webUrl, relay.url, session, "publish");
  });

  afterAll(async () => {
    await browser?.close();
    await relay?.close();
  });

  /** Mean wire size of the streamed frames as the schema encodes them. */
  const meanSize = (depthEncoding: DepthEncoding) => {
    let total = 0;
    for (const [i, archetype] of images.entries()) {
      const timelines = [{ timeline: "frame", kind: "sequence" as const, value: BigInt(i + 1) }];
      total += encodeMessage({ entityPath: TUM, timelines, archetype }, { depthEncoding }).length;
    }
    return total / images.length;
  };

  /** Stream the sample at RATE_HZ with one encoding; the median of the page's readings once settled. */
  async function streamAndRead(depthEncoding: DepthEncoding): Promise<{ hook: number; shown: number }> {
    const rig: RecordingStream = await connect({ link: publishLink }, { depthEncoding });
    let n = 0;
    const timer = setInterval(() => {
      rig.setTime("frame", ++n);
      rig.log(TUM, images[n % images.length]!);
    }, 1000 / RATE_HZ);
    try {
      // Two windows of 1 s closed since this rig started (the first may span the pause before it).
      await new Promise((resolve) => setTimeout(resolve, 2500));
      await waitInPage(page, () => (window.__depthroom?.receivedBytesPerSecond() ?? 0) > 0, null);
      const hooks: number[] = [];
      const shown: number[] = [];
      for (let i = 0; i < 8; i++) {
        await new Promise((resolve) => setTimeout(resolve, 400));
        hooks.push(await page.evaluate(() => window.__depthroom!.receivedBytesPerSecond() ?? 0));
        const text = (await page.getByTestId("bandwidth").textContent()) ?? "";
        const match = /^([\d.]+) MB\/s$/.exec(text.trim());
        expect(match, `status bar reads "${text}"`).not.toBeNull();
        shown.push(Number(match![1]) * 1e6);
      }
      return { hook: median(hooks), shown: median(shown) };
    } finally {
      clearInterval(timer);
      await rig.close();
    }
  }

  it("drops by the ratio MED-deflate gains over RVL on the TUM frames", async () => {
    const rvl = await streamAndRead("rvl");
    // Silence until the status bar reads 0, so the MED readings hold MED frames only.
    await waitInPage(page, () => window.__depthroom?.receivedBytesPerSecond() === 0, null);
    const med = await streamAndRead("med");
    const sizeRatio = meanSize("rvl") / meanSize("med");
    const hookRatio = rvl.hook / med.hook;
    const shownRatio = rvl.shown / med.shown;
    process.stdout.write(
      `bandwidth at ${RATE_HZ} Hz, TUM 640x480 (${images.length} frames cycled): ` +
        `RVL ${(rvl.shown / 1e6).toFixed(2)} MB/s shown (${(rvl.hook / 1e6).toFixed(3)} hook, ` +
        `${(meanSize("rvl") / 1e3).toFixed(1)} kB/frame), MED ${(med.shown / 1e6).toFixed(2)} MB/s shown ` +
        `(${(med.hook / 1e6).toFixed(3)} hook, ${(meanSize("med") / 1e3).toFixed(1)} kB/frame); ` +
        `ratio shown ${shownRatio.toFixed(3)}, hook ${hookRatio.toFixed(3)}, sizes ${sizeRatio.toFixed(3)}\n`,
    );
    expect(sizeRatio).toBeGreaterThan(1.2);
    expect(Math.abs(hookRatio / sizeRatio - 1)).toBeLessThan(0.25);
    expect(Math.abs(shownRatio / sizeRatio - 1)).toBeLessThan(0.25);
  });
});

function median(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.floor(sorted.length / 2)]!;
}
