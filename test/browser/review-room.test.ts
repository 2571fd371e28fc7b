import type { RecordingDescription } from "@depthroom/schema";
import type { Page } from "playwright-core";
import { beforeAll, describe, expect, inject, it } from "vitest";
import { ALICE, BOB, type CollabPage } from "./support/collabPages.ts";
import {
  liveAt,
  recordStampedTake,
  type Sent,
  TAKE_ENTITY,
  waitForFrame,
  waitForPlaying,
} from "./support/reviewTake.ts";
import { waitInPage } from "./support/session.ts";
import { browserSuite } from "./support/suite.ts";

// The review room (issue 7): a recording of the real TUM sample stream, opened by two people. A drives
// the shared timeline (edit review link), B follows (view review link); both compute the cursor from the
// room's `playback` state and fetch the frames of that time from the relay.

const ENTITY = TAKE_ENTITY;
/** A second image that starts at frame LATE_FROM: nothing of it exists before. */
const LATE = "world/late/depth";
const LATE_FROM = 40;
const FPS = 10;
const FRAME_MS = 1000 / FPS;
const FRAME_NS = FRAME_MS * 1e6;
const FRAMES = 60;

/** Pixels compared between what was sent and what a page shows: the stamp and a grid over the image. */
const PROBES: [number, number][] = [
  [0, 0],
  [7, 0],
  ...Array.from({ length: 24 }, (_, i) => [13 + ((i * 53) % 300), 9 + ((i * 37) % 220)] as [number, number]),
];

interface Shown {
  readonly frame: number | undefined;
  readonly timeNs: string | undefined;
  readonly values: (number | null)[];
}

/** What a page has uploaded for the entity: the frame's stamps, and stored depth at the probes. */
function shown(page: Page): Promise<Shown> {
  return page.evaluate(
    ({ entity, probes }) => {
      const hooks = window.__depthroom!;
      const stats = hooks.stats().find((s) => s.entity === entity);
      return {
        frame: stats?.frame,
        timeNs: stats?.timeNs,
        values: probes.map(([u, v]) => hooks.readout(entity, u, v)?.value ?? null),
      };
    },
    { entity: ENTITY, probes: PROBES },
  );
}

const expectedValues = (s: Sent) =>
  PROBES.map(([u, v]) => {
    const d = s.depth[v * s.width + u]!;
    return d === 0 ? null : d;
  });

const cursorsAt = (pages: Page[], wallMs: number) =>
  Promise.all(pages.map((p) => p.evaluate((t) => window.__depthroom!.playback()!.cursorAt(t), wallMs)));

