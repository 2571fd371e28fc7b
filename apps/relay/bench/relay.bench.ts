import { type ChildProcess, spawn } from "node:child_process";
import { readdirSync, readFileSync } from "node:fs";
import { mkdtemp, rm } from "node:fs/promises";
import { createRequire } from "node:module";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath, pathToFileURL } from "node:url";
import {
  type ClientToServerEvents,
  type CreateSessionResponse,
  RELAY_PROTOCOL_VERSION,
  type ServerToClientEvents,
} from "@depthroom/schema";
import { io, type Socket } from "socket.io-client";
import WebSocket from "ws";
import { type BenchStream, benchStream, stampFrame, wallMs } from "./frames.ts";

/*
 * Relay benchmark: one producer at 30 Hz publishing the TUM 640x480 sample as RVL (~180 KB), N = 1, 8,
 * 32 viewers in separate processes (8 per process), against our relay and against a minimal raw `ws`
 * broadcast relay (the near-limit baseline). Prints delivered fps, p50/p99 latency, relay CPU % and
 * RSS, and our relay's CPU per delivered frame as a ratio to the baseline.
 *   npm run bench -w @depthroom/relay            (about 90 s)
 *   BENCH_VIEWERS=8 BENCH_SECONDS=10 BENCH_RELAYS=depthroom npm run bench -w @depthroom/relay
 */

const HZ = 30;
const WARMUP_MS = 3000;
const WINDOW_MS = Number(process.env.BENCH_SECONDS ?? "6") * 1000;
const COUNTS = (process.env.BENCH_VIEWERS ?? "1,8,32").split(",").map(Number);
const KINDS = (process.env.BENCH_RELAYS ?? "raw,depthroom").split(",") as Kind[];
const VIEWERS_PER_PROCESS = 8;
const PRODUCER_WINDOW = 3;
const require = createRequire(import.meta.url);
const tsx = pathToFileURL(require.resolve("tsx")).href;
const here = (file: string) => fileURLToPath(new URL(file, import.meta.url));
const TICKS_PER_SECOND = 100;

type Kind = "raw" | "depthroom";

interface Result {
  readonly kind: Kind;
  readonly viewers: number;
  readonly fpsMean: number;
  readonly fpsMin: number;
  readonly p50: number;
  readonly p99: number;
  readonly cpuPercent: number;
  readonly rssMB: number;
  readonly usPerFrame: number;
  readonly userShare: number;
  readonly delivered: number;
}

function spawnNode(args: string[], ipc = false, nodeArgs: string[] = []): ChildProcess {
  return spawn(process.execPath, [...nodeArgs, "--import", tsx, ...args], {
    stdio: ipc ? ["ignore", "pipe", "inherit", "ipc"] : ["ignore", "pipe", "inherit"],
    env: { ...process.env, DEPTHROOM_LOG_LEVEL: "warn" },
  });
}

function listening(child: ChildProcess): Promise<string> {
  return new Promise((resolve, reject) => {
    let output = "";
    child.stdout?.on("data", (chunk: Buffer) => {
      output += chunk.toString("utf8");
      const match =
        /"msg":"listening"[^\n]*"url":"([^"]+)"/.exec(output) ??
        /"url":"([^"]+)"[^\n]*"msg":"listening"/.exec(output);
      if (match) resolve(match[1] as string);
    });
    child.once("exit", (code) => reject(new Error(`relay exited (${code}): ${output}`)));
  });
}

/** CPU seconds of a process: total from schedstat (ns, summed over its threads), user/system from stat (ticks). */
function cpuTimes(pid: number): { total: number; user: number; system: number } {
  const stat = readFileSync(`/proc/${pid}/stat`, "utf8");
  const fields = stat.slice(stat.lastIndexOf(")") + 2).split(" ");
  let total = 0;
  for (const task of readdirSync(`/proc/${pid}/task`)) {
    try {
      total += Number(readFileSync(`/proc/${pid}/task/${task}/schedstat`, "utf8").split(" ")[0]) / 1e9;
    } catch {
      // The thread ended meanwhile.
    }
  }
  return {
    total,
    user: Number(fields[11]) / TICKS_PER_SECOND,
    system: Number(fields[12]) / TICKS_PER_SECOND,
  };
}

