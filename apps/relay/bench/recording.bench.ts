import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import {
  type ClientToServerEvents,
  type CreateSessionResponse,
  RELAY_PROTOCOL_VERSION,
  type RecordingDescription,
  type ServerToClientEvents,
} from "@depthroom/schema";
import { io, type Socket } from "socket.io-client";
import { benchStream, clockMs, stampFrame } from "./frames.ts";
import { cpuSeconds, listening, percentile, RELAY_MAIN, spawnNode } from "./processes.ts";

/*
 * Recording overhead: relay CPU while one producer publishes the TUM 640x480 sample as RVL (~180 KB) at
 * 30 Hz to one viewer, with and without the session being recorded. Windows alternate (off, on, off,
 * on) so that load from other work on the machine falls on both alike. Prints relay CPU %, CPU per
 * published frame, the publish ack latency (p50/p99), and what the recording wrote.
 *   npm run bench -w @depthroom/relay       (this runs after the fan-out bench; about 40 s alone:)
 *   npx tsx apps/relay/bench/recording.bench.ts      BENCH_RECORDING_SECONDS=8 per window
 */

const HZ = 30;
const WARMUP_MS = 3000;
const WINDOW_MS = Number(process.env.BENCH_RECORDING_SECONDS ?? "8") * 1000;

interface Window {
  readonly recording: boolean;
  readonly cpuPercent: number;
  readonly usPerFrame: number;
  readonly frames: number;
  readonly ackP50: number;
  readonly ackP99: number;
}

async function main(): Promise<void> {
  const dataDir = await mkdtemp(join(tmpdir(), "depthroom-recording-bench-"));
  const relay = spawnNode([RELAY_MAIN, "--port", "0", "--data", dataDir, "--log-level", "warn"]);
  try {
    const url = await listening(relay);
    const session = (await (
      await fetch(`${url}/api/sessions`, { method: "POST", body: "{}" })
    ).json()) as CreateSessionResponse;
    const connect = (token: string, name: string) => {
      const socket: Socket<ServerToClientEvents, ClientToServerEvents> = io(url, {
        path: "/socket.io/",
        transports: ["websocket"],
        query: { session: session.id, token, v: String(RELAY_PROTOCOL_VERSION), name },
        forceNew: true,
        reconnection: false,
      });
      return new Promise<typeof socket>((resolve) => socket.once("welcome", () => resolve(socket)));
    };
    const viewer = await connect(session.tokens.view, "bench viewer");
    let viewed = 0;
    viewer.on("frame", () => {
      viewed++;
      viewer.emit("credit", 1); // the frame's credit back at once
    });
    await new Promise((resolve) => viewer.emit("subscribe", {}, resolve));
    const producer = await connect(session.tokens.publish, "bench producer");
    const stream = benchStream();
    await new Promise((resolve) => producer.emit("publish", stream.pinhole, resolve));

    const api = (path: string, body = "{}") =>
      fetch(`${url}${path}`, {
        method: "POST",
        headers: { Authorization: `Bearer ${session.tokens.edit}` },
        body,
      }).then((r) => r.json() as Promise<RecordingDescription>);

    // Publish at HZ on an absolute schedule for the whole run, at most 3 frames waiting for an ack.
    const acks: { at: number; ms: number }[] = [];
    let sequence = 0;
    let inFlight = 0;
    let running = true;
    const start = clockMs();
    const producing = (async () => {
      for (let tick = 1; running; tick++) {
        if (inFlight < 3) {
          const sentAt = clockMs();
          inFlight++;
          producer.emit("publish", stampFrame(stream, sequence++, sentAt), () => {
            inFlight--;
            acks.push({ at: sentAt, ms: clockMs() - sentAt });
          });
        }
        const wait = start + (tick * 1000) / HZ - clockMs();
        if (wait > 0) await new Promise((resolve) => setTimeout(resolve, wait));
      }
    })();

    await new Promise((resolve) => setTimeout(resolve, WARMUP_MS));
    const windows: Window[] = [];
    const recorded: RecordingDescription[] = [];
    for (const recording of [false, true, false, true]) {
      let id: string | undefined;
      if (recording) id = (await api(`/api/sessions/${session.id}/recordings`)).id;
      const cpu0 = cpuSeconds(relay.pid as number);
      const t0 = clockMs();
      const seq0 = sequence;
      await new Promise((resolve) => setTimeout(resolve, WINDOW_MS));
      const cpu1 = cpuSeconds(relay.pid as number);
      const t1 = clockMs();
      const frames = sequence - seq0;
      const windowAcks = acks
        .filter((a) => a.at >= t0 && a.at < t1)
        .map((a) => a.ms)
        .sort((a, b) => a - b);
      if (id) recorded.push(await api(`/api/recordings/${id}/stop`));
      windows.push({
        recording,
        cpuPercent: ((cpu1 - cpu0) / ((t1 - t0) / 1000)) * 100,
        usPerFrame: ((cpu1 - cpu0) / frames) * 1e6,
        frames,
        ackP50: percentile(windowAcks, 0.5),
        ackP99: percentile(windowAcks, 0.99),
      });
    }
    running = false;
    await producing;
    producer.close();
    viewer.close();

    const mean = (rows: Window[], key: "cpuPercent" | "usPerFrame") =>
      rows.reduce((sum, w) => sum + w[key], 0) / rows.length;
    const off = windows.filter((w) => !w.recording);
    const on = windows.filter((w) => w.recording);
    console.log(
      `recording overhead: 1 producer, 30 Hz, 640x480 RVL (${(stream.depth.byteLength / 1024).toFixed(0)} KB), 1 viewer, ${WINDOW_MS / 1000} s windows`,
    );
    console.log("| recording | frames | relay CPU % | us/frame | ack p50 ms | ack p99 ms |");
    console.log("| --------- | ------ | ----------- | -------- | ---------- | ---------- |");
    for (const w of windows) {
      console.log(
        `| ${w.recording ? "on " : "off"}       | ${w.frames}    | ${w.cpuPercent.toFixed(1)}        | ${w.usPerFrame.toFixed(0)}     | ${w.ackP50.toFixed(1)}        | ${w.ackP99.toFixed(1)}       |`,
      );
    }
    const extra = mean(on, "usPerFrame") - mean(off, "usPerFrame");
    console.log(
      `mean: off ${mean(off, "cpuPercent").toFixed(1)} % (${mean(off, "usPerFrame").toFixed(0)} us/frame), ` +
        `on ${mean(on, "cpuPercent").toFixed(1)} % (${mean(on, "usPerFrame").toFixed(0)} us/frame): ` +
        `recording costs ${extra.toFixed(0)} us per frame (${((extra / mean(off, "usPerFrame")) * 100).toFixed(0)} %)`,
    );
    for (const r of recorded) {
      console.log(
        `recorded ${r.frames} messages, ${(r.bytes / 1e6).toFixed(1)} MB (${(r.bytes / 1e6 / (WINDOW_MS / 1000)).toFixed(1)} MB/s), dropped ${r.dropped}`,
      );
    }
    console.log(`viewer received ${viewed} frames`);
  } finally {
    relay.kill("SIGTERM");
    await new Promise((resolve) => relay.once("exit", resolve));
    await rm(dataDir, { recursive: true, force: true });
  }
}

await main();
