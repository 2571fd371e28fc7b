import type { RecordingDescription } from "@depthroom/schema";
import type { RecordingStream } from "@depthroom/sdk";
import type { Browser, Page } from "playwright-core";
import { afterAll, beforeAll, describe, expect, inject, it } from "vitest";
import { startTestRelay, type TestRelay } from "../support/relay.ts";
import { COLLAB_VIEWPORT, type CollabPage } from "./support/collabPages.ts";
import { liveAt, recordStampedTake, type Sent, TAKE_ENTITY, waitForFrame } from "./support/reviewTake.ts";
import { launchChromium, waitInPage } from "./support/session.ts";

// Clock skew in a review room (issue 7): B's system clock is 5 s ahead. The page's `Date.now()` and
// `new Date()` are shifted by +5 s before any of its scripts run, which is what a wrong system clock
// looks like to the page. Both pages estimate their offset to the relay's clock and run the shared
// cursor on it, so B still stays within one frame of A, and a seek B makes lands for A on the same frame.

const ENTITY = TAKE_ENTITY;
const FPS = 10;
const FRAME_MS = 1000 / FPS;
const FRAME_NS = FRAME_MS * 1e6;
const FRAMES = 50;
const SKEW_MS = 5000;

/** A page in its own context; `skewMs` shifts its clock (Date.now() and new Date()) before it loads. */
async function openWithClock(
  browser: Browser,
  link: string,
  name: string,
  skewMs: number,
): Promise<CollabPage> {
  const context = await browser.newContext({ viewport: COLLAB_VIEWPORT, deviceScaleFactor: 1 });
  await context.addInitScript(
    ({ user, skew }) => {
      window.localStorage.setItem("depthroom.user", user);
      if (skew === 0) return;
      const RealDate = Date;
      class SkewedDate extends RealDate {
        constructor(...args: unknown[]) {
          if (args.length === 0) super(RealDate.now() + skew);
          else super(...(args as [number]));
        }
        static override now(): number {
          return RealDate.now() + skew;
        }
      }
      window.Date = SkewedDate as DateConstructor;
    },
    { user: JSON.stringify({ name, color: "#4cc9f0" }), skew: skewMs },
  );
  const page = await context.newPage();
  page.on("pageerror", (error) => process.stderr.write(`page error (${name}): ${error.message}\n`));
  await page.goto(link);
  await waitInPage(page, () => window.__depthroomCollab?.synced() === true, undefined);
  return { page, context };
}

/** Each page's cursor at the same true instant `trueMs`: a page is asked for its own clock's time then. */
function cursorsAt(pages: readonly { page: Page; skew: number }[], trueMs: number): Promise<number[]> {
  return Promise.all(
    pages.map(({ page, skew }) =>
      page.evaluate((t) => window.__depthroom!.playback()!.cursorAt(t), trueMs + skew),
    ),
  );
}

function shownFrame(page: Page): Promise<{ frame: number | undefined; first: number | null }> {
  return page.evaluate((entity) => {
    const hooks = window.__depthroom!;
    return {
      frame: hooks.stats().find((s) => s.entity === entity)?.frame,
      first: hooks.readout(entity, 0, 0)?.value ?? null,
    };
  }, ENTITY);
}

