import type { Page } from "playwright-core";
import { beforeAll, describe, expect, it } from "vitest";
import { ALICE, BOB, CAROL, type CollabPage } from "./support/collabPages.ts";
import { logMessages, waitForEntities, waitInPage } from "./support/session.ts";
import { browserSuite } from "./support/suite.ts";

// Shared annotations: A pins a note on the depth_image_3d cloud, B replies, A resolves, C only looks.
const DEPTH = "world/camera/depth";

const item = (page: Page) => page.getByTestId("annotation-item");

/** Wait (2 s at most) until `page` has an annotation of `kind`, and return it. */
async function annotationSeen(page: Page, kind: string) {
  await waitInPage(
    page,
    (k) => window.__depthroomCollab!.annotations().some((x) => x.kind === k),
    kind,
    2000,
  );
  return (await page.evaluate(
    (k) => window.__depthroomCollab!.annotations().find((x) => x.kind === k),
    kind,
  ))!;
}

async function openNotes(page: Page): Promise<void> {
  // Pinning a note opens the panel on the author's page already.
  if (!(await page.getByTestId("annotations-panel").isVisible()))
    await page.getByTestId("notes-button").click();
  await page.getByTestId("annotations-panel").waitFor({ timeout: 5000 });
  await page.getByTestId("filter-all").click();
}