describe("review room: a recording played together", () => {
  const suite = browserSuite({ relay: { webUrl: inject("webUrl") } });
  let a: CollabPage;
  let b: CollabPage;
  let recording: RecordingDescription;
  let sent: readonly Sent[] = [];
  let lateFirstNs: bigint;

  beforeAll(async () => {
    const take = await recordStampedTake({
      suite,
      title: "TUM take",
      frames: FRAMES,
      fps: FPS,
      late: { entity: LATE, fromSeq: LATE_FROM },
    });
    recording = take.recording;
    sent = take.sent;
    lateFirstNs = take.lateFirstNs!;
    // The timeline is the temporal messages': it starts at the first frame (the static Pinhole written
    // when recording began belongs to all times).
    expect(BigInt(recording.startTimeNs!)).toBe(sent[0]!.timeNs);
    expect(BigInt(recording.endTimeNs!)).toBe(sent.at(-1)!.timeNs);
    a = await suite.openAs(recording.links!.edit!, ALICE);
    b = await suite.openAs(recording.links!.view, BOB);
    for (const { page } of [a, b]) {
      await waitInPage(page, () => window.__depthroom?.playback() != null, undefined);
    }
    // Nobody pressed anything yet: both paused at the start.
    const start = Number(recording.startTimeNs);
    expect(await cursorsAt([a.page, b.page], Date.now() + 1000)).toEqual([start, start]);
  });

  it("A plays at 1x: B's cursor stays within one frame of A's; A seeks: B follows within 300 ms; A pauses: the same frame", async () => {
    const pages = [a.page, b.page];
    await a.page.getByTestId("play-pause").click();
    await waitForPlaying(b.page, true);

    // Sample both cursors at the same wall instants while it plays.
    const gaps: number[] = [];
    const framesSeenByB = new Set<number>();
    const first = Date.now();
    const [firstA] = await cursorsAt(pages, first);
    const tickGaps: number[] = [];
    // Sample for 2.5 s of the 6 s recording (well before its end, where A writes the pause), 10 times at least.
    for (let i = 0; (i < 10 || Date.now() - first < 2500) && Date.now() - first < 4000; i++) {
      const [ca, cb] = await cursorsAt(pages, Date.now());
      gaps.push(Math.abs(ca! - cb!));
      // B's cursor as its last animation frame computed it (what it fetched frames for), against A's
      // cursor at that same wall instant; only ticks B computed once it had the play state (a loaded
      // SwiftShader page can go a few hundred ms between animation frames: an older tick is from before
      // B knew of the play, which the seek part below bounds as the follow latency).
      const { tick, changedAt } = await b.page.evaluate(() => ({
        tick: window.__depthroom!.playback()!.lastTick(),
        changedAt: window.__depthroom!.playback()!.changedAt(),
      }));
      if (changedAt !== null && tick.wallMs >= changedAt) {
        const [aThen] = await cursorsAt([a.page], tick.wallMs);
        tickGaps.push(Math.abs(tick.cursorNs - aThen!));
      }
      const f = (await shown(b.page)).frame;
      if (f !== undefined) framesSeenByB.add(f);
      await new Promise((r) => setTimeout(r, 60));
    }
    const last = Date.now();
    const [lastA] = await cursorsAt(pages, last);
    process.stdout.write(
      `play 1x: ${gaps.length} samples, max |A-B| ${(Math.max(...gaps) / 1e6).toFixed(3)} ms at the same instant, ` +
        `${(Math.max(...tickGaps) / 1e6).toFixed(3)} ms for B's animation-frame cursor (${tickGaps.length} ticks; one frame = ${FRAME_MS} ms); ` +
        `A advanced ${((lastA! - firstA!) / 1e6).toFixed(0)} ms in ${last - first} ms; B showed ${framesSeenByB.size} frames\n`,
    );
    expect(tickGaps.length).toBeGreaterThanOrEqual(5);
    for (const gap of [...gaps, ...tickGaps]) expect(gap).toBeLessThanOrEqual(FRAME_NS);
    // It really plays, at 1x, and B's view moves with it.
    expect(Math.abs((lastA! - firstA!) / 1e6 - (last - first))).toBeLessThan(FRAME_MS);
    expect(framesSeenByB.size).toBeGreaterThan(2);
    // B read ahead while playing (range requests) and found frames for its cursor in its cache.
    const feed = await b.page.evaluate(() => window.__depthroom!.playback()!.feedStats());
    process.stdout.write(`B's feed while playing: ${JSON.stringify(feed)}\n`);
    expect(feed.rangeRequests).toBeGreaterThan(0);
    expect(feed.cacheHits).toBeGreaterThan(0);

    // A seeks by clicking the timeline at a quarter: B's state follows within 300 ms.
    const bar = (await a.page.getByTestId("timeline-bar").boundingBox())!;
    await a.page.mouse.click(bar.x + bar.width * 0.25, bar.y + bar.height / 2);
    const seekTo = await a.page.evaluate(() => window.__depthroom!.playback()!.state()!.anchorMediaTime);
    await waitInPage(
      b.page,
      (t) => window.__depthroom!.playback()!.state()?.anchorMediaTime === t,
      seekTo,
      5000,
    );
    const written = (await a.page.evaluate(() => window.__depthroom!.playback()!.changedAt()))!;
    const arrived = (await b.page.evaluate(() => window.__depthroom!.playback()!.changedAt()))!;
    process.stdout.write(`seek: B had A's new state ${arrived - written} ms after A wrote it\n`);
    expect(arrived - written).toBeLessThan(300);
    const start = Number(recording.startTimeNs);
    const duration = Number(recording.endTimeNs) - start;
    expect(Math.abs(seekTo - (start + duration * 0.25))).toBeLessThan(duration * 0.02);
    const [sa, sb] = await cursorsAt(pages, Date.now());
    expect(Math.abs(sa! - sb!)).toBeLessThanOrEqual(FRAME_NS);

    // A pauses (space): both stop on the same cursor and show the same frame, the one live at that time.
    await a.page.keyboard.press(" ");
    await waitForPlaying(b.page, false);
    const [pa, pb] = await cursorsAt(pages, Date.now() + 5000);
    expect(pa).toBe(pb);
    const expected = liveAt(sent, BigInt(Math.round(pa!)) + 512n);
    await Promise.all(pages.map((p) => waitForFrame(p, expected.seq)));
    const [shownA, shownB] = await Promise.all(pages.map(shown));
    expect(shownA).toEqual(shownB);
    expect(shownA!.timeNs).toBe(expected.timeNs.toString());
    expect(shownA!.values).toEqual(expectedValues(expected));
    expect(shownA!.values[0]).toBe(1000 + expected.seq);
  });

  it("a seek shows exactly the frame that was live at that time; arrows step one frame", async () => {
    const pages = [a.page, b.page];
    // Exact frame times, times between frames, the first and the last.
    const targets = [0, 5, 17, 23, 31, 47, FRAMES - 1].flatMap((i) => {
      const t = sent[i]!.timeNs;
      return i < FRAMES - 1 ? [t, t + BigInt(FRAME_NS / 2)] : [t];
    });
    for (const t of targets) {
      await a.page.evaluate((ns) => window.__depthroom!.playback()!.seek(ns), Number(t));
      const expected = liveAt(sent, t);
      await Promise.all(pages.map((p) => waitForFrame(p, expected.seq)));
      for (const page of pages) {
        const s = await shown(page);
        expect(s.timeNs).toBe(expected.timeNs.toString());
        expect(s.values).toEqual(expectedValues(expected));
      }
    }

    // From frame 20, the arrow keys step to the neighbouring frames, for both.
    await a.page.evaluate((ns) => window.__depthroom!.playback()!.seek(ns), Number(sent[20]!.timeNs));
    await Promise.all(pages.map((p) => waitForFrame(p, 20)));
    await a.page.keyboard.press("ArrowRight");
    await Promise.all(pages.map((p) => waitForFrame(p, 21)));
    await a.page.keyboard.press("ArrowLeft");
    await Promise.all(pages.map((p) => waitForFrame(p, 20)));
    await a.page.keyboard.press("ArrowLeft");
    await Promise.all(pages.map((p) => waitForFrame(p, 19)));
    const s = await shown(b.page);
    expect(s.values).toEqual(expectedValues(sent[19]!));
  });

  it("a note made in the review is stamped with the recording time: a marker for both, and Go to seeks there", async () => {
    const pages = [a.page, b.page];
    const noteFrame = sent[12]!;
    await a.page.evaluate((ns) => window.__depthroom!.playback()!.seek(ns), Number(noteFrame.timeNs));
    await Promise.all(pages.map((p) => waitForFrame(p, 12)));
    // A pins a note on the cloud where pixel (160, 120) is drawn.
    await a.page.keyboard.press("2");
    await waitInPage(
      a.page,
      (entity) => window.__depthroom!.readout(entity, 160, 120)?.worldPoint != null,
      ENTITY,
    );
    await a.page.evaluate(() => window.__depthroom!.fit());
    await new Promise((r) => setTimeout(r, 300));
    const world = (await a.page.evaluate(
      (e) => window.__depthroom!.readout(e, 160, 120)!.worldPoint!,
      ENTITY,
    ))!;
    const at = (await a.page.evaluate((p) => window.__depthroom!.project(p), world))!;
    await a.page.keyboard.press("n");
    await a.page.mouse.click(at[0], at[1]);
    await a.page.getByTestId("note-text").fill("Look here at this time");
    await a.page.getByTestId("note-save").click();
    const marker = b.page.getByTestId("timeline-marker");
    await marker.waitFor({ timeout: 5000 });
    const markerTime = Number(await marker.getAttribute("data-time"));
    expect(BigInt(Math.round(markerTime)) + 512n >= noteFrame.timeNs).toBe(true);
    expect(liveAt(sent, BigInt(Math.round(markerTime)) + 512n).seq).toBe(12);

    // Somewhere else, then A's "Go to" on the note: both back on frame 12.
    await a.page.evaluate((ns) => window.__depthroom!.playback()!.seek(ns), Number(sent[30]!.timeNs));
    await Promise.all(pages.map((p) => waitForFrame(p, 30)));
    await a.page.getByTestId("annotation-goto").first().click();
    await Promise.all(pages.map((p) => waitForFrame(p, 12)));
    // And the marker on A's timeline jumps there too.
    await a.page.evaluate((ns) => window.__depthroom!.playback()!.seek(ns), Number(sent[33]!.timeNs));
    await Promise.all(pages.map((p) => waitForFrame(p, 33)));
    await a.page.getByTestId("timeline-marker").first().click();
    await Promise.all(pages.map((p) => waitForFrame(p, 12)));
  });

  it("seeking back before an entity's first message hides it; seeking past it shows it again", async () => {
    const pages = [a.page, b.page];
    const lateShown = (page: Page) =>
      page.evaluate((entity) => {
        const stats = window.__depthroom!.stats().find((s) => s.entity === entity);
        return stats ? { visible: stats.visible, frame: stats.frame } : null;
      }, LATE);
    // After its first frame: both pages show the late image (its frame is the take's frame 45).
    await a.page.evaluate((ns) => window.__depthroom!.playback()!.seek(ns), Number(sent[45]!.timeNs));
    await Promise.all(pages.map((p) => waitForFrame(p, 45, LATE)));
    for (const page of pages) expect(await lateShown(page)).toEqual({ visible: true, frame: 45 });
    // Before it: the main image goes back to frame 10, the late one is hidden (it has nothing then).
    expect(sent[10]!.timeNs).toBeLessThan(lateFirstNs);
    await a.page.evaluate((ns) => window.__depthroom!.playback()!.seek(ns), Number(sent[10]!.timeNs));
    await Promise.all(pages.map((p) => waitForFrame(p, 10)));
    for (const page of pages)
      await waitInPage(
        page,
        (entity) => {
          const stats = window.__depthroom!.stats().find((s) => s.entity === entity);
          return stats !== undefined && !stats.visible && stats.frame === undefined;
        },
        LATE,
        5000,
      );
    // And back after it: shown again, with the frame of that time.
    await a.page.evaluate((ns) => window.__depthroom!.playback()!.seek(ns), Number(sent[50]!.timeNs));
    await Promise.all(pages.map((p) => waitForFrame(p, 50, LATE)));
    for (const page of pages) expect(await lateShown(page)).toEqual({ visible: true, frame: 50 });
  });

  it("A plays at 4x from the start: both cursors run at 4x, and both stop paused at the end on the last frame", async () => {
    const pages = [a.page, b.page];
    await a.page.evaluate((ns) => window.__depthroom!.playback()!.seek(ns), Number(recording.startTimeNs));
    await a.page.getByTestId("rate").selectOption("4");
    await waitInPage(b.page, () => window.__depthroom!.playback()!.state()?.rate === 4, undefined, 5000);
    // B's speed control shows it too.
    await b.page.locator('[data-testid="timeline"][data-rate="4"]').waitFor({ timeout: 5000 });
    await a.page.getByTestId("play-pause").click();
    await waitForPlaying(b.page, true);
    const t1 = Date.now();
    const [a1, b1] = await cursorsAt(pages, t1);
    const t2 = t1 + 250;
    const [a2, b2] = await cursorsAt(pages, t2);
    // 250 ms of wall time are a second of recording at 4x.
    expect(a2! - a1!).toBeCloseTo(1e9, -6);
    expect(Math.abs(a2! - b2!)).toBeLessThanOrEqual(FRAME_NS);
    expect(Math.abs(a1! - b1!)).toBeLessThanOrEqual(FRAME_NS);
    // About a second later the recording ends: paused at the end, for both, on the last frame.
    const end = Number(recording.endTimeNs);
    for (const page of pages) await waitForPlaying(page, false, 10_000);
    expect(await cursorsAt(pages, Date.now() + 5000)).toEqual([end, end]);
    await Promise.all(pages.map((p) => waitForFrame(p, FRAMES - 1)));
    expect((await shown(b.page)).values).toEqual(expectedValues(sent.at(-1)!));
    await a.page.locator('[data-testid="timeline"][data-playing="false"]').waitFor({ timeout: 5000 });
  });
});
