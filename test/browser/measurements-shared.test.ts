import {
  type CreateSessionResponse,
  type DepthImage,
  depthImage3dExample,
  measure,
  measurementLabel,
  type Pinhole,
  pickDepthPoint,
} from "@depthroom/schema";
import type { RecordingStream } from "@depthroom/sdk";
import type { Page } from "playwright-core";
import { beforeAll, describe, expect, it } from "vitest";
import type { CollabPage } from "./support/collabPages.ts";
import { linkFor } from "./support/links.ts";
import { logMessages, waitForEntities, waitInPage } from "./support/session.ts";
import { browserSuite } from "./support/suite.ts";

// Issue 20: shared measurements on Rerun's depth_image_3d example. A (edit link) measures between
// pixels (100, 100) and (200, 100) of the 2 m region on the 2D view; the label reads the distance the
// schema's unprojection gives; B (view link) sees it within 500 ms, has no Measure control, and a
// measurement forced into B's own doc is refused by the relay; the measurement survives a relay restart.

const DEPTH = "world/camera/depth";
const ALICE = { name: "Alice Measure", color: "#ef476f" };
const BOB = { name: "Bob Looks", color: "#4cc9f0" };

const example = depthImage3dExample();
const depth = example.find((m) => m.entityPath === DEPTH)!.archetype as DepthImage;
const pinhole = example.find((m) => m.entityPath === "world/camera")!.archetype as Pinhole;

const completeLabel = (page: Page, view: string) =>
  page.evaluate((v) => {
    const el = document.querySelector<HTMLElement>(
      `[data-testid="measurement-label"][data-view="${v}"][data-complete="true"]`,
    );
    return el ? { text: el.textContent ?? "", value: Number(el.dataset.value), id: el.dataset.id } : null;
  }, view);

async function clickPixel(page: Page, u: number, v: number): Promise<void> {
  const at = await page.evaluate(([e, pu, pv]) => window.__depthroom!.pixelToClient(e, pu, pv), [
    DEPTH,
    u,
    v,
  ] as const);
  expect(at).not.toBeNull();
  await page.mouse.click(at![0], at![1]);
}

