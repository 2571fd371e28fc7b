import type { ChildProcess } from "node:child_process";
import { copyFileSync, existsSync } from "node:fs";
import { mkdtemp, rm } from "node:fs/promises";
import { loadavg, tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import type { CreateSessionResponse } from "@depthroom/schema";
import { benchStream, wallMs } from "./frames.ts";
import { cpuSeconds, listening, onMessage, percentile, rssMB, spawnNode } from "./processes.ts";

/*
 * Relay benchmark, Depthroom beside its peers in one run: one producer at 30 Hz publishing the TUM
 * 640x480 sample as RVL (~184 KB), N = 1, 8, 32 viewers and 8 + one slow viewer (100 ms per frame), each
 * peer in its own process (viewers 8 per process, the slow one alone), so CPU is per process.
 *   raw       a minimal `ws` broadcast relay (rawRelay.ts): the near-limit baseline
 *   foxglove  @foxglove/ws-protocol's FoxgloveServer relaying a client channel (foxgloveRelay.ts)
 *   depthroom our relay, built (dist/main.js; `npm run build` first), real SDK producer and viewers
 *   base      with BENCH_BASE=<checkout with node_modules>: that tree's relay under tsx and its SDK (our
 *             producer and viewer scripts are copied into its bench/ as current-*.ts)
 * Prints per run: fast viewers' fps and longest gap, latency p50/p99, the slow viewer's lag, relay CPU
 * per delivered frame and RSS, the viewers' and the producer's CPU (and its GC share); then each as a
 * ratio to raw ws (medians over rounds). Rounds interleave the relays; the load average is printed.
 *   npm run bench -w @depthroom/relay            (about 3 minutes)
 *   BENCH_VIEWERS=8,8+slow BENCH_SECONDS=10 BENCH_ROUNDS=3 BENCH_RELAYS=raw,depthroom npm run bench:frames -w @depthroom/relay
 *   BENCH_RELAY_NODE_ARGS="--cpu-prof --cpu-prof-dir=/tmp/prof"   profiles our relay
 */

const WARMUP_MS = 3000;
const WINDOW_MS = Number(process.env.BENCH_SECONDS ?? "6") * 1000;
const SCENARIOS = (process.env.BENCH_VIEWERS ?? "1,8,32,8+slow").split(",").map((text) => ({
  label: text,
  viewers: Number.parseInt(text, 10),
  slow: text.endsWith("+slow"),
}));
const BASE = process.env.BENCH_BASE;
const KINDS = (process.env.BENCH_RELAYS ?? `raw,foxglove,depthroom${BASE ? ",base" : ""}`).split(
  ",",
) as Kind[];
const ROUNDS = Number(process.env.BENCH_ROUNDS ?? "1");
const SLOW_MS = 100;
const VIEWERS_PER_PROCESS = 8;
const here = (file: string) => fileURLToPath(new URL(file, import.meta.url));
const BUILT_RELAY = here("../dist/main.js");

type Kind = "raw" | "foxglove" | "depthroom" | "base";
type Scenario = (typeof SCENARIOS)[number];

interface Result {
  readonly kind: Kind;
  readonly scenario: string;
  readonly fpsMean: number;
  readonly fpsMin: number;
  readonly gapMs: number;
  readonly p50: number;
  readonly p99: number;
  readonly slowP50: number;
  readonly slowMax: number;
  readonly relayCpuPercent: number;
  readonly rssMB: number;
  readonly usPerFrame: number;
  readonly viewerCpuPercent: number;
  readonly producerCpuPercent: number;
  readonly producerGcShare: number;
  readonly skipped: number;
  readonly load: number;
}

const median = (values: number[]) =>
  percentile(
    [...values].sort((a, b) => a - b),
    0.5,
  );

function startRelay(kind: Kind, dataDir: string): ChildProcess {
  if (kind === "raw") return spawnNode([here("./rawRelay.ts")]);
  if (kind === "foxglove") return spawnNode([here("./foxgloveRelay.ts")]);
  const args = ["--port", "0", "--data", dataDir, "--log-level", "warn"];
  // e.g. BENCH_RELAY_NODE_ARGS="--cpu-prof --cpu-prof-dir=/tmp/prof" to profile our relay.
  const nodeArgs = (process.env.BENCH_RELAY_NODE_ARGS ?? "").split(" ").filter(Boolean);
  if (kind === "base") return spawnNode([join(BASE ?? "", "apps/relay/src/main.ts"), ...args], { nodeArgs });
  return spawnNode([BUILT_RELAY, ...args], { nodeArgs, plain: true });
}

/** The producer or viewers script; for `base`, a copy placed in that tree so its SDK is the one imported. */
function clientScript(kind: Kind, file: string): string {
  if (kind !== "base") return here(`./${file}`);
  const copy = join(BASE ?? "", "apps/relay/bench", `current-${file}`);
  copyFileSync(here(`./${file}`), copy);
  return copy;
}

async function run(kind: Kind, scenario: Scenario): Promise<Result> {
  const dataDir = await mkdtemp(join(tmpdir(), "depthroom-bench-"));
  const relay = startRelay(kind, dataDir);
  const children: ChildProcess[] = [relay];
  try {
    const url = await listening(relay);
    const clientMode = kind === "base" ? "depthroom" : kind;
    let viewerAuth: string[] = [];
    let producerAuth: string[] = [];
    if (clientMode === "depthroom") {
      const session = (await (
        await fetch(`${url}/api/sessions`, { method: "POST", body: "{}" })
      ).json()) as CreateSessionResponse;
      viewerAuth = [session.id, session.tokens.view as string];
      producerAuth = [session.id, session.tokens.publish as string];
    }
    const viewers: ChildProcess[] = [];
    const spawnViewers = (n: number, slowMs: number) => {
      const child = spawnNode(
        [clientScript(kind, "benchViewers.ts"), clientMode, url, String(n), String(slowMs), ...viewerAuth],
        {
          ipc: true,
        },
      );
      children.push(child);
      viewers.push(child);
      return child;
    };
    for (let left = scenario.viewers; left > 0; left -= VIEWERS_PER_PROCESS)
      spawnViewers(Math.min(VIEWERS_PER_PROCESS, left), 0);
    const slow = scenario.slow ? spawnViewers(1, SLOW_MS) : undefined;
    await Promise.all(viewers.map((child) => onMessage(child, "ready")));
    const producer = spawnNode([clientScript(kind, "benchProducer.ts"), clientMode, url, ...producerAuth], {
      ipc: true,
    });
    children.push(producer);
    await onMessage(producer, "ready");

    const windowStart = wallMs() + WARMUP_MS;
    const end = windowStart + WINDOW_MS;
    const done = onMessage<{ sent: number; skipped: number; cpuMs: number; gcMs: number }>(producer, "done");
    producer.send({ type: "run", windowStart, end });
    const sample = () => ({
      relay: cpuSeconds(relay.pid),
      viewers: viewers.reduce((sum, child) => sum + cpuSeconds(child.pid), 0),
    });
    await new Promise((resolve) => setTimeout(resolve, windowStart - wallMs()));
    const atStart = sample();
    await new Promise((resolve) => setTimeout(resolve, end - wallMs()));
    const atEnd = sample();
    const rss = rssMB(relay.pid as number);
    const load = loadavg()[0] as number;
    const produced = await done;
    type Report = { fps: number[]; lags: number[]; gap: number };
    const reports = await Promise.all(
      viewers.map((child) => {
        const report = onMessage<Report>(child, "report");
        child.send({ type: "report", start: windowStart, end });
        return report;
      }),
    );
    const fast = reports.filter((_, i) => viewers[i] !== slow);
    const slowReport = slow ? reports[viewers.indexOf(slow)] : undefined;
    const fps = fast.flatMap((r) => r.fps);
    const lags = fast.flatMap((r) => r.lags).sort((a, b) => a - b);
    const slowLags = [...(slowReport?.lags ?? [])].sort((a, b) => a - b);
    const delivered = lags.length + slowLags.length;
    const seconds = WINDOW_MS / 1000;
    const relayCpu = atEnd.relay - atStart.relay;
    return {
      kind,
      scenario: scenario.label,
      fpsMean: fps.reduce((a, b) => a + b, 0) / fps.length,
      fpsMin: Math.min(...fps),
      gapMs: Math.max(...fast.map((r) => r.gap)),
      p50: percentile(lags, 0.5),
      p99: percentile(lags, 0.99),
      slowP50: slowReport ? percentile(slowLags, 0.5) : Number.NaN,
      slowMax: slowReport ? (slowLags.at(-1) ?? Number.NaN) : Number.NaN,
      relayCpuPercent: (relayCpu / seconds) * 100,
      rssMB: rss,
      usPerFrame: (relayCpu * 1e6) / Math.max(1, delivered),
      viewerCpuPercent: ((atEnd.viewers - atStart.viewers) / seconds) * 100,
      producerCpuPercent: (produced.cpuMs / 1000 / seconds) * 100,
      producerGcShare: produced.gcMs / Math.max(produced.cpuMs, 1e-9),
      skipped: produced.skipped,
      load,
    };
  } finally {
    relay.kill("SIGTERM");
    await new Promise((resolve) => setTimeout(resolve, 200));
    for (const child of children) if (child.exitCode === null) child.kill("SIGKILL");
    await rm(dataDir, { recursive: true, force: true });
  }
}

if (KINDS.includes("depthroom") && !existsSync(BUILT_RELAY)) {
  console.error(`relay bench: ${BUILT_RELAY} is missing; run \`npm run build -w @depthroom/relay\` first`);
  process.exit(1);
}
const stream = benchStream();
console.log(
  `relay bench: 1 producer, 30 Hz, ${stream.depth.byteLength} B RVL frames (TUM fr2 640x480), ` +
    `${WARMUP_MS / 1000} s warm-up + ${WINDOW_MS / 1000} s window, ${ROUNDS} round(s), viewers in processes ` +
    `of ${VIEWERS_PER_PROCESS}, slow viewer ${SLOW_MS} ms per frame; ${2} cores shared, load ${loadavg()
      .map((l) => l.toFixed(1))
      .join(" ")}`,
);
const f = (value: number, width: number, digits = 1) =>
  (Number.isFinite(value) ? value.toFixed(digits) : "-").padStart(width);
console.log(
  "round relay      N        fps  min fps  gap ms  p50 ms  p99 ms  slow p50/max ms  relay CPU %  us/frame  RSS MB  viewers CPU %  producer CPU % (GC %)  load",
);
const results: Result[] = [];
for (let round = 1; round <= ROUNDS; round++) {
  for (const scenario of SCENARIOS) {
    // Interleaved: each scenario runs every relay before the next one; the order rotates per round.
    const order = KINDS.map((_, i) => KINDS[(i + round - 1) % KINDS.length] as Kind);
    for (const kind of order) {
      const r = await run(kind, scenario);
      results.push(r);
      console.log(
        `${String(round).padStart(5)} ${kind.padEnd(9)} ${scenario.label.padEnd(6)} ${f(r.fpsMean, 5)}  ${f(r.fpsMin, 7)}  ` +
          `${f(r.gapMs, 6, 0)}  ${f(r.p50, 6)}  ${f(r.p99, 6)}  ${`${f(r.slowP50, 6, 0)}/${f(r.slowMax, 6, 0).trim()}`.padEnd(15)}  ` +
          `${f(r.relayCpuPercent, 11, 0)}  ${f(r.usPerFrame, 8, 0)}  ${f(r.rssMB, 6, 0)}  ${f(r.viewerCpuPercent, 13, 0)}  ` +
          `${f(r.producerCpuPercent, 14, 0)} (${f(r.producerGcShare * 100, 4, 1).trim()} %)${r.skipped ? ` skipped ${r.skipped}` : ""}  ${f(r.load, 4)}`,
      );
    }
  }
}

console.log(
  "\nRatios to raw ws, medians over rounds (goals: relay CPU/frame <= 1.2, p50 <= 1.3, viewer CPU <= 1.5; " +
    "slow viewer's lag < 3 frames = 100 ms; producer GC < 5 %)",
);
console.log("relay      N       CPU/frame  p50   viewer CPU  RSS    slow lag p50 ms  producer GC %");
const med = (kind: Kind, label: string, pick: (r: Result) => number) =>
  median(results.filter((r) => r.kind === kind && r.scenario === label).map(pick));
for (const scenario of SCENARIOS) {
  for (const kind of KINDS) {
    if (kind === "raw" || !KINDS.includes("raw")) continue;
    const ratio = (pick: (r: Result) => number) =>
      med(kind, scenario.label, pick) / med("raw", scenario.label, pick);
    console.log(
      `${kind.padEnd(9)} ${scenario.label.padEnd(6)}  ${f(
        ratio((r) => r.usPerFrame),
        9,
        2,
      )}  ${f(
        ratio((r) => r.p50),
        4,
        2,
      )}  ` +
        `${f(
          ratio((r) => r.viewerCpuPercent),
          10,
          2,
        )}  ${f(
          ratio((r) => r.rssMB),
          4,
          2,
        )}  ` +
        `${f(
          med(kind, scenario.label, (r) => r.slowP50),
          15,
          0,
        )}  ${f(
          med(kind, scenario.label, (r) => r.producerGcShare * 100),
          13,
        )}`,
    );
  }
}