describe("review room with a skewed clock", () => {
  let relay: TestRelay;
  let browser: Browser;
  let rig: RecordingStream;
  let a: CollabPage;
  let b: CollabPage;
  let recording: RecordingDescription;
  let sent: readonly Sent[] = [];

  beforeAll(async () => {
    const webUrl = inject("webUrl");
    relay = await startTestRelay({ webUrl });
    const take = await recordStampedTake({ relay, webUrl, title: "skew take", frames: FRAMES, fps: FPS });
    rig = take.rig;
    recording = take.recording;
    sent = take.sent;
    browser = await launchChromium();
    a = await openWithClock(browser, recording.links!.edit!, "Alice Example", 0);
    b = await openWithClock(browser, recording.links!.edit!, "Bob Example", SKEW_MS);
    for (const { page } of [a, b])
      await waitInPage(
        page,
        () => (window.__depthroom?.playback()?.feedStats().clockEstimates ?? 0) > 0,
        undefined,
        10_000,
      );
  });

  afterAll(async () => {
    for (const p of [a, b]) await p?.context.close();
    await rig?.close();
    await browser?.close();
    await relay?.close();
  });

  it("B's clock is 5 s ahead: it stays within one frame of A while playing, and B's seek lands for A on the same frame", async () => {
    // B's page really runs 5 s ahead, and both estimated their offset to the relay (same machine: the
    // true clock) within a frame.
    const bAhead = (await b.page.evaluate(() => Date.now())) - Date.now();
    expect(Math.abs(bAhead - SKEW_MS)).toBeLessThan(FRAME_MS);
    const [clockA, clockB] = await Promise.all(
      [a.page, b.page].map((p) => p.evaluate(() => window.__depthroom!.playback()!.feedStats())),
    );
    process.stdout.write(
      `clock offsets to the relay: A ${clockA!.clockOffsetMs} ms (rtt ${clockA!.clockRttMs} ms), ` +
        `B ${clockB!.clockOffsetMs} ms (rtt ${clockB!.clockRttMs} ms)\n`,
    );
    expect(Math.abs(clockA!.clockOffsetMs!)).toBeLessThan(FRAME_MS);
    expect(Math.abs(clockB!.clockOffsetMs! + SKEW_MS)).toBeLessThan(FRAME_MS);

    const pages = [
      { page: a.page, skew: 0 },
      { page: b.page, skew: SKEW_MS },
    ];
    // A presses play; sample both cursors at the same true instants.
    await a.page.getByTestId("play-pause").click();
    await waitInPage(
      b.page,
      () => window.__depthroom!.playback()!.state()?.playing === true,
      undefined,
      5000,
    );
    const gaps: number[] = [];
    const started = Date.now();
    while (Date.now() - started < 1500) {
      const [ca, cb] = await cursorsAt(pages, Date.now());
      gaps.push(Math.abs(ca! - cb!));
      // B's last animation-frame cursor (what it fetched frames for) against A's at that true instant.
      const tick = await b.page.evaluate(() => window.__depthroom!.playback()!.lastTick());
      const [aThen] = await cursorsAt([pages[0]!], tick.wallMs - SKEW_MS);
      gaps.push(Math.abs(tick.cursorNs - aThen!));
      await new Promise((r) => setTimeout(r, 60));
    }
    process.stdout.write(
      `skewed play: ${gaps.length} samples, max |A-B| ${(Math.max(...gaps) / 1e6).toFixed(3)} ms (one frame = ${FRAME_MS} ms)\n`,
    );
    for (const gap of gaps) expect(gap).toBeLessThanOrEqual(FRAME_NS);

    // B seeks back to frame 5 while it plays: the anchor B writes is in relay time, so A's cursor runs
    // from the same point at the same instant.
    const seekTo = Number(sent[5]!.timeNs);
    await b.page.evaluate((ns) => window.__depthroom!.playback()!.seek(ns), seekTo);
    await waitInPage(
      a.page,
      (t) => window.__depthroom!.playback()!.state()?.anchorMediaTime === t,
      seekTo,
      5000,
    );
    const afterSeek: number[] = [];
    for (let i = 0; i < 5; i++) {
      const now = Date.now();
      const [ca, cb] = await cursorsAt(pages, now);
      afterSeek.push(Math.abs(ca! - cb!));
      // Both are still near frame 5 (the seek was not shifted by the skew).
      expect(ca! - seekTo).toBeLessThan(1.5e9);
      expect(ca! - seekTo).toBeGreaterThanOrEqual(0);
      await new Promise((r) => setTimeout(r, 60));
    }
    process.stdout.write(`after B's seek: max |A-B| ${(Math.max(...afterSeek) / 1e6).toFixed(3)} ms\n`);
    for (const gap of afterSeek) expect(gap).toBeLessThanOrEqual(FRAME_NS);

    // B pauses on a frame: both show that same frame, the one live at the cursor.
    await b.page.evaluate(() => window.__depthroom!.playback()!.pause());
    await waitInPage(
      a.page,
      () => window.__depthroom!.playback()!.state()?.playing === false,
      undefined,
      5000,
    );
    const [pa, pb] = await cursorsAt(pages, Date.now() + 5000);
    expect(pa).toBe(pb);
    const expected = liveAt(sent, BigInt(Math.round(pa!)) + 512n);
    await Promise.all([a.page, b.page].map((p) => waitForFrame(p, expected.seq)));
    const [shownA, shownB] = await Promise.all([a.page, b.page].map(shownFrame));
    expect(shownA).toEqual({ frame: expected.seq, first: 1000 + expected.seq });
    expect(shownB).toEqual(shownA);

    // And a seek B makes while paused lands on the same exact frame for A.
    await b.page.evaluate((ns) => window.__depthroom!.playback()!.seek(ns), Number(sent[31]!.timeNs));
    await Promise.all([a.page, b.page].map((p) => waitForFrame(p, 31)));
    expect(await shownFrame(a.page)).toEqual({ frame: 31, first: 1031 });
  });
});
