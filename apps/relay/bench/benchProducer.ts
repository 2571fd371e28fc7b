import { readFileSync } from "node:fs";
import { PerformanceObserver } from "node:perf_hooks";
import { DepthImage, encodeMessage, Pinhole } from "@depthroom/schema";
import { loadSampleSets } from "@depthroom/schema/testing";
import { connect } from "@depthroom/sdk";
import WebSocket from "ws";
import { benchStream, clockMs, stampFrame } from "./frames.ts";

// Imported only for the Foxglove peer (a checkout measured as \`base\` may not have it at the top).
const loadFoxglove = async () => {
  const module = await import("@foxglove/ws-protocol");
  // CommonJS: its exports are the default export under plain Node, the namespace under some loaders.
  return (module.default ?? (module as unknown as typeof module.default)).FoxgloveClient;
};

/*
 * The bench's producer, in a child process with IPC: <mode: depthroom|raw|foxglove> <url> [session token].
 * depthroom: the real SDK (`connect`, `setTime`, `log` of the TUM sample as a DepthImage, RVL-encoded
 * per log() as a rig does). raw / foxglove: the same RVL message, encoded per frame too (encodeMessage,
 * as a rig on a plain socket has to: the capture stamp is taken before the encode on every path, so the
 * latency compares transports, not "encode vs none"), on a plain `ws` socket or a Foxglove client
 * channel, skipping a frame when more than 3 are buffered. BENCH_PEER_ENCODE=0: the peers send a
 * stamped copy of bytes encoded once (the figures of runs before 2026-12-05 07:10 UTC). The parent sends
 * {type:"run", windowStart, end}; the producer publishes at 30 Hz until `end` and answers with its counts,
 * its CPU and its garbage-collection time over the window.
 */

const HZ = 30;
const WINDOW = 3;
const [mode, url, session, token] = process.argv.slice(2);
const stream = benchStream();

let gcMs = 0;
new PerformanceObserver((list) => {
  for (const entry of list.getEntries()) gcMs += entry.duration;
}).observe({ entryTypes: ["gc"] });

/**
 * The main thread's time on a CPU and time runnable but waiting for one (ns, from schedstat; its
 * thread id is the pid). A GC entry's duration is wall time: on a loaded box the thread is often
 * descheduled inside a pause (a 1 %-CPU producer showed GC at 56 % of its CPU). The pauses are
 * runnable time like any other, so they are scaled by the share of its runnable time the thread
 * spent on a CPU over the window: an estimate of the pauses' CPU, equal to the wall time on a quiet box.
 */
function mainThreadSched(): { onCpu: number; waiting: number } {
  const [onCpu, waiting] = readFileSync(`/proc/self/task/${process.pid}/schedstat`, "utf8").split(" ");
  return { onCpu: Number(onCpu), waiting: Number(waiting) };
}

type Send = (sequence: number) => boolean;

const PEER_ENCODE = process.env.BENCH_PEER_ENCODE !== "0";

/** The TUM sample as the DepthImage every producer logs. */
function sampleImage(): DepthImage {
  const tum = loadSampleSets()[0]!;
  const sample = tum.frames[0]!;
  return new DepthImage(sample.depth, {
    width: sample.width,
    height: sample.height,
    meter: tum.unitsPerMetre,
  });
}

/** A raw or Foxglove producer's frame: stamped now, then RVL-encoded (or a stamped copy, see above). */
function peerFrame(image: DepthImage, sequence: number): Uint8Array {
  const captureMs = clockMs();
  if (!PEER_ENCODE) return stampFrame(stream, sequence, captureMs);
  return encodeMessage(
    {
      entityPath: "world/camera/depth",
      timelines: [
        { timeline: "frame", kind: "sequence", value: BigInt(sequence) },
        { timeline: "capture_time", kind: "timestamp", value: BigInt(Math.round(captureMs * 1e6)) },
      ],
      archetype: image,
    },
    { depthEncoding: "rvl" },
  );
}

