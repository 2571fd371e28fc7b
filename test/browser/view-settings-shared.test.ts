import { depthImage3dExample } from "@depthroom/schema";
import type { RecordingStream } from "@depthroom/sdk";
import type { Browser } from "playwright-core";
import { afterAll, beforeAll, describe, expect, inject, it } from "vitest";
import { startTestRelay, type TestRelay } from "../support/relay.ts";
import { type CollabPage, openAs } from "./support/collabPages.ts";
import { linkFor } from "./support/links.ts";
import { launchChromium, producer, waitInPage } from "./support/session.ts";

// Issue 16: a depth entity's view settings live in the room's Y.Doc. A change on page A (edit link)
// is drawn by page B within a second, through the View panel too, and Undo takes it back for everyone;
// a view link's page C cannot change them (its panel is read-only; a write forced into its own doc is
// refused by the relay and never reaches the others).

const DEPTH = "world/camera/depth";

const sceneSettings = (page: CollabPage["page"]) =>
  page.evaluate(
    (entity) => window.__depthroom!.colors().clouds.find((c) => c.entity === entity)?.settings ?? null,
    DEPTH,
  );

describe("view settings shared through the room", () => {
  let relay: TestRelay;
  let browser: Browser;
  let rig: RecordingStream;
  let a: CollabPage;
  let b: CollabPage;
  let c: CollabPage;

  beforeAll(async () => {
    relay = await startTestRelay();
    const session = await relay.createSession({ title: "view settings" });
    const webUrl = inject("webUrl");
    browser = await launchChromium();
    a = await openAs(browser, linkFor(webUrl, relay.url, session, "edit"), { name: "Ada", color: "#ef476f" });
    b = await openAs(browser, linkFor(webUrl, relay.url, session, "edit"), { name: "Bo", color: "#118ab2" });
    c = await openAs(browser, linkFor(webUrl, relay.url, session, "view"), { name: "Cy", color: "#06d6a0" });
    rig = await producer(linkFor(webUrl, relay.url, session, "publish"));
    for (const message of depthImage3dExample()) rig.log(message.entityPath, message.archetype);
    await rig.flush();
    for (const { page } of [a, b, c]) {
      await waitInPage(
        page,
        (entity) => window.__depthroom?.stats().find((s) => s.entity === entity)?.hasCloud === true,
        DEPTH,
      );
    }
  });

  afterAll(async () => {
    await rig?.close();
    await browser?.close();
    await relay?.close();
  });

  it("a change made on page A is drawn by page B within a second", async () => {
    expect(await sceneSettings(b.page)).toBeNull();
    const started = Date.now();
    const written = await a.page.evaluate(
      (entity) => window.__depthroomCollab!.changeViewSettings(entity, { cullRange: [1, 3] }),
      DEPTH,
    );
    expect(written).toMatchObject({ cullRange: [1, 3], colorBy: "image" });
    await waitInPage(
      b.page,
      (entity) =>
        JSON.stringify(
          window.__depthroom!.colors().clouds.find((c) => c.entity === entity)?.settings?.cullRange,
        ) === "[1,3]",
      DEPTH,
      1000,
    );
    const elapsed = Date.now() - started;
    console.log(`view setting A -> B drawn in ${elapsed} ms`);
    expect(elapsed).toBeLessThan(1000);
  });

  it("the View panel changes it for everyone, and Undo takes this page's change back", async () => {
    await b.page.getByTestId("view-settings-toggle").click();
    await b.page.getByTestId(`view-flying-${DEPTH}`).check();
    await waitInPage(
      a.page,
      (entity) =>
        window.__depthroom!.colors().clouds.find((c) => c.entity === entity)?.settings?.flyingPixels,
      DEPTH,
      2000,
    );
    expect(await sceneSettings(a.page)).toMatchObject({ flyingPixels: true, cullRange: [1, 3] });
    await b.page.getByTestId("undo-view-settings").click();
    await waitInPage(
      a.page,
      (entity) =>
        window.__depthroom!.colors().clouds.find((c) => c.entity === entity)?.settings?.flyingPixels ===
        false,
      DEPTH,
      2000,
    );
    // A's own change (the range) is not B's to undo.
    expect(await sceneSettings(a.page)).toMatchObject({ flyingPixels: false, cullRange: [1, 3] });
  });

  it("a view link cannot change them", async () => {
    await c.page.getByTestId("view-settings-toggle").click();
    expect(await c.page.getByTestId(`view-flying-${DEPTH}`).isDisabled()).toBe(true);
    expect(
      await c.page.evaluate(
        (entity) => window.__depthroomCollab!.changeViewSettings(entity, { normalShading: true }),
        DEPTH,
      ),
    ).toBeNull();
    // Forced into C's own doc: it stays there. A later write by A still reaches C and B, the forced one never.
    await c.page.evaluate(
      (entity) => window.__depthroomCollab!.forceViewSettings(entity, { normalShading: true }),
      DEPTH,
    );
    await a.page.evaluate(
      (entity) => window.__depthroomCollab!.changeViewSettings(entity, { colorBy: "depth" }),
      DEPTH,
    );
    for (const { page } of [b, a]) {
      await waitInPage(
        page,
        (entity) =>
          window.__depthroom!.colors().clouds.find((c) => c.entity === entity)?.settings?.colorBy === "depth",
        DEPTH,
        2000,
      );
      await new Promise((resolve) => setTimeout(resolve, 300));
      expect(await sceneSettings(page)).toMatchObject({ colorBy: "depth", normalShading: false });
    }
  });
});
