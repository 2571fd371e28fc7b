import type { RecordingDescription } from "@depthroom/schema";
import { beforeAll, describe, expect, inject, it } from "vitest";
import type { CollabPage } from "./support/collabPages.ts";
import { recordStampedTake, type Sent, TAKE_ENTITY, waitForFrame } from "./support/reviewTake.ts";
import { waitInPage } from "./support/session.ts";
import { browserSuite } from "./support/suite.ts";

// Issue 20: in a review room, A measures at a recording time (the measurement carries it), selects the
// depth image and copies a link to the view; the link opened in a fresh browser context lands on the same
// frame (+-1), the same camera pose (within 1e-3) and the same selected entity, and shows the
// measurement stamped with that time. Opening it seeks the review room (its playback is shared, so
// everyone in it goes to that moment).

const ALICE = { name: "Alice Review", color: "#ef476f" };
const CAROL = { name: "Carol Cold", color: "#06d6a0" };
const FRAMES = 20;
const FPS = 10;
const SEEK_TO = 12;

describe("a link to a moment and a viewpoint", () => {
  const suite = browserSuite({ relay: { webUrl: inject("webUrl") } });
  let a: CollabPage;
  let recording: RecordingDescription;
  let sent: readonly Sent[] = [];

  beforeAll(async () => {
    const take = await recordStampedTake({ suite, title: "moment", frames: FRAMES, fps: FPS });
    recording = take.recording;
    sent = take.sent;
    a = await suite.openAs(recording.links!.edit!, ALICE);
    await waitInPage(a.page, () => window.__depthroom?.playback() != null, undefined);
  });

  it("A measures at frame 12 and copies the view; a fresh context lands on that frame, pose and selection, with the measurement", async () => {
    const at = sent[SEEK_TO]!;
    await a.page.evaluate((ns) => window.__depthroom!.playback()!.seek(ns), Number(at.timeNs));
    await waitForFrame(a.page, SEEK_TO);
    const pose = { eye: [0.4, -0.3, -1.2], target: [0.1, 0.05, 2.5], up: [0, -1, 0], fovY: 0.9 } as const;
    await a.page.evaluate((p) => window.__depthroom!.setPose(p as never), pose);

    // A measures on the 2D view at this time.
    await a.page.getByTestId("measure-button").click();
    for (const [u, v] of [
      [100, 120],
      [220, 120],
    ] as const) {
      const xy = await a.page.evaluate(([e, pu, pv]) => window.__depthroom!.pixelToClient(e, pu, pv), [
        TAKE_ENTITY,
        u,
        v,
      ] as const);
      await a.page.mouse.click(xy![0], xy![1]);
    }
    await a.page.keyboard.press("Escape");
    await waitInPage(
      a.page,
      () => window.__depthroomCollab!.measurements().some((m) => m.complete),
      null,
      5000,
    );
    const [measured] = await a.page.evaluate(() => window.__depthroomCollab!.measurements());
    expect(measured!.time).toEqual({ timeline: "log_time", value: Number(at.timeNs) });

    // A selects the depth image in the entity tree: the link carries it.
    await a.page.locator(`[data-entity="${TAKE_ENTITY}"] button.tree-name`).click();
    await waitInPage(a.page, (e) => window.__depthroom!.state().selected === e, TAKE_ENTITY, 5000);
    await a.page.getByTestId("copy-view-link").click();
    const link = await a.page.getByTestId("view-link").inputValue();
    const shownPose = await a.page.evaluate(() => window.__depthroom!.pose());
    // The same kind of link and token as A's (edit), with the view in the fragment.
    const held = new URL(recording.links!.edit!);
    const copied = new URL(link);
    expect(copied.pathname).toBe(held.pathname);
    expect(new URLSearchParams(copied.hash.slice(1)).get("token")).toBe(
      new URLSearchParams(held.hash.slice(1)).get("token"),
    );

    // The room moves on (its playback is shared): the link, not the room's state, must bring frame 12 back.
    await a.page.evaluate((ns) => window.__depthroom!.playback()!.seek(ns), Number(sent[3]!.timeNs));
    await waitForFrame(a.page, 3);

    const c = await suite.openAs(link, CAROL);
    try {
      await waitInPage(
        c.page,
        ({ entity, seq }) => {
          const f = window.__depthroom?.stats().find((s) => s.entity === entity)?.frame;
          return f !== undefined && Math.abs(f - seq) <= 1;
        },
        { entity: TAKE_ENTITY, seq: SEEK_TO },
        15_000,
      );
      const cold = await c.page.evaluate(() => window.__depthroom!.pose());
      const diffs = [
        ...cold.eye.map((x, i) => x - shownPose.eye[i]!),
        ...cold.target.map((x, i) => x - shownPose.target[i]!),
        ...cold.up.map((x, i) => x - shownPose.up[i]!),
        cold.fovY - shownPose.fovY,
      ].map(Math.abs);
      process.stderr.write(`view link: largest pose difference ${Math.max(...diffs)}\n`);
      expect(Math.max(...diffs)).toBeLessThan(1e-3);
      await waitInPage(c.page, (e) => window.__depthroom!.state().selected === e, TAKE_ENTITY, 5000);
      const seen = await c.page.evaluate(() => window.__depthroomCollab!.measurements());
      expect(seen.map((m) => [m.id, m.time])).toEqual([[measured!.id, measured!.time]]);
      await c.page.getByTestId("notes-button").click();
      await c.page.getByTestId("measurement-item").waitFor({ timeout: 5000 });
    } finally {
      await c.context.close();
    }
  });
});
