import type { ChildProcess } from "node:child_process";
import { readFileSync } from "node:fs";
import { mkdtemp, rm } from "node:fs/promises";
import { availableParallelism, tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { type AwarenessState, type CreateSessionResponse, parseAwarenessState } from "@depthroom/schema";
import WebSocket from "ws";
import { WebsocketProvider } from "y-websocket";
import * as Y from "yjs";
import { clockMs } from "./frames.ts";
import { listening, onMessage, percentile, RELAY_MAIN, rssMB, schedOf, spawnNode } from "./processes.ts";

/*
 * Awareness load: CLIENTS y-websocket clients (WebsocketProvider) in one session, in PROCESSES child
 * processes so the relay's CPU is measured on its own, each publishing an awareness state of the shape
 * `parseAwarenessState` accepts (user, camera pose, pointer) at HZ. Every client validates every peer
 * state it receives, as the web app does. Prints the relay's CPU (% of one core, from schedstat) and
 * RSS, per-client WebSocket payload bandwidth in and out, and the delivery latency of awareness
 * updates (publish to a peer's `change` event, p50/p99). Goal: relay under 30% of one core. Two modes,
 * each in a fresh session: "stock" (the y-websocket provider as shipped, which re-sends every remote
 * awareness update it applies) and "local-only" (each client sends only its own state).
 *   npm run bench:awareness -w @depthroom/relay        (about 35 s on a quiet machine)
 *   BENCH_CLIENTS=20 BENCH_PROCESSES=4 BENCH_HZ=15 BENCH_SECONDS=8 BENCH_MODES=stock tsx bench/awareness.bench.ts
 *
 * Latency needs the publish time: each state carries one extra field `t` (wall ms), which
 * parseAwarenessState strips (unknown keys are ignored), so it costs ~20 bytes per state.
 */

const CLIENTS = Number(process.env.BENCH_CLIENTS ?? "20");
const PROCESSES = Math.max(1, Math.min(4, Number(process.env.BENCH_PROCESSES ?? "4")));
const HZ = Number(process.env.BENCH_HZ ?? "15");
const WARMUP_MS = 2000;
const WINDOW_MS = Number(process.env.BENCH_SECONDS ?? "8") * 1000;
const MODES = (process.env.BENCH_MODES ?? "stock,local-only").split(",") as Mode[];
const GOAL_CPU_PERCENT = 30;

const here = (file: string) => fileURLToPath(new URL(file, import.meta.url));

/* ---------------------------------------------------------------- client processes (child) */

interface ClientReport {
  readonly bytesIn: number;
  readonly bytesOut: number;
  readonly received: number;
  readonly invalid: number;
  /** Close codes the client saw during the run (a healthy run has none). */
  readonly closes: number[];
}

interface ProcessReport {
  readonly type: "report";
  readonly clients: ClientReport[];
  readonly latencies: number[];
  readonly cpuSeconds: number;
}

type ParentMessage = { type: "go"; start: number; end: number } | { type: "stop" };

/** A `ws` WebSocket that counts the payload bytes it sends and receives. */
function countingWebSocket(counter: { in: number; out: number }): typeof WebSocket {
  return class CountingWebSocket extends WebSocket {
    constructor(address: string | URL, protocols?: string | string[]) {
      super(address, protocols, { perMessageDeflate: false });
      this.on("message", (data: Buffer) => {
        counter.in += data.byteLength;
      });
    }

    override send(data: Buffer | ArrayBufferLike | ArrayBufferView, ...rest: unknown[]): void {
      counter.out += (data as ArrayBufferView).byteLength ?? 0;
      (super.send as (...args: unknown[]) => void)(data, ...rest);
    }
  } as unknown as typeof WebSocket;
}

function pose(index: number, t: number): NonNullable<AwarenessState["camera"]> {
  const angle = t / 1000 + index;
  return {
    position: [Math.cos(angle) * 3, 1.5, Math.sin(angle) * 3],
    target: [0, 0, 1],
    up: [0, -1, 0],
    fov: 60,
  };
}

type Mode = "stock" | "local-only";

/**
 * y-websocket 3.1's provider re-sends every awareness update it applies, remote ones included (its
 * `_awarenessUpdateHandler` ignores the origin; yjs/yjs#732), so each client sends N x HZ messages/s.
 * "local-only" forwards only the client's own state, which is all a peer needs to send.
 */
function forwardOwnAwarenessOnly(provider: WebsocketProvider): void {
  const own = provider.doc.clientID;
  const forward = provider._awarenessUpdateHandler;
  provider.awareness.off("update", forward);
  provider.awareness.on(
    "update",
    (
      { added, updated, removed }: { added: number[]; updated: number[]; removed: number[] },
      origin: unknown,
    ) => {
      const mine = (ids: number[]) => ids.filter((id) => id === own);
      const change = { added: mine(added), updated: mine(updated), removed: mine(removed) };
      if (change.added.length + change.updated.length + change.removed.length > 0) forward(change, origin);
    },
  );
}

async function runClients(
  mode: Mode,
  url: string,
  session: string,
  token: string,
  count: number,
  first: number,
) {
  const counters = Array.from({ length: count }, () => ({ in: 0, out: 0 }));
  const received = new Array<number>(count).fill(0);
  const invalid = new Array<number>(count).fill(0);
  const closes: number[][] = Array.from({ length: count }, () => []);
  const latencies: number[] = [];
  let window = { start: Number.POSITIVE_INFINITY, end: Number.POSITIVE_INFINITY };
  const providers: WebsocketProvider[] = [];
  for (let i = 0; i < count; i++) {
    const doc = new Y.Doc();
    const provider = new WebsocketProvider(`${url.replace(/^http/, "ws")}/yjs`, session, doc, {
      params: { token },
      WebSocketPolyfill: countingWebSocket(counters[i] as { in: number; out: number }) as never,
      disableBc: true,
    });
    provider.awareness.on(
      "change",
      ({ added, updated }: { added: number[]; updated: number[] }, origin: unknown) => {
        if (origin === "local") return;
        const now = clockMs();
        const states = provider.awareness.getStates();
        for (const id of added.length === 0 ? updated : [...added, ...updated]) {
          if (id === doc.clientID) continue;
          const raw = states.get(id);
          const state = parseAwarenessState(raw);
          if (!state) {
            invalid[i] = (invalid[i] ?? 0) + 1;
            continue;
          }
          const sent = (raw as { t?: unknown }).t;
          if (now < window.start || now > window.end || typeof sent !== "number") continue;
          received[i] = (received[i] ?? 0) + 1;
          latencies.push(now - sent);
        }
      },
    );
    if (mode === "local-only") forwardOwnAwarenessOnly(provider);
    provider.on("connection-close", (event) => {
      if (event) closes[i]?.push(event.code);
    });
    providers.push(provider);
  }
  await Promise.all(
    providers.map(
      (p) => new Promise<void>((resolve) => (p.synced ? resolve() : p.once("sync", () => resolve()))),
    ),
  );
  process.send?.({ type: "ready" });

  const message = await new Promise<ParentMessage>((resolve) => process.once("message", resolve));
  if (message.type !== "go") return;
  window = { start: message.start, end: message.end };
  const snapshots: { in: number; out: number }[] = [];
  let cpuAtStart = 0;
  setTimeout(
    () => {
      for (const c of counters) snapshots.push({ ...c });
      cpuAtStart = process.cpuUsage().user + process.cpuUsage().system;
    },
    Math.max(0, message.start - clockMs()),
  );
  // Publish on an absolute schedule, clients spread evenly over the period.
  const period = 1000 / HZ;
  const timers = providers.map((provider, i) => {
    const index = first + i;
    const user = { id: `bench-${index}`, name: `Bench ${index}`, color: "#4363d8" };
    let tick = 0;
    const origin = clockMs() + (period * i) / count;
    const publish = () => {
      const t = clockMs();
      provider.awareness.setLocalState({
        user,
        camera: pose(index, t),
        pointer: { entityPath: "world/rig/cam0/depth", u: (t / 10) % 640, v: (index * 20) % 480 },
        selection: null,
        t,
      });
      // A late timer skips the ticks it missed (as a 15 Hz render loop would) instead of bursting.
      tick = Math.max(tick + 1, Math.ceil((clockMs() - origin) / period));
      timer = setTimeout(publish, Math.max(0, origin + tick * period - clockMs()));
    };
    let timer = setTimeout(publish, Math.max(0, origin - clockMs()));
    return () => clearTimeout(timer);
  });
  await new Promise((resolve) => setTimeout(resolve, Math.max(0, message.end - clockMs())));
  for (const stop of timers) stop();
  const cpuSeconds = (process.cpuUsage().user + process.cpuUsage().system - cpuAtStart) / 1e6;
  const report: ProcessReport = {
    type: "report",
    clients: counters.map((c, i) => ({
      bytesIn: c.in - (snapshots[i]?.in ?? 0),
      bytesOut: c.out - (snapshots[i]?.out ?? 0),
      received: received[i] ?? 0,
      invalid: invalid[i] ?? 0,
      closes: closes[i] ?? [],
    })),
    latencies,
    cpuSeconds,
  };
  process.send?.(report);
  await new Promise((resolve) => process.once("message", resolve));
  for (const p of providers) p.destroy();
  process.exit(0);
}

/* ---------------------------------------------------------------- parent */

const loadAverage = () => readFileSync("/proc/loadavg", "utf8").split(" ")[0];

async function runMode(mode: Mode, url: string, relayPid: number, children: ChildProcess[]): Promise<void> {
  const response = await fetch(`${url}/api/sessions`, {
    method: "POST",
    body: JSON.stringify({ title: `awareness bench ${mode}` }),
  });
  const session = (await response.json()) as CreateSessionResponse;
  const groups: ChildProcess[] = [];
  for (let p = 0, first = 0; p < PROCESSES; p++) {
    const count = Math.floor(CLIENTS / PROCESSES) + (p < CLIENTS % PROCESSES ? 1 : 0);
    if (count === 0) continue;
    const args = [here("./awareness.bench.ts"), "clients", mode, url, session.id, session.tokens.edit];
    const child = spawnNode([...args, String(count), String(first)], { ipc: true });
    first += count;
    children.push(child);
    groups.push(child);
  }
  await Promise.all(groups.map((child) => onMessage(child, "ready")));

  const start = clockMs() + WARMUP_MS;
  const end = start + WINDOW_MS;
  const reportsPromise = Promise.all(groups.map((child) => onMessage<ProcessReport>(child, "report")));
  for (const child of groups) child.send({ type: "go", start, end } satisfies ParentMessage);
  await new Promise((resolve) => setTimeout(resolve, start - clockMs()));
  const atStart = schedOf(relayPid);
  await new Promise((resolve) => setTimeout(resolve, end - clockMs()));
  const atEnd = schedOf(relayPid);
  const relayCpu = atEnd.cpu - atStart.cpu;
  const relayWait = atEnd.wait - atStart.wait;
  const rss = rssMB(relayPid);
  const reports = await reportsPromise;
  const exited = groups.map((child) => new Promise((resolve) => child.once("exit", resolve)));
  for (const child of groups) child.send({ type: "stop" } satisfies ParentMessage);
  await Promise.all(exited);

  const seconds = WINDOW_MS / 1000;
  const clients = reports.flatMap((r) => r.clients);
  const latencies = reports.flatMap((r) => r.latencies).sort((a, b) => a - b);
  const inRates = clients.map((c) => c.bytesIn / seconds);
  const outRates = clients.map((c) => c.bytesOut / seconds);
  const mean = (values: number[]) => values.reduce((a, b) => a + b, 0) / Math.max(1, values.length);
  const kib = (bytes: number) => (bytes / 1024).toFixed(1);
  const expected = (CLIENTS - 1) * HZ;
  const receivedRates = clients.map((c) => c.received / seconds);
  const cpuPercent = (relayCpu / seconds) * 100;
  const clientCpu = reports.reduce((sum, r) => sum + r.cpuSeconds, 0);
  const closeCodes = new Map<number, number>();
  for (const code of clients.flatMap((c) => c.closes)) closeCodes.set(code, (closeCodes.get(code) ?? 0) + 1);

  console.log(
    `\n[${mode}] ${mode === "stock" ? "y-websocket provider as shipped" : "own awareness state only"}`,
  );
  console.log(
    `  relay CPU ${cpuPercent.toFixed(1)}% of one core (goal < ${GOAL_CPU_PERCENT}%: ` +
      `${cpuPercent < GOAL_CPU_PERCENT ? "met" : "NOT met"}), RSS ${rss.toFixed(0)} MB; ` +
      `client processes ${((clientCpu / seconds) * 100).toFixed(0)}% of one core in all`,
  );
  console.log(
    `  machine: load average ${loadAverage()} on ${availableParallelism()} cores; the relay waited for a CPU ` +
      `${((relayWait / seconds) * 1000).toFixed(0)} ms per second of the window`,
  );
  console.log(
    `  per client: in ${kib(mean(inRates))} KiB/s (min ${kib(Math.min(...inRates))}, max ${kib(Math.max(...inRates))}), ` +
      `out ${kib(mean(outRates))} KiB/s (min ${kib(Math.min(...outRates))}, max ${kib(Math.max(...outRates))}) ` +
      "of WebSocket payload",
  );
  console.log(
    `  peer states received per client: ${mean(receivedRates).toFixed(1)}/s (expected ${expected}/s, ` +
      `min ${Math.min(...receivedRates).toFixed(1)}), invalid ${clients.reduce((n, c) => n + c.invalid, 0)}; ` +
      `connections closed by the relay: ${
        closeCodes.size === 0 ? "none" : [...closeCodes].map(([code, n]) => `${n} x ${code}`).join(", ")
      }`,
  );
  console.log(
    `  delivery latency (publish -> peer change event): p50 ${percentile(latencies, 0.5).toFixed(1)} ms, ` +
      `p99 ${percentile(latencies, 0.99).toFixed(1)} ms, max ${(latencies.at(-1) ?? Number.NaN).toFixed(1)} ms ` +
      `over ${latencies.length} deliveries`,
  );
}

async function main(): Promise<void> {
  const dataDir = await mkdtemp(join(tmpdir(), "depthroom-awareness-bench-"));
  const relay = spawnNode([RELAY_MAIN, "--port", "0", "--data", dataDir, "--log-level", "warn"]);
  const children: ChildProcess[] = [relay];
  try {
    const url = await listening(relay);
    console.log(
      `awareness bench: ${CLIENTS} y-websocket clients in ${Math.min(PROCESSES, CLIENTS)} processes, one session, ` +
        `${HZ} Hz each, ${WARMUP_MS / 1000} s warm-up + ${WINDOW_MS / 1000} s window per mode`,
    );
    for (const mode of MODES) await runMode(mode, url, relay.pid as number, children);
  } finally {
    relay.kill("SIGTERM");
    await new Promise((resolve) => setTimeout(resolve, 300));
    for (const child of children)
      if (child.exitCode === null && child.signalCode === null) child.kill("SIGKILL");
    await rm(dataDir, { recursive: true, force: true });
  }
}

if (process.argv[2] === "clients") {
  const [, , , mode, url, session, token, count, first] = process.argv;
  await runClients(mode as Mode, url ?? "", session ?? "", token ?? "", Number(count), Number(first));
} else {
  await main();
}