function rssMB(pid: number): number {
  const match = /VmRSS:\s+(\d+) kB/.exec(readFileSync(`/proc/${pid}/status`, "utf8"));
  return Number(match?.[1] ?? 0) / 1024;
}

const percentile = (sorted: number[], p: number) =>
  sorted[Math.min(sorted.length - 1, Math.floor(sorted.length * p))] ?? NaN;

/** Publish at HZ on an absolute schedule until `end`; `send` returns false when it must skip a frame. */
async function produce(
  stream: BenchStream,
  end: number,
  send: (frame: Uint8Array) => boolean,
): Promise<{ sent: number; skipped: number }> {
  const start = wallMs();
  let ticks = 0;
  let sent = 0;
  let skipped = 0;
  while (wallMs() < end) {
    if (send(stampFrame(stream, sent, wallMs()))) sent++;
    else skipped++;
    ticks++;
    const wait = start + (ticks * 1000) / HZ - wallMs();
    if (wait > 0) await new Promise((resolve) => setTimeout(resolve, wait));
  }
  return { sent, skipped };
}

async function run(kind: Kind, viewers: number, stream: BenchStream): Promise<Result> {
  const dataDir = await mkdtemp(join(tmpdir(), "depthroom-bench-"));
  const relay =
    kind === "raw"
      ? spawnNode([here("./rawRelay.ts")])
      : spawnNode(
          [here("../src/main.ts"), "--port", "0", "--data", dataDir, "--log-level", "warn"],
          false,
          // e.g. BENCH_RELAY_NODE_ARGS="--cpu-prof --cpu-prof-dir=/tmp/prof" to profile our relay.
          (process.env.BENCH_RELAY_NODE_ARGS ?? "").split(" ").filter(Boolean),
        );
  const children: ChildProcess[] = [relay];
  try {
    const url = await listening(relay);
    let session: CreateSessionResponse | undefined;
    if (kind === "depthroom") {
      session = (await (
        await fetch(`${url}/api/sessions`, { method: "POST", body: "{}" })
      ).json()) as CreateSessionResponse;
    }
    const groups: ChildProcess[] = [];
    for (let left = viewers; left > 0; left -= VIEWERS_PER_PROCESS) {
      const n = Math.min(VIEWERS_PER_PROCESS, left);
      const args = [here("./benchViewers.ts"), kind, url, String(n)];
      if (session) args.push(session.id, session.tokens.view);
      const child = spawnNode(args, true);
      children.push(child);
      groups.push(child);
    }
    await Promise.all(
      groups.map(
        (child) =>
          new Promise<void>((resolve) =>
            child.on("message", (m: { type: string }) => m.type === "ready" && resolve()),
          ),
      ),
    );

    const start = wallMs();
    const windowStart = start + WARMUP_MS;
    const end = windowStart + WINDOW_MS;
    let cpuAtStart = { total: 0, user: 0, system: 0 };
    const startCpu = setTimeout(() => {
      cpuAtStart = cpuTimes(relay.pid as number);
    }, WARMUP_MS);
    let produced: { sent: number; skipped: number };
    if (kind === "raw") {
      const ws = new WebSocket(`${url.replace(/^http/, "ws")}/pub`, { perMessageDeflate: false });
      await new Promise((resolve) => ws.once("open", resolve));
      ws.send(stream.pinhole);
      // No acks in the baseline: skip a frame only if the socket has more than a few frames buffered.
      produced = await produce(stream, end, (frame) => {
        if (ws.bufferedAmount > PRODUCER_WINDOW * frame.byteLength) return false;
        ws.send(frame);
        return true;
      });
      ws.close();
    } else {
      const producer: Socket<ServerToClientEvents, ClientToServerEvents> = io(url, {
        path: "/socket.io/",
        transports: ["websocket"],
        query: {
          session: session?.id ?? "",
          token: session?.tokens.publish ?? "",
          v: String(RELAY_PROTOCOL_VERSION),
          name: "bench",
        },
        forceNew: true,
        reconnection: false,
      });
      await new Promise((resolve) => producer.once("welcome", resolve));
      await new Promise((resolve) => producer.emit("publish", stream.pinhole, resolve));
      let inFlight = 0;
      produced = await produce(stream, end, (frame) => {
        if (inFlight >= PRODUCER_WINDOW) return false;
        inFlight++;
        producer.emit("publish", frame, () => {
          inFlight--;
        });
        return true;
      });
      producer.close();
    }
    clearTimeout(startCpu);
    const cpuAtEnd = cpuTimes(relay.pid as number);
    const userCpu = cpuAtEnd.user - cpuAtStart.user;
    const systemCpu = cpuAtEnd.system - cpuAtStart.system;
    const cpu = cpuAtEnd.total - cpuAtStart.total;
    const rss = rssMB(relay.pid as number);
    const reports = await Promise.all(
      groups.map(
        (child) =>
          new Promise<{ fps: number[]; lags: number[] }>((resolve) => {
            child.on(
              "message",
              (m: { type: string; fps: number[]; lags: number[] }) => m.type === "report" && resolve(m),
            );
            child.send({ type: "report", start: windowStart, end });
          }),
      ),
    );
    const fps = reports.flatMap((r) => r.fps);
    const lags = reports.flatMap((r) => r.lags).sort((a, b) => a - b);
    const delivered = lags.length;
    if (produced.skipped > 0)
      process.stderr.write(`  (${kind} N=${viewers}: producer skipped ${produced.skipped} frames)\n`);
    return {
      kind,
      viewers,
      fpsMean: fps.reduce((a, b) => a + b, 0) / fps.length,
      fpsMin: Math.min(...fps),
      p50: percentile(lags, 0.5),
      p99: percentile(lags, 0.99),
      cpuPercent: (cpu / (WINDOW_MS / 1000)) * 100,
      rssMB: rss,
      usPerFrame: (cpu * 1e6) / Math.max(1, delivered),
      userShare: userCpu / Math.max(userCpu + systemCpu, 1e-9),
      delivered,
    };
  } finally {
    relay.kill("SIGTERM");
    await new Promise((resolve) => setTimeout(resolve, 200));
    for (const child of children) if (child.exitCode === null) child.kill("SIGKILL");
    await rm(dataDir, { recursive: true, force: true });
  }
}

