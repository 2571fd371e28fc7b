import { DepthImage, Pinhole } from "@depthroom/schema";
import { loadSampleSets } from "@depthroom/schema/testing";
import { connect, type RecordingStream } from "@depthroom/sdk";
import type { Browser, Page } from "playwright-core";
import { afterAll, beforeAll, describe, expect, inject, it } from "vitest";
import { startTestRelay, type TestRelay } from "../support/relay.ts";
import { linkFor } from "./support/links.ts";
import { launchChromium, newPage, waitInPage } from "./support/session.ts";

// Issue 19: a rig sending MED-deflate depth (wire encoding 2): the viewer's frame worker inflates it with
// the browser's DecompressionStream and draws the real TUM frame with its exact depth values.
const TUM = "world/tum/depth";

describe("MED-deflate depth in the viewer", () => {
  let relay: TestRelay;
  let browser: Browser;
  let page: Page;
  let rig: RecordingStream;
  const tum = loadSampleSets()[0]!;
  const frame = tum.frames[0]!;

  beforeAll(async () => {
    relay = await startTestRelay();
    const session = await relay.createSession();
    const webUrl = inject("webUrl");
    browser = await launchChromium();
    page = await newPage(browser);
    await page.goto(linkFor(webUrl, relay.url, session, "view"));
    rig = await connect({ link: linkFor(webUrl, relay.url, session, "publish") }, { depthEncoding: "med" });
    rig.log(
      "world/tum",
      Pinhole.fromIntrinsics({ fx: 525, fy: 525, cx: 319.5, cy: 239.5, width: 640, height: 480 }),
      { static: true },
    );
    rig.setTime("frame", 1);
    rig.log(TUM, new DepthImage(frame.depth, { width: 640, height: 480, meter: tum.unitsPerMetre }));
    await rig.flush();
  });

  afterAll(async () => {
    await rig?.close();
    await browser?.close();
    await relay?.close();
  });

  it("decodes in the frame worker and reads out the exact depth of sampled pixels", async () => {
    await waitInPage(
      page,
      (entity) => window.__depthroom?.stats().find((s) => s.entity === entity && s.hasCloud),
      TUM,
    );
    expect(await page.evaluate(() => window.__depthroom!.decode())).toBe("worker");
    let checked = 0;
    for (let v = 7; v < 480; v += 53) {
      for (let u = 11; u < 640; u += 71) {
        const stored = frame.depth[v * 640 + u]!;
        if (stored === 0) continue;
        const readout = await page.evaluate(
          ([entity, x, y]) => window.__depthroom!.readout(entity as string, x as number, y as number),
          [TUM, u, v] as const,
        );
        expect(readout?.depthMeters, `pixel ${u},${v}`).toBeCloseTo(stored / tum.unitsPerMetre, 6);
        checked++;
      }
    }
    expect(checked).toBeGreaterThan(40);
  });
});
