import { spawn } from "node:child_process";
import { createRequire } from "node:module";
import { fileURLToPath, pathToFileURL } from "node:url";
import { DepthImage, type LogMessage } from "@depthroom/schema";
import { connect, type ProducerStats, subscribe } from "@depthroom/sdk";
import { describe, expect, it } from "vitest";
import { cleanupsAfterEach } from "./support/cleanups.ts";
import { relayWithSession, startTestRelay } from "./support/relay.ts";
import { waitUntil } from "./support/sdk.ts";
import { throttledProxy } from "./support/throttledProxy.ts";

// A slow link, two ways. (1) The producer's link to the relay is throttled (a real TCP proxy that
// forwards at most 2 MB/s): the producer, in its own process, offers far more than that; its memory
// stays flat and the frames it could not send are counted as drops. (2) A subscriber that takes 250 ms
// per frame (its ack follows the callback): it gets recent frames, not a growing backlog, and the
// producer is not slowed at all.

const require = createRequire(import.meta.url);

interface ProducerReport {
  t: number;
  frames: number;
  stats: ProducerStats;
  heapUsed: number;
  arrayBuffers: number;
}

describe("SDK on a slow link", () => {
  const cleanups = cleanupsAfterEach();

  it("keeps the producer's memory flat and counts drops when the link to the relay is throttled", async () => {
    const relay = await startTestRelay();
    cleanups.push(() => relay.close());
    const proxy = await throttledProxy(new URL(relay.url), 2_000_000);
    cleanups.push(() => {
      for (const s of proxy.sockets) s.destroy();
      return new Promise((resolve) => proxy.server.close(resolve));
    });
    const session = await relay.createSession();
    // The publish link, pointed at the proxy.
    const link = session.links.publish.replace(encodeURIComponent(relay.url), encodeURIComponent(proxy.url));
    expect(link).not.toBe(session.links.publish);

    // 640x480 raw = 614 kB a frame at 30 fps: 18 MB/s offered to a 2 MB/s link, for 6 s (110 MB).
    const main = fileURLToPath(new URL("./support/sdkProducerMain.ts", import.meta.url));
    const child = spawn(
      process.execPath,
      [
        "--expose-gc",
        "--import",
        pathToFileURL(require.resolve("tsx")).href,
        main,
        link,
        "30",
        "6",
        "640",
        "480",
        "raw",
      ],
      { stdio: ["ignore", "pipe", "pipe"] },
    );
    cleanups.push(() => child.kill("SIGKILL"));
    const reports: ProducerReport[] = [];
    let output = "";
    child.stdout.on("data", (chunk: Buffer) => {
      output += chunk.toString("utf8");
      const lines = output.split("\n");
      output = lines.pop() ?? "";
      for (const line of lines) if (line) reports.push(JSON.parse(line) as ProducerReport);
    });
    let errors = "";
    child.stderr.on("data", (chunk: Buffer) => {
      errors += chunk.toString("utf8");
    });
    const code = await new Promise<number | null>((resolve) => child.once("exit", resolve));
    expect(code, errors).toBe(0);

    const last = reports.at(-1)!;
    const memory = (r: ProducerReport) => r.heapUsed + r.arrayBuffers;
    const median = (xs: number[]) => xs.sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;
    const early = median(reports.filter((r) => r.t >= 500 && r.t < 3000).map(memory));
    const late = median(reports.filter((r) => r.t >= 3000).map(memory));
    // Offered ~180 frames (fewer when the box is loaded: the producer makes them on the CPU); the link
    // carries ~3 a second. 90 frames (55 MB) are already far past what the link takes in 6 s (12 MB).
    expect(last.frames).toBeGreaterThan(90);
    expect(last.stats.depthFrames).toBeLessThan(last.frames / 2);
    expect(last.stats.dropped).toBeGreaterThan(last.frames / 3);
    expect(last.stats.pending).toBeLessThanOrEqual(2);
    expect(last.stats.inFlight).toBeLessThanOrEqual(3);
    // Flat: the second half (another ~55 MB offered) holds no more than the first; without the
    // per-entity slot it would grow by all of it.
    expect(late - early).toBeLessThan(8_000_000);
    expect(Math.max(...reports.map(memory))).toBeLessThan(60_000_000);
  });

  it("paces a throttled subscriber with latest-wins; the producer is not slowed", async () => {
    const { session } = await relayWithSession(cleanups);

    let busy = 0;
    let maxBusy = 0;
    let producedFrame = 0;
    const lags: number[] = [];
    const received: LogMessage[] = [];
    const subscription = subscribe({ link: session.links.view }, async (message) => {
      busy++;
      maxBusy = Math.max(maxBusy, busy);
      lags.push(producedFrame - Number(message.timelines[0]?.value ?? 0));
      received.push(message);
      await new Promise((resolve) => setTimeout(resolve, 250));
      busy--;
    });
    cleanups.push(() => subscription.close());
    await subscription.ready;

    const rec = await connect({ link: session.links.publish });
    cleanups.push(() => rec.close(100));
    const depth = new Uint16Array(320 * 240);
    for (; producedFrame < 90; producedFrame++) {
      depth.fill(1000 + producedFrame);
      rec.setTime("frame", producedFrame);
      rec.log("world/camera/depth", new DepthImage(depth, { width: 320, height: 240 }));
      await new Promise((resolve) => setTimeout(resolve, 33));
    }
    await rec.flush();
    // The producer got every frame through: the slow subscriber did not hold it back.
    expect(rec.stats).toMatchObject({ depthFrames: 90, dropped: 0, rejected: 0 });
    await waitUntil(
      () => busy === 0 && received.at(-1)?.timelines[0]?.value === 89n,
      3000,
      "the newest frame",
    );
    // ~3 s at 250 ms per frame: about 12 frames, each recent (no backlog), taken one at a time.
    expect(received.length).toBeGreaterThanOrEqual(8);
    expect(received.length).toBeLessThan(30);
    expect(maxBusy).toBe(1);
    expect(Math.max(...lags.slice(1))).toBeLessThanOrEqual(12);
  });
});