const stream = benchStream();
console.log(
  `relay bench: 1 producer, ${HZ} Hz, ${stream.depth.byteLength} B RVL frames (TUM fr2 640x480), ` +
    `${WARMUP_MS / 1000} s warm-up + ${WINDOW_MS / 1000} s window, viewers in processes of ${VIEWERS_PER_PROCESS}`,
);
const header = "relay      N  fps mean  fps min  p50 ms  p99 ms  CPU %  RSS MB  us/frame  user/total";
console.log(header);
const results: Result[] = [];
for (const viewers of COUNTS) {
  for (const kind of KINDS) {
    const r = await run(kind, viewers, stream);
    results.push(r);
    console.log(
      `${kind.padEnd(9)} ${String(viewers).padStart(2)}  ${r.fpsMean.toFixed(1).padStart(8)}  ${r.fpsMin.toFixed(1).padStart(7)}  ` +
        `${r.p50.toFixed(1).padStart(6)}  ${r.p99.toFixed(1).padStart(6)}  ${r.cpuPercent.toFixed(0).padStart(5)}  ` +
        `${r.rssMB.toFixed(0).padStart(6)}  ${r.usPerFrame.toFixed(0).padStart(8)}  ${(r.userShare * 100).toFixed(0).padStart(9)}%`,
    );
  }
}
console.log("\nCPU per delivered frame, depthroom / raw ws (goal <= 1.5); p99 goal < 50 ms at N = 8");
for (const viewers of COUNTS) {
  const raw = results.find((r) => r.kind === "raw" && r.viewers === viewers);
  const ours = results.find((r) => r.kind === "depthroom" && r.viewers === viewers);
  if (!raw || !ours) continue;
  console.log(
    `N=${String(viewers).padStart(2)}: ${(ours.usPerFrame / raw.usPerFrame).toFixed(2)}x  ` +
      `(${ours.usPerFrame.toFixed(0)} vs ${raw.usPerFrame.toFixed(0)} us), p99 ${ours.p99.toFixed(1)} ms`,
  );
}
