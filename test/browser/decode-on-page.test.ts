import { DepthImage, depthImage3dExample } from "@depthroom/schema";
import type { RecordingStream } from "@depthroom/sdk";
import type { Browser, Page } from "playwright-core";
import { afterAll, beforeAll, describe, expect, inject, it } from "vitest";
import { startTestRelay, type TestRelay } from "../support/relay.ts";
import {
  createSessionThroughHomePage,
  launchChromium,
  newPage,
  producer,
  waitInPage,
} from "./support/session.ts";

// `?decode=main`: the frame core runs on the page instead of in the frame worker (the fallback when a
// worker cannot start); the same frames, the same latest-wins hand-over, the same scene.
const DEPTH = "world/camera/depth";

describe("frames decoded on the page (?decode=main)", () => {
  let relay: TestRelay;
  let browser: Browser;
  let page: Page;
  let rig: RecordingStream;

  beforeAll(async () => {
    relay = await startTestRelay();
    browser = await launchChromium();
    const home = await newPage(browser);
    const links = await createSessionThroughHomePage(home, inject("webUrl"), relay.url);
    await home.close();
    page = await newPage(browser);
    await page.goto(links.view.replace("#", "&decode=main#"));
    await page.getByTestId("viewer").waitFor();
    rig = await producer(links.publish);
  });

  afterAll(async () => {
    await rig?.close();
    await browser?.close();
    await relay?.close();
  });

  it("draws the cloud and follows new frames, decoded on the page", async () => {
    const [pinhole, depth] = depthImage3dExample();
    rig.log(pinhole!.entityPath, pinhole!.archetype);
    rig.log(depth!.entityPath, depth!.archetype);
    await rig.flush();
    await waitInPage(
      page,
      (entity) => window.__depthroom?.stats().find((s) => s.entity === entity && s.hasCloud),
      DEPTH,
    );
    expect(await page.evaluate(() => window.__depthroom!.decode())).toBe("main");

    // A later frame (every pixel 1.5 m) replaces the first on screen.
    const image = depth!.archetype as DepthImage;
    rig.setTime("frame", 2);
    rig.log(
      DEPTH,
      new DepthImage(new Uint16Array(image.width * image.height).fill(15000), {
        width: image.width,
        height: image.height,
        meter: image.meter,
      }),
    );
    await rig.flush();
    await waitInPage(
      page,
      (entity) => window.__depthroom?.readout(entity, 10, 10)?.depthMeters === 1.5,
      DEPTH,
    );
    const stats = await page.evaluate(
      (entity) => window.__depthroom!.stats().find((s) => s.entity === entity)!,
      DEPTH,
    );
    expect(stats).toMatchObject({ width: 300, height: 200, format: "r16ui", frame: 2 });
    expect(stats.uploads).toBeGreaterThanOrEqual(2);
  });
});
