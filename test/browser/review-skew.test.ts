import type { RecordingDescription } from "@depthroom/schema";
import type { Page } from "playwright-core";
import { beforeAll, describe, expect, inject, it } from "vitest";
import type { CollabPage } from "./support/collabPages.ts";
import type { Sent } from "./support/reviewTake.ts";
import { liveAt, recordStampedTake, shownFrame, waitForFrame, waitForPlaying } from "./support/reviewTake.ts";
import { waitInPage } from "./support/session.ts";
import { browserSuite } from "./support/suite.ts";

// Clock skew in a review room (issue 7): B's system clock is 5 s ahead. The page's `Date.now()` and
// `new Date()` are shifted by +5 s before any of its scripts run, which is what a wrong system clock
// looks like to the page. Both pages estimate their offset to the relay's clock and run the shared
// cursor on it, so B still stays within one frame of A, and a seek B makes lands for A on the same frame.

const FPS = 10;
const FRAME_MS = 1000 / FPS;
const FRAME_NS = FRAME_MS * 1e6;
const FRAMES = 50;
const SKEW_MS = 5000;

/** Each page's cursor at the same true instant `trueMs`: a page is asked for its own clock's time then. */
function cursorsAt(pages: readonly { page: Page; skew: number }[], trueMs: number): Promise<number[]> {
  return Promise.all(
    pages.map(({ page, skew }) =>
      page.evaluate((t) => window.__depthroom!.playback()!.cursorAt(t), trueMs + skew),
    ),
  );
}

describe("review room with a skewed clock", () => {
  const suite = browserSuite({ relay: { webUrl: inject("webUrl") } });
  let a: CollabPage;
  let b: CollabPage;
  let recording: RecordingDescription;
  let sent: readonly Sent[] = [];

  beforeAll(async () => {
    const take = await recordStampedTake({ suite, title: "skew take", frames: FRAMES, fps: FPS });
    recording = take.recording;
    sent = take.sent;
    a = await suite.openAs(recording.links!.edit!, { name: "Alice Example", color: "#4cc9f0" });
    b = await suite.openAs(
      recording.links!.edit!,
      { name: "Bob Example", color: "#4cc9f0" },
      { clockSkewMs: SKEW_MS },
    );
    for (const { page } of [a, b])
      await waitInPage(
        page,
        () => (window.__depthroom?.playback()?.feedStats().clockEstimates ?? 0) > 0,
        undefined,
        10_000,
      );
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
    await waitForPlaying(b.page, true);
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
    await waitForPlaying(a.page, false);
    const [pa, pb] = await cursorsAt(pages, Date.now() + 5000);
    expect(pa).toBe(pb);
    const expected = liveAt(sent, BigInt(Math.round(pa!)) + 512n);
    await Promise.all([a.page, b.page].map((p) => waitForFrame(p, expected.seq)));
    const [shownA, shownB] = await Promise.all([a.page, b.page].map((p) => shownFrame(p)));
    expect(shownA).toEqual({ frame: expected.seq, first: 1000 + expected.seq });
    expect(shownB).toEqual(shownA);

    // And a seek B makes while paused lands on the same exact frame for A.
    await b.page.evaluate((ns) => window.__depthroom!.playback()!.seek(ns), Number(sent[31]!.timeNs));
    await Promise.all([a.page, b.page].map((p) => waitForFrame(p, 31)));
    expect(await shownFrame(a.page)).toEqual({ frame: 31, first: 1031 });
  });
});
