/*
 * How many depth frames one producer pushes through a relay to one subscriber, and how long a frame
 * takes from `log()` to the subscriber's callback (encode, send, relay, decode included).
 *
 *   npm run bench -w @depthroom/sdk [-- --relay http://host:8787] [--seconds 5]
 *
 * Without --relay it starts the workspace's relay (`npm run start -w @depthroom/relay`) on a free port
 * with a temporary data directory, in its own process, and stops it at the end. Depth is the real TUM
 * sample (640x480) and the same scene resized to 1280x720, so RVL sees real data.
 * For each size and encoding: (1) throughput: the producer logs a new frame whenever a publish slot is
 * free (whenSendable), for --seconds; (2) latency: frames at a steady 30 fps for --seconds, p50/p99.
 */
import { parseArgs } from "node:util";
import { type DepthEncoding, DepthImage, Pinhole } from "@depthroom/schema";
import { clockMs, loadSampleSets } from "@depthroom/schema/testing";
import { connect, createSession, subscribe } from "../src/index.ts";
import { benchOverRelay } from "./relayProcess.ts";

const { values } = parseArgs({
  options: { relay: { type: "string" }, seconds: { type: "string", default: "5" } },
});
const seconds = Number(values.seconds);

/** The TUM sample as is, or resized (nearest neighbour) to another size. */
function depthOf(width: number, height: number): Uint16Array {
  const tum = loadSampleSets()[0]?.frames[0];
  if (!tum) throw new Error("no TUM sample in data/samples");
  if (tum.width === width && tum.height === height) return tum.depth;
  const out = new Uint16Array(width * height);
  for (let v = 0; v < height; v++) {
    const sv = Math.floor((v * tum.height) / height);
    for (let u = 0; u < width; u++)
      out[v * width + u] = tum.depth[sv * tum.width + Math.floor((u * tum.width) / width)] as number;
  }
  return out;
}

const percentile = (sorted: number[], p: number) =>
  sorted[Math.min(sorted.length - 1, Math.floor(sorted.length * p))] ?? Number.NaN;

async function run(relayUrl: string, width: number, height: number, encoding: DepthEncoding) {
  const session = await createSession({ relayUrl, title: "bench" });
  const latencies: number[] = [];
  let received = 0;
  let receivedBytes = 0;
  const subscription = subscribe({ link: session.links.view }, (message, info) => {
    if (message.archetype.kind !== "DepthImage") return;
    const sent = Number(message.timelines.find((t) => t.timeline === "capture_time")?.value ?? 0n) / 1e6;
    latencies.push(clockMs() - sent);
    received++;
    receivedBytes += info.byteLength;
  });
  await subscription.ready;
  const rec = await connect({ link: session.links.publish }, { depthEncoding: encoding });
  rec.log("world/camera", Pinhole.fromFocalLength({ width, height, focalLength: width * 0.8 }), {
    static: true,
  });
  await rec.flush();
  const base = depthOf(width, height);
  const frame = new Uint16Array(base);
  const logFrame = (i: number) => {
    frame[i % frame.length] = (frame[i % frame.length] as number) ^ 1; // each frame differs a little
    rec.setTime("frame", i);
    rec.setTime("capture_time", BigInt(Math.round(clockMs() * 1e6)));
    rec.log("world/camera/depth", new DepthImage(frame, { width, height, meter: 5000 }));
  };

  // (1) Throughput: a new frame whenever a slot is free.
  let i = 0;
  const warmupEnd = performance.now() + 1000;
  while (performance.now() < warmupEnd) {
    await rec.whenSendable();
    logFrame(i++);
  }
  await rec.flush();
  received = 0;
  receivedBytes = 0;
  latencies.length = 0;
  const started = performance.now();
  while (performance.now() - started < seconds * 1000) {
    await rec.whenSendable();
    logFrame(i++);
  }
  await rec.flush();
  await new Promise((resolve) => setTimeout(resolve, 200));
  const elapsed = (performance.now() - started) / 1000;
  const fps = received / elapsed;
  const mbps = receivedBytes / elapsed / 1e6;
  const busy = [...latencies].sort((a, b) => a - b);

  // (2) Latency at a steady 30 fps.
  latencies.length = 0;
  const paced = performance.now();
  for (let n = 0; performance.now() - paced < seconds * 1000; n++) {
    logFrame(i++);
    const due = paced + (n + 1) * (1000 / 30);
    await new Promise((resolve) => setTimeout(resolve, Math.max(0, due - performance.now())));
  }
  await rec.flush();
  await new Promise((resolve) => setTimeout(resolve, 200));
  const steady = [...latencies].sort((a, b) => a - b);
  const stats = rec.stats;
  await rec.close();
  subscription.close();
  return {
    size: `${width}x${height}`,
    encoding,
    fps: fps.toFixed(1),
    "wire MB/s": mbps.toFixed(1),
    "pixels MB/s": ((fps * width * height * 2) / 1e6).toFixed(1),
    "saturated p50 ms": percentile(busy, 0.5).toFixed(1),
    "saturated p99 ms": percentile(busy, 0.99).toFixed(1),
    "30fps received": `${steady.length}/${Math.round(seconds * 30)}`,
    "30fps p50 ms": percentile(steady, 0.5).toFixed(1),
    "30fps p99 ms": percentile(steady, 0.99).toFixed(1),
    "producer drops": stats.dropped,
  };
}

const SIZES = [
  [640, 480],
  [1280, 720],
] as const;
await benchOverRelay(
  values.relay,
  (url) =>
    `relay ${url}, ${seconds} s per measurement, one producer -> relay -> one subscriber (Node, loopback)`,
  SIZES.flatMap(([width, height]) =>
    (["rvl", "raw"] as const).map((encoding) => ({ width, height, encoding })),
  ),
  (url, { width, height, encoding }) => run(url, width, height, encoding),
);
