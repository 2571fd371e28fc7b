import type { Page } from "playwright-core";
import { describe, expect, it } from "vitest";
import { spawnReplayRig } from "../support/replayRig.ts";
import { waitForEntities } from "./support/session.ts";
import { browserSuite } from "./support/suite.ts";

// Issue 21: the point budget keeps a heavy session interactive in software WebGL (SwiftShader). Two
// sessions, each on its own page: one 640x480 camera, and four 1280x720 cameras with one 3840x2160
// depth image, each camera at 30 Hz from a rig in its own process (frames encoded once, then
// republished), one session after the other, each on a page of its own showing the 3D view alone (the
// view the budget is for; one view at a time, as on a phone). While measured the page orbits its 3D view
// on every animation frame; frames drawn per second with the heavy rig stay at least half of those with
// the single camera, and no frame drawn holds more points than the budget.
const FPS = 30;
const WINDOW_MS = 8000;
const SINGLE = [{ width: 640, height: 480 }];
const HEAVY = [
  ...Array.from({ length: 4 }, () => ({ width: 1280, height: 720 })),
  { width: 3840, height: 2160 },
];

/** What one measurement window saw on a page. */
interface Window {
  readonly frames: number;
  readonly seconds: number;
  readonly budget: number;
  readonly stride: number;
  /** The most points of any frame drawn (read on every animation frame). */
  readonly maxPoints: number;
  readonly fullPoints: number;
  /** Frames uploaded per entity during the window. */
  readonly uploads: number[];
  /**
   * Frames per entity that reached the frame core during the window (the viewer state's messages):
   * what crossed the socket to it and, but for any it replaced undecoded, what it decoded.
   */
  readonly received: number[];
  /** What the latest frame of each entity took to decode in the frame worker, ms. */
  readonly decodeMs: number[];
}

/** Orbit the page's 3D view a little on every animation frame for `ms` and count the frames drawn. */
function orbitAndCount(page: Page, entities: readonly string[], ms: number): Promise<Window> {
  return page.evaluate(
    async ({ names, ms }) => {
      const hooks = window.__depthroom!;
      const uploads = () => names.map((e) => hooks.stats().find((s) => s.entity === e)?.uploads ?? 0);
      const received = () => names.map((e) => hooks.state().entities[e]?.messages ?? 0);
      let maxPoints = 0;
      let last = hooks.points();
      let orbiting = true;
      // About the view's up axis (Rodrigues: d cos a + (u x d) sin a + u (u . d)(1 - cos a)).
      const step = () => {
        if (!orbiting) return;
        const p = hooks.pose();
        const [ux, uy, uz] = p.up;
        const [dx, dy, dz] = [p.eye[0] - p.target[0], p.eye[1] - p.target[1], p.eye[2] - p.target[2]];
        const c = Math.cos(0.01);
        const s = Math.sin(0.01);
        const k = (ux * dx + uy * dy + uz * dz) * (1 - c);
        hooks.setPose({
          ...p,
          eye: [
            p.target[0] + dx * c + (uy * dz - uz * dy) * s + ux * k,
            p.target[1] + dy * c + (uz * dx - ux * dz) * s + uy * k,
            p.target[2] + dz * c + (ux * dy - uy * dx) * s + uz * k,
          ],
        });
        last = hooks.points();
        maxPoints = Math.max(maxPoints, last.points);
        requestAnimationFrame(step);
      };
      requestAnimationFrame(step);
      const framesBefore = hooks.framesDrawn();
      const uploadsBefore = uploads();
      const receivedBefore = received();
      const t0 = performance.now();
      await new Promise((r) => setTimeout(r, ms));
      const frames = hooks.framesDrawn() - framesBefore;
      const seconds = (performance.now() - t0) / 1000;
      orbiting = false;
      const uploadsAfter = uploads();
      const receivedAfter = received();
      return {
        frames,
        seconds,
        budget: last.budget,
        stride: last.stride,
        maxPoints,
        fullPoints: last.fullPoints,
        uploads: uploadsAfter.map((u, i) => u - (uploadsBefore[i] ?? 0)),
        received: receivedAfter.map((r, i) => r - (receivedBefore[i] ?? 0)),
        decodeMs: names.map((e) => hooks.state().entities[e]?.decodeMs ?? Number.NaN),
      };
    },
    { names: entities, ms },
  );
}