describe("shared measurements", () => {
  const suite = browserSuite();
  let rig: RecordingStream;
  let a: CollabPage;
  let b: CollabPage;
  let session: CreateSessionResponse;
  let measuredId: string;

  beforeAll(async () => {
    session = await suite.newSession({ title: "measurements" });
    rig = await suite.connectRig(session.links.publish);
    await logMessages(rig, example);
    a = await suite.openAs(session.links.edit, ALICE);
    b = await suite.openAs(session.links.view, BOB);
    for (const { page } of [a, b]) await waitForEntities(page, "hasCloud", [DEPTH]);
  });

  it("A measures pixels (100, 100) and (200, 100): the label is the unprojected distance, B sees it within 500 ms", async () => {
    const p0 = pickDepthPoint(depth, pinhole, 100, 100)!;
    const p1 = pickDepthPoint(depth, pinhole, 200, 100)!;
    // (100, 100) lies in the 2 m square, (200, 100) in the background (6.5535 m): the example's values.
    expect(p0.world[2]).toBeCloseTo(2, 6);
    expect(p1.world[2]).toBeCloseTo(6.5535, 6);
    const values = measure({ kind: "distance", points: [p0, p1] });
    const expected = (values as { length: number }).length;
    const expectedLabel = measurementLabel(values);

    await a.page.getByTestId("measure-button").click();
    await clickPixel(a.page, 100, 100);
    // The first point is shared at once, drawn as incomplete.
    await waitInPage(b.page, () => (window.__depthroomCollab?.measurements().length ?? 0) === 1, null, 2000);
    const seenByB = waitInPage(
      b.page,
      () => document.querySelector('[data-testid="measurement-label"][data-complete="true"]') !== null,
      null,
      5000,
    ).then(() => Date.now());
    await clickPixel(a.page, 200, 100);
    const clickedAt = Date.now();
    const seenAt = await seenByB;
    expect(seenAt - clickedAt).toBeLessThan(500);
    process.stderr.write(`measurement seen by B ${seenAt - clickedAt} ms after A's second click\n`);

    for (const page of [a.page, b.page]) {
      for (const view of ["2d", "3d"]) {
        const label = await completeLabel(page, view);
        expect(label, `${view} label`).not.toBeNull();
        expect(Math.abs(label!.value - expected)).toBeLessThan(1e-3);
        expect(label!.text).toBe(expectedLabel);
      }
    }
    const [m] = await b.page.evaluate(() => window.__depthroomCollab!.measurements());
    expect(m).toMatchObject({
      kind: "distance",
      entityPath: DEPTH,
      complete: true,
      author: { name: ALICE.name },
    });
    expect(m!.points.map((p) => p.pixel)).toEqual([p0.pixel, p1.pixel]);
    expect(measure(m!)).toMatchObject({ kind: "distance" });
    measuredId = m!.id;
    // Listed in the notes panel with its author.
    await b.page.getByTestId("notes-button").click();
    const item = b.page.getByTestId("measurement-item");
    await item.waitFor({ timeout: 5000 });
    expect(await item.textContent()).toContain(ALICE.name);
  });

  it("a polyline of three pixels: its total is the sum of its unprojected segments", async () => {
    await a.page.getByTestId("measure-kind").selectOption("polyline");
    await clickPixel(a.page, 100, 100);
    await clickPixel(a.page, 150, 100);
    await clickPixel(a.page, 150, 150);
    await a.page.getByTestId("measure-finish").click();
    await waitInPage(
      b.page,
      () => window.__depthroomCollab!.measurements().some((m) => m.kind === "polyline" && m.complete),
      null,
      2000,
    );
    const poly = (await b.page.evaluate(() => window.__depthroomCollab!.measurements())).find(
      (m) => m.kind === "polyline",
    )!;
    const q = [
      [100, 100],
      [150, 100],
      [150, 150],
    ].map(([u, v]) => pickDepthPoint(depth, pinhole, u as number, v as number)!.world);
    const d = (i: number) =>
      Math.hypot(...([0, 1, 2].map((k) => q[i + 1]![k]! - q[i]![k]!) as [number, number, number]));
    const m = measure(poly);
    expect(m.kind).toBe("polyline");
    expect(Math.abs((m as { length: number }).length - (d(0) + d(1)))).toBeLessThan(1e-3);
    await a.page.keyboard.press("Escape");
  });

  it("a view link has no Measure control, and a measurement forced into its doc is refused by the relay", async () => {
    expect(await b.page.getByTestId("measure-button").count()).toBe(0);
    await b.page.evaluate(
      (entity) =>
        window.__depthroomCollab!.forceAddMeasurement({
          kind: "distance",
          entityPath: entity,
          points: [
            { world: [0, 0, 1], pixel: null },
            { world: [0, 0, 9], pixel: null },
          ],
          author: { id: "forged", name: "Forged", color: "#000000" },
        }),
      DEPTH,
    );
    // A later write by A still reaches B; the forced one never reaches A.
    const before = (await a.page.evaluate(() => window.__depthroomCollab!.measurements())).length;
    // Escape left measure mode: Measure again starts a distance.
    await a.page.getByTestId("measure-button").click();
    expect(await a.page.getByTestId("measure-kind").inputValue()).toBe("distance");
    await clickPixel(a.page, 120, 60);
    await clickPixel(a.page, 130, 60);
    await waitInPage(a.page, (n) => window.__depthroomCollab!.measurements().length === n + 1, before, 2000);
    await new Promise((resolve) => setTimeout(resolve, 500));
    const seenByA = await a.page.evaluate(() => window.__depthroomCollab!.measurements());
    expect(seenByA.some((m) => m.author.name === "Forged")).toBe(false);
    await waitInPage(
      b.page,
      (n) =>
        window.__depthroomCollab!.measurements().filter((m) => m.author.name !== "Forged").length === n + 1,
      before,
      2000,
    );
    // A's Undo takes its last measurement back for everyone.
    await a.page.getByTestId("notes-button").click();
    await a.page.getByTestId("undo-annotation").click();
    await waitInPage(
      b.page,
      (n) => window.__depthroomCollab!.measurements().filter((m) => m.author.name !== "Forged").length === n,
      before,
      2000,
    );
  });

  it("survives a relay restart", async () => {
    await rig.close();
    const relay = await suite.restartRelay();
    const fresh = await suite.openAs(linkFor(suite.webUrl, relay.url, session, "view"), BOB);
    try {
      const kept = await fresh.page.evaluate(() => window.__depthroomCollab!.measurements());
      expect(kept.map((m) => m.id)).toContain(measuredId);
      expect(kept.some((m) => m.author.name === "Forged")).toBe(false);
    } finally {
      await fresh.context.close();
    }
  });
});
