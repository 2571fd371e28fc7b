import { devices } from "playwright-core";
import { beforeAll, describe, expect, it } from "vitest";
import type { CollabHooks } from "./support/collabPages.ts";
import { TUM, TUM_CAMERA, TUM_PINHOLE, tumDepthImage } from "./support/realSamples.ts";
import { waitForEntities, waitInPage } from "./support/session.ts";
import { viewerSuite } from "./support/suite.ts";
import { type Fingers, fingersOn, type Point } from "./support/touch.ts";

// Issue 21: picking with a finger on a phone (Pixel 7 profile, CDP touch events). A long press on a
// view anchors a note there (the pixel of a 2D view, the cloud point of the 3D view); in Measure mode
// taps place measurement points.

type Annotation = ReturnType<CollabHooks["annotations"]>[number];

describe("picking with a finger on a phone", () => {
  const viewer = viewerSuite({ open: "edit", context: { ...devices["Pixel 7"] } });
  let fingers: Fingers;

  beforeAll(async () => {
    fingers = await fingersOn(viewer.page);
    viewer.rig.log(TUM_CAMERA, TUM_PINHOLE);
    viewer.rig.log(TUM, tumDepthImage());
    await waitForEntities(viewer.page, "hasCloud", [TUM], 60_000);
    await waitInPage(viewer.page, () => window.__depthroomCollab?.synced() === true, undefined, 20_000);
  }, 120_000);

  const page = () => viewer.page;

  /** Show one layout (its key) and wait until its view is there. */
  async function layout(key: "2" | "3") {
    await page().keyboard.press(key);
    await page()
      .getByTestId(key === "2" ? "panel-3d" : `panel-2d-${TUM}`)
      .waitFor();
    await page().waitForTimeout(300);
  }

  /** The client position of pixel (u, v) of the TUM image in its 2D view. */
  async function pixelAt(u: number, v: number): Promise<Point> {
    const at = await page().evaluate(([e, pu, pv]) => window.__depthroom!.pixelToClient(e, pu, pv), [
      TUM,
      u,
      v,
    ] as const);
    if (!at) throw new Error(`pixel (${u}, ${v}) of ${TUM} is not on screen`);
    return { x: at[0], y: at[1] };
  }

  const worldOf = (u: number, v: number) =>
    page().evaluate(([e, pu, pv]) => window.__depthroom!.readout(e, pu, pv)?.worldPoint ?? null, [
      TUM,
      u,
      v,
    ] as const);

  /** Write and save the note drafted, close the notes sheet; returns the note saved. */
  async function saveDraft(text: string): Promise<Annotation> {
    await page().getByTestId("note-text").fill(text);
    await page().getByTestId("note-save").tap();
    await waitInPage(
      page(),
      (t) => window.__depthroomCollab!.annotations().some((a) => a.text === t),
      text,
      5000,
    );
    await page().getByLabel("Close notes").tap();
    const notes = await page().evaluate(() => window.__depthroomCollab!.annotations());
    return notes.find((a) => a.text === text)!;
  }

  it("anchors a note at the pixel of a long press on the 2D view", async () => {
    await layout("3");
    await fingers.press(await pixelAt(200, 150), 900);
    await page().getByTestId("note-draft").waitFor({ timeout: 5000 });
    const note = await saveDraft("held on the image");
    if (note.kind !== "point2d") throw new Error(`expected a point2d note, got ${JSON.stringify(note)}`);
    expect(note.entityPath).toBe(TUM);
    expect(Math.abs(note.geometry.u - 200)).toBeLessThanOrEqual(1);
    expect(Math.abs(note.geometry.v - 150)).toBeLessThanOrEqual(1);
  });

  it("pins a note on the cloud point under a long press on the 3D view", async () => {
    await layout("2");
    const world = (await worldOf(320, 240))!;
    const [x, y] = (await page().evaluate((p) => window.__depthroom!.project(p), world))!;
    const before = await page().evaluate(() => window.__depthroom!.pose());
    await fingers.press({ x, y }, 900);
    await page().getByTestId("note-draft").waitFor({ timeout: 5000 });
    // The draft names the picked pixel: "<entity> (u, v) → (x, y, z)".
    const drafted = (await page().getByTestId("note-draft").textContent()) ?? "";
    const [, u, v] = /\((\d+), (\d+)\) →/.exec(drafted) ?? [];
    expect(u, drafted).toBeDefined();
    const note = await saveDraft("held on the cloud");
    if (note.kind !== "pin3d") throw new Error(`expected a pin3d note, got ${JSON.stringify(note)}`);
    // Anchored on that pixel's point of the cloud, which is drawn where the finger was; no orbit.
    const picked = (await worldOf(Number(u), Number(v)))!;
    for (let i = 0; i < 3; i++) expect(note.geometry.world[i]).toBeCloseTo(picked[i] as number, 6);
    const [px, py] = (await page().evaluate((p) => window.__depthroom!.project(p), note.geometry.world))!;
    expect(Math.hypot(px - x, py - y), `${drafted} pressed at (${x}, ${y})`).toBeLessThan(8);
    expect(await page().evaluate(() => window.__depthroom!.pose().eye)).toEqual(before.eye);
  });

  it("places measurement points with taps in Measure mode", async () => {
    await page().getByTestId("menu-button").tap();
    await page().getByTestId("measure-button").tap();
    await expect.poll(() => page().getByTestId("measure-button").getAttribute("aria-pressed")).toBe("true");
    await layout("3");
    // Two pixels with depth: a tap takes that very pixel (it snaps only where there is no depth).
    const pixels = [
      { u: 200, v: 150 },
      { u: 420, v: 330 },
    ];
    const worlds = [];
    for (const { u, v } of pixels) {
      const world = await worldOf(u, v);
      expect(world, `pixel (${u}, ${v}) has depth`).not.toBeNull();
      worlds.push(world!);
      await fingers.press(await pixelAt(u, v), 60);
      await page().waitForTimeout(400); // not a double tap
    }
    await waitInPage(
      page(),
      () => window.__depthroomCollab!.measurements().some((m) => m.complete),
      undefined,
      5000,
    );
    const m = (await page().evaluate(() => window.__depthroomCollab!.measurements())).find((x) => x.complete);
    expect(m).toMatchObject({ kind: "distance", entityPath: TUM, complete: true });
    expect(m!.points.map((p) => p.pixel)).toEqual(pixels);
    for (let i = 0; i < 2; i++)
      for (let k = 0; k < 3; k++) expect(m!.points[i]!.world[k]).toBeCloseTo(worlds[i]![k] as number, 6);
    // A long press in Measure mode is a measurement point too, not a note.
    expect(await worldOf(300, 200), "pixel (300, 200) has depth").not.toBeNull();
    await fingers.press(await pixelAt(300, 200), 900);
    await waitInPage(page(), () => window.__depthroomCollab!.measurements().length === 2, undefined, 5000);
    const second = (await page().evaluate(() => window.__depthroomCollab!.measurements())).find(
      (x) => !x.complete,
    );
    expect(second?.points.map((p) => p.pixel)).toEqual([{ u: 300, v: 200 }]);
    expect(await page().getByTestId("note-draft").count()).toBe(0);
  });
});
