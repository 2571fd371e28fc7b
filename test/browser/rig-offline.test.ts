import { rm } from "node:fs/promises";
import { DepthImage, depthImage3dExample } from "@depthroom/schema";
import type { RecordingStream } from "@depthroom/sdk";
import type { Browser, Page } from "playwright-core";
import { afterAll, beforeAll, describe, expect, inject, it } from "vitest";
import { createSession, makeTempDir, type RelayProcess, spawnRelayProcess } from "../support/relay.ts";
import { linkFor } from "./support/links.ts";
import { launchChromium, newPage, producer, waitInPage } from "./support/session.ts";

// The rig goes away, then the relay restarts: the page says so, and comes back on its own.
describe("rig offline and relay restart", () => {
  let dataDir: string;
  let relay: RelayProcess;
  let browser: Browser;
  let page: Page;
  let session: Awaited<ReturnType<typeof createSession>>;
  const rigs: RecordingStream[] = [];
  const status = () => page.evaluate(() => window.__depthroom!.status().key);

  beforeAll(async () => {
    dataDir = await makeTempDir();
    relay = await spawnRelayProcess({ dataDir });
    session = await createSession(relay.url, { title: "offline" });
    browser = await launchChromium();
    page = await newPage(browser);
    await page.goto(linkFor(inject("webUrl"), relay.url, session, "edit"));
  });

  afterAll(async () => {
    for (const rig of rigs) await rig.close(100);
    await browser?.close();
    await relay?.stop("SIGKILL");
    await rm(dataDir, { recursive: true, force: true });
  });

  const stream = async () => {
    const rig = await producer(linkFor(inject("webUrl"), relay.url, session, "publish"));
    rigs.push(rig);
    for (const message of depthImage3dExample()) rig.log(message.entityPath, message.archetype);
    await rig.flush();
    return rig;
  };

  it('shows live, then "rig offline" within 3 s of the rig stopping', async () => {
    await waitInPage(page, () => window.__depthroom?.status().key === "waiting", null);
    const rig = await stream();
    await waitInPage(page, () => window.__depthroom?.status().key === "live", null);
    // "Live" comes with the producer; wait until its frame is on screen too (decode runs in a worker).
    await waitInPage(page, () => (window.__depthroom?.stats()[0]?.uploads ?? 0) > 0, null);
    const stoppedAt = Date.now();
    await rig.close(1000);
    await waitInPage(page, () => window.__depthroom?.status().key === "rig-offline", null, 3000);
    expect(Date.now() - stoppedAt).toBeLessThan(3000);
    expect(await page.getByTestId("status").textContent()).toContain("Rig offline");
    // The last frame stays on screen, marked offline, rather than an empty view.
    expect(await page.evaluate(() => window.__depthroom!.stats()[0]?.uploads)).toBeGreaterThan(0);
  });

  it("shows reconnecting while the relay is down and reconnects by itself after it restarts", async () => {
    const port = relay.port;
    expect(await relay.stop("SIGTERM")).toBe(0);
    await waitInPage(page, () => window.__depthroom?.status().key === "reconnecting", null, 5000);
    expect(await page.getByTestId("status").textContent()).toContain("Reconnecting");

    relay = await spawnRelayProcess({ dataDir, port });
    await waitInPage(
      page,
      () => ["rig-offline", "waiting", "live"].includes(window.__depthroom?.status().key ?? ""),
      null,
      15_000,
    );

    // Frames flow again into the same page.
    const before = Number(await page.getByTestId("frame-counter").getAttribute("data-frames"));
    const rig = await stream();
    rig.setTime("frame", 1);
    rig.log(
      "world/camera/depth",
      new DepthImage(new Uint16Array(300 * 200).fill(30000), { width: 300, height: 200 }),
    );
    await rig.flush();
    await waitInPage(page, (n) => (window.__depthroom?.state().framesReceived ?? 0) > n, before, 10_000);
    expect(await status()).toBe("live");
  });
});
