import { readFileSync } from "node:fs";
import { describe, expect, it } from "vitest";
import { cleanupsAfterEach } from "./support/cleanups.ts";
import { connectFrames } from "./support/clients.ts";
import { clockMs, sampleStream, stampFrame } from "./support/frames.ts";
import { createSession, scratchDir, spawnRelayProcess } from "./support/relay.ts";
import { spawnViewers } from "./support/viewerProcess.ts";

// Latest wins: 8 viewers at 30 Hz with 640x480 frames, one of them stalling 250 ms on every frame:
// the other seven receive >= 28 fps, the slow one's lag stays under 3 frame intervals, relay memory
// stays flat; the producer is never blocked by the slow viewer.
// Relay, the seven fast viewers and the slow one run in their own processes; this one is the producer.

const HZ = 30;
const INTERVAL_MS = 1000 / HZ;
const WARMUP_MS = 2500;
const WINDOW_MS = 5000;
const STALL_MS = 250;
/** The producer keeps at most this many publishes in flight (as the SDK's producer does). */
const PRODUCER_WINDOW = 3;

function rssBytes(pid: number): number {
  const match = /VmRSS:\s+(\d+) kB/.exec(readFileSync(`/proc/${pid}/status`, "utf8"));
  return Number(match?.[1] ?? 0) * 1024;
}

const percentile = (sorted: number[], p: number) =>
  sorted[Math.min(sorted.length - 1, Math.floor(sorted.length * p))]!;

