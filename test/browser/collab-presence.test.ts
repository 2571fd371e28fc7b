import type { Role } from "@depthroom/schema";
import type { Page } from "playwright-core";
import { beforeAll, describe, expect, it } from "vitest";
import { ALICE, BOB, type CollabPage, dragIn3d } from "./support/collabPages.ts";
import { logMessages, waitInPage } from "./support/session.ts";
import { browserSuite } from "./support/suite.ts";

// Presence and following: two people in one session, a real relay, real Chromium.

type Pose = {
  readonly eye: readonly number[];
  readonly target: readonly number[];
  readonly up: readonly number[];
  readonly fovY: number;
};
const poseGap = (a: Pose, b: Pose) =>
  Math.max(
    Math.abs(a.fovY - b.fovY),
    ...[0, 1, 2].flatMap((i) => [
      Math.abs((a.eye[i] as number) - (b.eye[i] as number)),
      Math.abs((a.target[i] as number) - (b.target[i] as number)),
      Math.abs((a.up[i] as number) - (b.up[i] as number)),
    ]),
  );
const poseOf = (page: Page) => page.evaluate(() => window.__depthroom!.pose()) as Promise<Pose>;

describe("presence: avatars, camera frustums, following", () => {
  const suite = browserSuite();
  let a: CollabPage;
  let b: CollabPage;
  let links: Record<Role, string>;

  beforeAll(async () => {
    ({ links } = await suite.newSession());
    await logMessages(await suite.connectRig(links.publish));
  });

  it("pages A and B see each other's avatar within 1 s of joining, and a leaver goes at once", async () => {
    a = await suite.openAs(links.edit, ALICE);
    expect(await a.page.getByTestId("collab-connection").getAttribute("data-connection")).toBe("connected");
    b = await suite.openAs(links.edit, BOB);
    // From B's first connection, each sees the other within a second (measured where the awareness
    // update lands in each page, so a busy test machine's paint does not count), and the avatar shows.
    const joined = (await b.page.evaluate(() => window.__depthroomCollab!.connectedAt()))!;
    await Promise.all([
      a.page.locator(`[data-testid="avatar"][data-name="${BOB.name}"]`).waitFor({ timeout: 5000 }),
      b.page.locator(`[data-testid="avatar"][data-name="${ALICE.name}"]`).waitFor({ timeout: 5000 }),
    ]);
    const aSawB = (await a.page.evaluate((n) => window.__depthroomCollab!.peerSeenAt(n), BOB.name))!;
    const bSawA = (await b.page.evaluate((n) => window.__depthroomCollab!.peerSeenAt(n), ALICE.name))!;
    expect(aSawB - joined).toBeLessThan(1000);
    expect(bSawA - joined).toBeLessThan(1000);
    expect(await a.page.getByTestId("avatar").count()).toBe(1);
    const peerOfB = await b.page.evaluate(() => window.__depthroomCollab!.peers());
    expect(peerOfB.map((p) => p.user)).toEqual([expect.objectContaining(ALICE)]);

    // A third person comes and goes: A sees both within a second.
    const c = await suite.openAs(links.view, { name: "Carol Example", color: "#06d6a0" });
    const cJoined = (await c.page.evaluate(() => window.__depthroomCollab!.connectedAt()))!;
    await a.page.locator('[data-testid="avatar"][data-name="Carol Example"]').waitFor({ timeout: 5000 });
    const aSawC = (await a.page.evaluate(() => window.__depthroomCollab!.peerSeenAt("Carol Example")))!;
    expect(aSawC - cJoined).toBeLessThan(1000);
    const left = Date.now();
    await c.context.close();
    await a.page
      .locator('[data-testid="avatar"][data-name="Carol Example"]')
      .waitFor({ state: "detached", timeout: 5000 });
    expect(Date.now() - left).toBeLessThan(1500);
  });

  it("A orbits: B sees A's frustum move to A's new camera", async () => {
    // B draws A's camera as a frustum in A's colour.
    await waitInPage(
      b.page,
      (color) => window.__depthroomCollab!.remoteFrustums().some((f) => f.color === color),
      ALICE.color,
      5000,
    );
    const before = (await b.page.evaluate(() => window.__depthroomCollab!.remoteFrustums()[0]!.pose)) as Pose;
    await dragIn3d(a.page, 140, 40);
    const aPose = await poseOf(a.page);
    expect(poseGap(aPose, before)).toBeGreaterThan(0.1);
    // The frustum glides (smoothed) to where A now looks from.
    await waitInPage(
      b.page,
      (target) => {
        const f = window.__depthroomCollab!.remoteFrustums()[0];
        if (!f) return false;
        const gap = Math.max(
          ...[0, 1, 2].map((i) => Math.abs((f.pose.eye[i] as number) - (target.eye[i] as number))),
          ...[0, 1, 2].map((i) => Math.abs((f.pose.target[i] as number) - (target.target[i] as number))),
        );
        return gap < 1e-3;
      },
      aPose,
      3000,
    );
    // ...drawn in the aspect of A's 3D view (not a fixed 4:3): A widens its 3D view, B's frustum follows.
    const aspectOfA = () =>
      a.page.evaluate(() => {
        const panel = window.__depthroom!.panels().find((p) => p.kind === "3d")!;
        return panel.width / panel.height;
      });
    const drawnAspect = () => b.page.evaluate(() => window.__depthroomCollab!.remoteFrustums()[0]!.aspect);
    expect(Math.abs((await drawnAspect()) - (await aspectOfA()))).toBeLessThan(0.01);
    await a.page.keyboard.press("2"); // the 3D view alone
    await waitInPage(a.page, () => window.__depthroom!.panels().length === 1, null, 3000);
    const wide = await aspectOfA();
    expect(wide).toBeGreaterThan(1.5);
    await waitInPage(
      b.page,
      (aspect) => Math.abs(window.__depthroomCollab!.remoteFrustums()[0]!.aspect - aspect) < 0.01,
      wide,
      3000,
    );
    await a.page.keyboard.press("1"); // back to 2D beside 3D for the next tests
    await waitInPage(a.page, () => window.__depthroom!.panels().length > 1, null, 3000);
  });

  it("A hovers its 2D view: B draws A's pointer on the same image pixel", async () => {
    const entity = "world/camera/depth";
    const at = (await a.page.evaluate((e) => window.__depthroom!.pixelToClient(e, 100, 100), entity))!;
    await a.page.mouse.move(at[0], at[1]);
    const pointer = b.page.locator(`[data-testid="peer-pointer"][data-name="${ALICE.name}"]`);
    await pointer.waitFor({ timeout: 3000 });
    expect(await pointer.getAttribute("data-entity")).toBe(entity);
    expect(await pointer.getAttribute("data-u")).toBe("100");
    expect(await pointer.getAttribute("data-v")).toBe("100");
  });

  it("B follows A: B's camera converges to A's; B drags: following stops", async () => {
    await b.page.locator(`[data-testid="avatar"][data-name="${ALICE.name}"]`).click();
    await b.page.getByTestId("following-chip").waitFor({ timeout: 2000 });
    expect(await b.page.getByTestId("following-chip").textContent()).toContain(ALICE.name);

    await dragIn3d(a.page, -200, 30);
    const aPose = await poseOf(a.page);
    await waitInPage(
      b.page,
      (target) => {
        const p = window.__depthroom!.pose();
        const gap = Math.max(
          Math.abs(p.fovY - target.fovY),
          ...[0, 1, 2].flatMap((i) => [
            Math.abs((p.eye[i] as number) - (target.eye[i] as number)),
            Math.abs((p.target[i] as number) - (target.target[i] as number)),
            Math.abs((p.up[i] as number) - (target.up[i] as number)),
          ]),
        );
        return gap < 1e-3;
      },
      aPose,
      3000,
    );
    expect(poseGap(await poseOf(b.page), aPose)).toBeLessThan(1e-3);

    // B's own drag ends following, and B's camera stays where B put it.
    await dragIn3d(b.page, 80, -20);
    await b.page.getByTestId("following-chip").waitFor({ state: "detached", timeout: 2000 });
    expect(await b.page.evaluate(() => window.__depthroomCollab!.following())).toBeNull();
    const bPose = await poseOf(b.page);
    await dragIn3d(a.page, 120, 0);
    await new Promise((resolve) => setTimeout(resolve, 500));
    expect(poseGap(await poseOf(b.page), bPose)).toBeLessThan(1e-9);
  });

  it("A presents: B is offered to follow the presenter and tracks A's camera", async () => {
    await a.page.getByTestId("present-button").click();
    await b.page.getByTestId("follow-presenter").waitFor({ timeout: 2000 });
    await b.page.getByTestId("follow-presenter").click();
    await dragIn3d(a.page, 60, 60);
    const aPose = await poseOf(a.page);
    await waitInPage(
      b.page,
      (target) => {
        const p = window.__depthroom!.pose();
        return [0, 1, 2].every((i) => Math.abs((p.eye[i] as number) - (target.eye[i] as number)) < 1e-3);
      },
      aPose,
      3000,
    );
    // A stops presenting: B's avatar of A loses its "presenting" mark.
    const live = b.page.locator(`[data-testid="avatar"][data-name="${ALICE.name}"] .collab-live`);
    expect(await live.count()).toBe(1);
    await a.page.getByTestId("present-button").click();
    await live.waitFor({ state: "detached", timeout: 2000 });
  });
});