async function open(): Promise<{ send: Send; close(): Promise<void> | void }> {
  if (mode === "depthroom") {
    const image = sampleImage();
    const rig = await connect({ url: url ?? "", session: session ?? "", token: token ?? "" });
    // Written out, not imported: this script also runs inside an older checkout (BENCH_BASE), whose
    // schema testing exports may not have the newer names.
    const intrinsics = { fx: 525, fy: 525, cx: 319.5, cy: 239.5, width: image.width, height: image.height };
    rig.log("world/camera", Pinhole.fromIntrinsics(intrinsics), { static: true });
    return {
      send: (sequence) => {
        rig.setTime("frame", sequence);
        rig.setTime("capture_time", BigInt(Math.round(clockMs() * 1e6)));
        rig.log("world/camera/depth", image);
        return true; // the SDK keeps the newest per entity when its window is full
      },
      close: () => rig.close(1000),
    };
  }
  const image = sampleImage();
  if (mode === "raw") {
    const ws = new WebSocket(`${url?.replace(/^http/, "ws")}/pub`, { perMessageDeflate: false });
    await new Promise((resolve) => ws.once("open", resolve));
    ws.send(stream.pinhole);
    return {
      send: (sequence) => {
        if (ws.bufferedAmount > WINDOW * stream.depth.byteLength) return false;
        ws.send(peerFrame(image, sequence));
        return true;
      },
      close: () => ws.close(),
    };
  }
  const FoxgloveClient = await loadFoxglove();
  const ws = new WebSocket(url?.replace(/^http/, "ws") ?? "", [FoxgloveClient.SUPPORTED_SUBPROTOCOL], {
    perMessageDeflate: false,
  });
  const client = new FoxgloveClient({ ws: ws as never });
  await new Promise<void>((resolve) => client.on("serverInfo", () => resolve()));
  const channel = client.advertise({
    topic: "/camera/depth/in",
    encoding: "depthroom",
    schemaName: "depthroom.LogMessage",
  });
  return {
    send: (sequence) => {
      if (ws.bufferedAmount > WINDOW * stream.depth.byteLength) return false;
      client.sendMessage(channel, peerFrame(image, sequence));
      return true;
    },
    close: () => client.close(),
  };
}

const link = await open();
process.send?.({ type: "ready" });
process.on("message", async (message: { type: string; windowStart: number; end: number }) => {
  if (message.type !== "run") return;
  const start = clockMs();
  let ticks = 0;
  let sent = 0;
  let skipped = 0;
  let cpuAtStart: NodeJS.CpuUsage | undefined;
  let gcAtStart = 0;
  let schedAtStart = { onCpu: 0, waiting: 0 };
  while (clockMs() < message.end) {
    if (!cpuAtStart && clockMs() >= message.windowStart) {
      cpuAtStart = process.cpuUsage();
      gcAtStart = gcMs;
      schedAtStart = mainThreadSched();
    }
    if (link.send(sent + skipped)) sent++;
    else skipped++;
    ticks++;
    const wait = start + (ticks * 1000) / HZ - clockMs();
    if (wait > 0) await new Promise((resolve) => setTimeout(resolve, wait));
  }
  const cpu = process.cpuUsage(cpuAtStart);
  const cpuMs = (cpu.user + cpu.system) / 1000;
  const sched = mainThreadSched();
  const onCpu = sched.onCpu - schedAtStart.onCpu;
  const onCpuShare = onCpu / Math.max(1, onCpu + sched.waiting - schedAtStart.waiting);
  const gcPauseMs = gcMs - gcAtStart;
  await link.close();
  process.send?.(
    { type: "done", sent, skipped, cpuMs, gcMs: gcPauseMs * onCpuShare, gcPauseMs, onCpuShare },
    () => process.exit(0),
  );
});
