import { beforeAll, describe, expect, it } from "vitest";
import type { CollabPage } from "./support/collabPages.ts";
import { logMessages, waitForEntities, waitInPage } from "./support/session.ts";
import { browserSuite } from "./support/suite.ts";

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
  const suite = browserSuite();
  let a: CollabPage;
  let b: CollabPage;
  let c: CollabPage;

  beforeAll(async () => {
    const { links } = await suite.newSession({ title: "view settings" });
    a = await suite.openAs(links.edit, { name: "Ada", color: "#ef476f" });
    b = await suite.openAs(links.edit, { name: "Bo", color: "#118ab2" });
    c = await suite.openAs(links.view, { name: "Cy", color: "#06d6a0" });
    await logMessages(await suite.connectRig(links.publish));
    for (const { page } of [a, b, c]) await waitForEntities(page, "hasCloud", [DEPTH]);
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