describe("relay latest-wins", () => {
  const cleanups = cleanupsAfterEach();

  // A rate test on a shared 2-core machine: one retry absorbs a scheduling hiccup from other work; every
  // figure must hold within a single run.
  it("keeps fast viewers at frame rate and a stalled viewer's lag bounded, without blocking the producer", {
    retry: 1,
  }, async () => {
    const dataDir = await scratchDir(cleanups);
    const relay = await spawnRelayProcess({ dataDir, env: { DEPTHROOM_LOG_LEVEL: "warn" } });
    cleanups.push(() => relay.stop("SIGKILL"));
    const session = await createSession(relay.url);
    const stream = sampleStream();
    expect(stream.depth.byteLength).toBeGreaterThan(100_000);

    const fast = spawnViewers({ url: relay.url, session: session.id, token: session.tokens.view, count: 7 });
    cleanups.push(() => fast.stop());
    const slow = spawnViewers({
      url: relay.url,
      session: session.id,
      token: session.tokens.view,
      count: 1,
      stallMs: STALL_MS,
    });
    cleanups.push(() => slow.stop());
    await Promise.all([fast.ready, slow.ready]);

    // The producer: 30 Hz on an absolute schedule, at most PRODUCER_WINDOW publishes in flight; a tick
    // that finds the window full is a frame the relay held back ("blocked").
    const { socket: producer } = await connectFrames(relay.url, session.id, session.tokens.publish, {
      name: "rig",
    });
    cleanups.push(() => producer.close());
    await new Promise((resolve) => producer.emit("publish", stream.pinhole, resolve));
    let inFlight = 0;
    let blocked = 0;
    let sent = 0;
    const ackMs: number[] = [];
    const refusals: unknown[] = [];
    const rss: number[] = [];
    const start = clockMs();
    const windowStart = start + WARMUP_MS;
    const end = windowStart + WINDOW_MS;
    const rssTimer = setInterval(() => {
      if (clockMs() > windowStart) rss.push(rssBytes(relay.pid));
    }, 500);
    cleanups.push(() => clearInterval(rssTimer));
    await new Promise<void>((resolve) => {
      let ticks = 0;
      const tick = () => {
        const now = clockMs();
        if (now >= end) return resolve();
        ticks++;
        if (inFlight >= PRODUCER_WINDOW) {
          blocked++;
        } else {
          const frame = stampFrame(stream, sent, now);
          inFlight++;
          sent++;
          producer.emit("publish", frame, (result) => {
            inFlight--;
            ackMs.push(clockMs() - now);
            if (!result.ok) refusals.push(result);
          });
        }
        setTimeout(tick, Math.max(0, start + ticks * INTERVAL_MS - clockMs()));
      };
      tick();
    });
    clearInterval(rssTimer);
    await new Promise((resolve) => setTimeout(resolve, 300));

    const fastFps = Array.from({ length: 7 }, (_, viewer) => {
      const inWindow = fast.frames.filter((f) => f.viewer === viewer && f.at >= windowStart && f.at < end);
      return inWindow.length / (WINDOW_MS / 1000);
    });
    const fastLags = fast.frames
      .filter((f) => f.at >= windowStart)
      .map((f) => f.lagMs)
      .sort((a, b) => a - b);
    // Judge the slow viewer's frames while the producer runs: its first one may have waited for the
    // subscription, and once the producer stops, the last pending frame ages with nothing to replace it.
    const slowLags = slow.frames
      .slice(1)
      .filter((f) => f.at < end)
      .map((f) => f.lagMs);
    const acks = [...ackMs].sort((a, b) => a - b);
    // RSS still settles in the first seconds (V8 sizing its heap); the later samples must be level.
    const third = Math.floor(rss.length / 3);
    const firstRss = Math.max(...rss.slice(0, third));
    const middleRss = Math.max(...rss.slice(third, 2 * third));
    const lastRss = Math.max(...rss.slice(2 * third));
    const metrics = await fetch(`${relay.url}/metrics`).then((r) => r.text());
    const dropped = Number(/^depthroom_frames_dropped_total (\d+)/m.exec(metrics)?.[1]);
    const pending = Number(/^depthroom_frames_pending (\d+)/m.exec(metrics)?.[1]);
    const framesOut = Number(/^depthroom_messages_out_total (\d+)/m.exec(metrics)?.[1]);
    const viaEmit = Number(/^depthroom_frames_via_emit_total (\d+)/m.exec(metrics)?.[1]);
    console.log(
      "latest-wins",
      JSON.stringify({
        fastFps: fastFps.map((f) => f.toFixed(1)).join(" "),
        fastLagP50: percentile(fastLags, 0.5).toFixed(1),
        fastLagP99: percentile(fastLags, 0.99).toFixed(1),
        fastLagMax: fastLags.at(-1)?.toFixed(1),
        slowLags: slowLags.map((l) => l.toFixed(0)).join(" "),
        slowFrames: slow.frames.length,
        slowLagMax: Math.max(...slowLags).toFixed(1),
        producerSent: sent,
        blocked,
        producerAckP50: percentile(acks, 0.5).toFixed(1),
        producerAckMax: acks.at(-1)?.toFixed(1),
        relayRssMB: rss.map((b) => (b / 2 ** 20).toFixed(0)).join(" "),
        dropped,
        pending,
        framesOut,
        viaEmit,
      }),
    );

    // The producer: every frame taken, never held back.
    expect(refusals).toEqual([]);
    expect(blocked).toBe(0);
    expect(sent).toBeGreaterThanOrEqual(Math.floor(((WARMUP_MS + WINDOW_MS) / 1000) * HZ) - 2);
    expect(percentile(acks, 0.5)).toBeLessThan(INTERVAL_MS);
    // Seven fast viewers at frame rate.
    for (const fps of fastFps) expect(fps).toBeGreaterThanOrEqual(28);
    // The slow one: about 1000 / 250 frames a second, each less than 3 frame intervals old.
    expect(slow.frames.length).toBeGreaterThanOrEqual(((WARMUP_MS + WINDOW_MS) / STALL_MS) * 0.6);
    for (const lag of slowLags) expect(lag).toBeLessThan(3 * INTERVAL_MS);
    // Protocol 2: the stalled viewer gives credit back for the frames it replaces itself (latest wins on
    // its side, as the SDK's subscriber), so the relay sends it every frame while it has credit and
    // drops few; every viewer gets each frame at most once (8 viewers).
    expect(dropped).toBeLessThan(sent / 2);
    expect(framesOut).toBeLessThanOrEqual(8 * (sent + 1));
    // Nearly every frame takes the direct corked write (directFrames.ts), not socket.emit.
    expect(viaEmit).toBeLessThan(framesOut * 0.1);
    // Relay memory: flat. What it holds for viewers is at most one pending frame per viewer and entity.
    expect(pending).toBeLessThanOrEqual(8);
    expect(lastRss - firstRss).toBeLessThan(32 * 2 ** 20);
    expect(lastRss - middleRss).toBeLessThan(8 * 2 ** 20);
  });
});