describe("shared annotations", () => {
  const suite = browserSuite();
  let a: CollabPage;
  let b: CollabPage;
  let c: CollabPage;
  let id: string;

  beforeAll(async () => {
    const { links } = await suite.newSession();
    await logMessages(await suite.connectRig(links.publish));
    a = await suite.openAs(links.edit, ALICE);
    b = await suite.openAs(links.edit, BOB);
    c = await suite.openAs(links.view, CAROL);
    for (const { page } of [a, b, c]) {
      await waitForEntities(page, "hasCloud", [DEPTH]);
      // The 3D view alone, so the whole stage is the cloud.
      await page.keyboard.press("2");
    }
    await openNotes(b.page);
    await openNotes(c.page);
  });

  it("A pins a note on a point of the cloud: B sees it in the list and in 3D within 1 s", async () => {
    // Pixel (100, 100) of the example is (-0.5, 0, 2.0) in the camera frame; click where it is drawn.
    const world = (await a.page.evaluate(
      (entity) => window.__depthroom!.readout(entity, 100, 100)!.worldPoint!,
      DEPTH,
    ))!;
    await a.page.getByTestId("add-note").click();
    const at = (await a.page.evaluate((p) => window.__depthroom!.project(p), world))!;
    await a.page.mouse.click(at[0], at[1]);
    await a.page.getByTestId("note-draft").waitFor({ timeout: 5000 });
    const drafted = await a.page.getByTestId("note-draft").textContent();
    await a.page.getByTestId("note-text").fill("Corner of the near square");
    await a.page.getByTestId("note-save").click();
    const saved = Date.now();
    await Promise.all([
      item(b.page).first().waitFor({ timeout: 1000 }),
      waitInPage(b.page, () => window.__depthroomCollab!.pins().length === 1, undefined, 1000),
    ]);
    expect(Date.now() - saved).toBeLessThan(1000);

    const [note] = await b.page.evaluate(() => window.__depthroomCollab!.annotations());
    expect(note).toMatchObject({
      kind: "pin3d",
      entityPath: DEPTH,
      text: "Corner of the near square",
      author: expect.objectContaining(ALICE),
      resolved: false,
      thread: [],
    });
    if (note?.kind !== "pin3d") throw new Error("expected a pin3d");
    id = note.id;
    // The anchor is the cloud point under the click (the nearest on screen), in world and camera frames.
    for (let i = 0; i < 3; i++)
      expect(
        Math.abs((note.geometry.world[i] as number) - (world[i] as number)),
        `${drafted} clicked at ${at} for ${world}: ${JSON.stringify(note.geometry)}`,
      ).toBeLessThan(0.05);
    expect(note.geometry.local[2]).toBeCloseTo(2.0, 3);
    expect(note.viewpoint).not.toBeNull();
    expect(note.time?.timeline).toBe("log_time");
    // Drawn in B's 3D view in Alice's colour, at the anchor.
    const pins = await b.page.evaluate(() => window.__depthroomCollab!.pins());
    expect(pins).toEqual([{ id, world: note.geometry.world, color: ALICE.color, resolved: false }]);
    expect(await item(b.page).getByTestId("annotation-text").textContent()).toBe("Corner of the near square");
  });

  it("B replies in the thread; both see it; A resolves; B sees it resolved", async () => {
    await item(b.page).getByTestId("reply-text").fill("Looks like a depth edge");
    await item(b.page).getByTestId("reply-send").click();
    await openNotes(a.page);
    for (const page of [a.page, b.page]) {
      await item(page).getByTestId("thread-comment").waitFor({ timeout: 1000 });
      expect(await item(page).getByTestId("thread-comment").textContent()).toContain(
        "Looks like a depth edge",
      );
    }
    await item(a.page).getByTestId("annotation-resolve").click();
    await b.page.locator(`[data-testid="annotation-item"][data-resolved="true"]`).waitFor({ timeout: 1000 });
    await waitInPage(b.page, () => window.__depthroomCollab!.pins()[0]?.resolved === true, undefined, 1000);
    // The open filter hides it, the resolved filter shows it.
    await b.page.getByTestId("filter-open").click();
    expect(await item(b.page).count()).toBe(0);
    await b.page.getByTestId("filter-resolved").click();
    expect(await item(b.page).count()).toBe(1);
  });

  it("a view-only page sees the note, offers no control that writes, and its forced write reaches nobody", async () => {
    await c.page.locator(`[data-testid="annotation-item"][data-id="${id}"]`).waitFor({ timeout: 1000 });
    expect(await c.page.evaluate(() => window.__depthroomCollab!.pins().length)).toBe(1);
    for (const control of [
      "add-note",
      "present-button",
      "reply-text",
      "annotation-resolve",
      "annotation-delete",
    ])
      expect(await c.page.getByTestId(control).count(), control).toBe(0);

    const forced = await c.page.evaluate(
      (entity) =>
        window.__depthroomCollab!.forceAddAnnotation({
          kind: "pin3d",
          entityPath: entity,
          geometry: { world: [0, 0, 1], local: [0, 0, 1] },
          text: "forced by a view link",
          author: { id: "carol", name: "Carol", color: "#06d6a0" },
        }),
      DEPTH,
    );
    // It exists in C's own doc only...
    expect(
      await c.page.evaluate((f) => window.__depthroomCollab!.annotations().some((x) => x.id === f), forced),
    ).toBe(true);
    // ...while the session keeps syncing: a later write by A reaches B, and the forced one never does.
    await item(a.page).getByTestId("annotation-resolve").click(); // reopen
    await waitInPage(
      b.page,
      () => window.__depthroomCollab!.annotations()[0]?.resolved === false,
      undefined,
      2000,
    );
    await new Promise((resolve) => setTimeout(resolve, 500));
    for (const page of [a.page, b.page]) {
      const ids = await page.evaluate(() => window.__depthroomCollab!.annotations().map((x) => x.id));
      expect(ids).toEqual([id]);
    }
    // C still reads the session: it saw A reopen the note.
    await waitInPage(
      c.page,
      (noteId) => window.__depthroomCollab!.annotations().find((x) => x.id === noteId)?.resolved === false,
      id,
      2000,
    );
  });

  it("A deletes the note and undoes it: both see it go and come back", async () => {
    await a.page.getByTestId("filter-all").click();
    await item(a.page).first().getByTestId("annotation-delete").click();
    await waitInPage(b.page, () => window.__depthroomCollab!.annotations().length === 0, undefined, 1000);
    await a.page.getByTestId("undo-annotation").click();
    await waitInPage(
      b.page,
      (noteId) =>
        window.__depthroomCollab!.annotations().some((x) => x.id === noteId && x.thread.length === 1),
      id,
      1000,
    );
  });

  it("A marks a point on its 2D view: B sees the mark on its own 2D view", async () => {
    for (const { page } of [a, b]) await page.keyboard.press("1"); // 3D + 2D
    await waitInPage(a.page, (e) => window.__depthroom!.pixelToClient(e, 50, 60) !== null, DEPTH, 5000);
    await a.page.getByTestId("add-note").click();
    const at2d = (await a.page.evaluate((e) => window.__depthroom!.pixelToClient(e, 50, 60), DEPTH))!;
    await a.page.mouse.click(at2d[0], at2d[1]);
    await a.page.getByTestId("note-text").fill("A far corner");
    await a.page.getByTestId("note-save").click();
    const mark = await annotationSeen(b.page, "point2d");
    expect(mark).toMatchObject({ entityPath: DEPTH, geometry: { u: 50, v: 60 }, text: "A far corner" });
    await b.page.locator(`[data-testid="mark-2d"][data-id="${mark.id}"]`).waitFor({ timeout: 2000 });
  });

  it("A drags a box on its 2D view: B sees the box mark", async () => {
    // The notes panel sits over the right of the stage: close it so the whole 2D view takes the drag.
    await a.page.getByTestId("notes-button").click();
    await a.page.getByTestId("annotations-panel").waitFor({ state: "detached" });
    await a.page.getByTestId("add-note").click();
    const from = (await a.page.evaluate((e) => window.__depthroom!.pixelToClient(e, 20, 20), DEPTH))!;
    const to = (await a.page.evaluate((e) => window.__depthroom!.pixelToClient(e, 60, 50), DEPTH))!;
    await a.page.mouse.move(from[0], from[1]);
    await a.page.mouse.down();
    await a.page.mouse.move(to[0], to[1], { steps: 4 });
    await a.page.mouse.up();
    await a.page.getByTestId("note-text").fill("Background block");
    await a.page.getByTestId("note-save").click();
    const box = await annotationSeen(b.page, "box2d");
    expect(box).toMatchObject({ entityPath: DEPTH, geometry: { u0: 20, v0: 20, u1: 60, v1: 50 } });
    await b.page.locator(`[data-testid="mark-2d"][data-id="${box.id}"]`).waitFor({ timeout: 2000 });
  });
});