describe("the point budget with a heavy rig", () => {
  const suite = browserSuite();
  const started = performance.now();

  /**
   * A session with one camera per size streaming at 30 Hz, open on a page until every cloud is drawn,
   * then measured for WINDOW_MS; the rig and the page are closed after.
   */
  async function measure(name: string, sizes: readonly { width: number; height: number }[]): Promise<Window> {
    const session = await suite.newSession();
    const rig = spawnReplayRig({
      relayUrl: suite.relay.url,
      session: session.id,
      publishToken: session.tokens.publish,
      fps: FPS,
      seconds: 80,
      sizes,
    });
    suite.onClose(() => rig.stop());
    const ready = await rig.ready;
    const page = await suite.newPage();
    await page.goto(session.links.view);
    await page.getByTestId("viewer").waitFor();
    await page.keyboard.press("2"); // the 3D view alone
    const entities = sizes.map((_, i) => `world/rig/cam${i}/depth`);
    await waitForEntities(page, "hasCloud", entities, 90_000);
    await page.waitForTimeout(1000); // past the first frames' work (meshes, ranges, fit)
    const w = await orbitAndCount(page, entities, WINDOW_MS);
    const rigReport = rig.reports.at(-1);
    await rig.stop();
    await page.close();
    process.stdout.write(
      `${name}: rig encoded in ${ready.encodeMs} ms (frame bytes ${ready.frameBytes.join(", ")}), ` +
        `${rigReport ? `published ${rigReport.published}, skipped ${rigReport.skipped}, rig cpu ${rigReport.cpu.toFixed(2)}` : "no rig report"}; ` +
        `${w.frames} frames drawn in ${w.seconds.toFixed(1)} s, budget ${w.budget}, stride ${w.stride}, ` +
        `most points ${w.maxPoints} of ${w.fullPoints}, uploads ${w.uploads.join(", ")}, ` +
        `received ${w.received.join(", ")}, decode ms ${w.decodeMs.map((ms) => ms.toFixed(0)).join(", ")} ` +
        `(${((performance.now() - started) / 1000).toFixed(0)} s since the start)\n`,
    );
    return w;
  }

  const rate = (w: Window) => w.frames / w.seconds;

  // Issue 21's rate goal (the heavy rig drawn at >= half the frames per second of one 640x480 camera) is
  // a speed figure: printed here with its verdict, not asserted (a rate depends on what else the machine
  // runs; the suite's other projects share the cores). What is asserted holds at any load.
  it("keeps every frame within the point budget with 4x1280x720 + 3840x2160 at 30 Hz, every camera uploading; prints frames drawn/s beside one 640x480", async () => {
    const single = await measure("one 640x480", SINGLE);
    const heavy = await measure("4x1280x720 + 3840x2160", HEAVY);
    const ratio = rate(heavy) / rate(single);
    process.stdout.write(
      `frames drawn/s: one 640x480 ${rate(single).toFixed(2)}, 4x1280x720 + 3840x2160 ` +
        `${rate(heavy).toFixed(2)} (ratio ${ratio.toFixed(2)}; goal >= 0.5, ${ratio >= 0.5 ? "met" : "MISSED"})\n`,
    );
    // The single camera fits the software budget: drawn at full density.
    expect(single.stride).toBe(1);
    expect(single.maxPoints).toBe(640 * 480);
    // 12 M pixels, decimated to fit: every frame drawn within the budget, frames still arriving.
    expect(heavy.fullPoints).toBe(4 * 1280 * 720 + 3840 * 2160);
    expect(heavy.stride).toBeGreaterThan(1);
    expect(heavy.maxPoints).toBeGreaterThan(0);
    expect(heavy.maxPoints).toBeLessThanOrEqual(heavy.budget);
    for (const uploads of heavy.uploads) expect(uploads).toBeGreaterThan(0);
    expect(single.frames).toBeGreaterThan(0);
    expect(heavy.frames).toBeGreaterThan(0);
  }, 200_000);
});
