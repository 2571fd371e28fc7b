import { readFileSync } from "node:fs";
import { CloseCode, DepthImage, encodeMessage } from "@depthroom/schema";
import { describe, expect, it } from "vitest";
import { connectAckingNonReader } from "./support/ackingNonReader.ts";
import { cleanupsAfterEach } from "./support/cleanups.ts";
import { collectFrames, connectFrames, publish, subscribe, waitFor } from "./support/clients.ts";
import { createSession, scratchDir, spawnRelayProcess, startTestRelay } from "./support/relay.ts";

// Flow control counts the bytes buffered in a viewer's socket, not only its acks or credit (issue 12
// item 4): a viewer that stops reading its TCP socket but keeps giving credit back blindly (protocol 1:
// acking frames blindly) must not grow the relay's memory. Before, every ack released the next frame
// into the socket's write buffer (about 5 MiB/s here); now a viewer whose socket holds more than about
// two frames is busy (newer frames wait in its latest-wins slot) and one past the hard cap is
// disconnected with close code TooSlow.

const FRAME_HZ = 20;
/** DEPTHROOM_NON_READER_MS runs it longer by hand (the RSS figures in the relay README). */
const RUN_MS = Number(process.env.DEPTHROOM_NON_READER_MS ?? 8000);
const MiB = 1024 * 1024;

function rssBytes(pid: number): number {
  const match = /VmRSS:\s+(\d+) kB/.exec(readFileSync(`/proc/${pid}/status`, "utf8"));
  return Number(match?.[1] ?? 0) * 1024;
}

/** A 256 KiB raw uint16 depth frame. */
function depthFrame(sequence: number): Uint8Array {
  const data = new Uint16Array(512 * 256).fill(1000 + (sequence % 1000));
  return encodeMessage(
    {
      entityPath: "world/camera/depth",
      timelines: [{ timeline: "frame", kind: "sequence", value: BigInt(sequence) }],
      archetype: new DepthImage(data, { width: 512, height: 256, meter: 1000 }),
    },
    { depthEncoding: "raw" },
  );
}

function metric(text: string, name: string): number {
  const match = new RegExp(`^${name} (\\S+)$`, "m").exec(text);
  return Number(match?.[1] ?? Number.NaN);
}

describe("an acking non-reader", () => {
  const cleanups = cleanupsAfterEach();

  /** Publish for RUN_MS to a fast viewer and an acking non-reader. */
  async function run(relay: { url: string; pid: number }, resumeWhenTooSlow = false) {
    const session = await createSession(relay.url);
    const { socket: producer } = await connectFrames(relay.url, session.id, session.tokens.publish);
    cleanups.push(() => producer.close());
    const { socket: fast } = await connectFrames(relay.url, session.id, session.tokens.view);
    cleanups.push(() => fast.close());
    const fastFrames = collectFrames(fast);
    await subscribe(fast);
    const hostile = await connectAckingNonReader(relay.url, session.id, session.tokens.view);
    cleanups.push(() => hostile.close());

    const rssStart = rssBytes(relay.pid);
    let rssPeak = rssStart;
    const started = Date.now();
    let published = 0;
    while (Date.now() - started < RUN_MS) {
      const result = await publish(producer, depthFrame(published));
      expect(result).toEqual({ ok: true });
      published++;
      // Credit for every frame published, read or not (more than FRAME_CREDITS outstanding is capped).
      hostile.grant(2);
      rssPeak = Math.max(rssPeak, rssBytes(relay.pid));
      if (resumeWhenTooSlow && published % 5 === 0) {
        const text = await (await fetch(`${relay.url}/metrics`)).text();
        // Given up: it reads again within the grace period, so it takes what it was sent, then the close.
        if (metric(text, "depthroom_viewers_too_slow_total") > 0) hostile.resumeReading();
      }
      await new Promise((resolve) => setTimeout(resolve, 1000 / FRAME_HZ));
    }
    await waitFor(() => fastFrames.length >= published, 3000, "the fast viewer's last frame");
    const metrics = await (await fetch(`${relay.url}/metrics`)).text();
    return { published, fastFrames, rssStart, rssPeak, metrics, hostile };
  }

  it("keeps the relay's buffers flat: its frames wait in the latest-wins slot, a fast viewer is unaffected", async () => {
    const dataDir = await scratchDir(cleanups);
    const relay = await spawnRelayProcess({ dataDir, env: { DEPTHROOM_LOG_LEVEL: "warn" } });
    cleanups.push(() => relay.stop("SIGKILL"));
    const { published, fastFrames, rssStart, rssPeak, metrics } = await run(relay);
    const buffered = metric(metrics, "depthroom_viewer_buffered_bytes");
    // Frames the relay wrote towards the non-reader (the kernel's socket buffers take the first few MiB).
    const toNonReader = metric(metrics, "depthroom_messages_out_total") - fastFrames.length;
    console.log(
      `acking non-reader: ${published} frames of 256 KiB published, ${toNonReader} written to it, ${buffered} bytes buffered in the relay; relay RSS ${(rssStart / MiB).toFixed(1)} -> peak ${(rssPeak / MiB).toFixed(1)} MiB`,
    );
    expect(published).toBeGreaterThan(100);
    // The fast viewer got every frame (its credit goes back at once, so nothing replaced anything).
    expect(fastFrames.length).toBe(published);
    // Before: every acked frame went into the stalled socket (26 MiB buffered after 118 frames, growing
    // by 5 MiB/s). Now: about two frames, the rest replaced in the latest-wins slot.
    expect(buffered).toBeLessThanOrEqual(3 * 256 * 1024 + 4096);
    expect(toNonReader).toBeLessThan(published / 2);
    expect(metric(metrics, "depthroom_frames_dropped_total")).toBeGreaterThan(published / 2);
    expect(metric(metrics, "depthroom_viewers")).toBe(2);
  });

  it("disconnects it past the hard cap with close code TooSlow, counted", async () => {
    const relay = await startTestRelay({ limits: { maxViewerBufferedBytes: 400 * 1024 } });
    cleanups.push(() => relay.close());
    const { published, fastFrames, metrics, hostile } = await run({ url: relay.url, pid: process.pid }, true);
    expect(fastFrames.length).toBe(published);
    expect(metric(metrics, "depthroom_viewers_too_slow_total")).toBe(1);
    expect(await hostile.closed).toBe(CloseCode.TooSlow);
    const viewers = async () =>
      metric(await (await fetch(`${relay.url}/metrics`)).text(), "depthroom_viewers");
    for (let tries = 0; (await viewers()) !== 1 && tries < 100; tries++) {
      await new Promise((resolve) => setTimeout(resolve, 20));
    }
    expect(await viewers()).toBe(1);
  });
});
