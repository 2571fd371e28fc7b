import { type ChildProcess, execFileSync } from "node:child_process";
import { copyFileSync, existsSync, readFileSync } from "node:fs";
import { mkdtemp, rm } from "node:fs/promises";
import { availableParallelism, loadavg, tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import type { CreateSessionResponse } from "@depthroom/schema";
import { benchStream, clockMs } from "./frames.ts";
import { cpuSeconds, listening, minorFaults, onMessage, percentile, rssMB, spawnNode } from "./processes.ts";

/*
 * Relay benchmark, Depthroom beside its peers in one run: one producer at 30 Hz publishing the TUM
 * 640x480 sample as RVL (~184 KB), N = 1, 8, 32 viewers and 8 + one slow viewer (100 ms per frame), each
 * peer in its own process (viewers 8 per process, the slow one alone), so CPU is per process.
 *   raw       a minimal `ws` broadcast relay (rawRelay.ts): the near-limit baseline
 *   foxglove  @foxglove/ws-protocol's FoxgloveServer relaying a client channel (foxgloveRelay.ts)
 *   depthroom our relay, built (dist/main.js; `npm run build` first), real SDK producer and viewers
 *   base      with BENCH_BASE=<checkout with node_modules>: that tree's relay, built if it has
 *             apps/relay/dist/main.js (`npm run build -w @depthroom/relay` there), else under tsx, and its
 *             SDK (our producer and viewer scripts are copied into its bench/ as current-*.ts)
 * Latency is from the producer's capture stamp, taken before it encodes the frame (every producer
 * RVL-encodes each frame: benchProducer.ts; BENCH_PEER_ENCODE=0 lets the peers send pre-encoded
 * copies), to the viewer's arrival, read. Viewers read each frame's envelope (BENCH_VIEWER_READ=envelope,
 * the default: what the web app's page does before its decode worker) or decode it whole (=decode: at
 * N = 32 that is ~1000 RVL decodes a second, more than a 2-core box has beside the relays). Prints per
 * run: fast viewers' fps, longest gap and frames missed, latency p50/p99, the slow viewer's lag, relay CPU
 * per delivered frame and RSS, the viewers' CPU, page faults per frame, the producer's CPU (and its GC
 * share); then each as a ratio to raw ws (medians over rounds), and each goal of issue 18 as
 * "figure (goal, met/MISSED)".
 * Rounds interleave the relays; the load average is printed.
 *   npm run bench:frames -w @depthroom/relay     (about 3 minutes on a quiet 2-core box)
 *   BENCH_VIEWERS=8,8+slow BENCH_SECONDS=10 BENCH_ROUNDS=3 BENCH_RELAYS=raw,depthroom npm run bench:frames -w @depthroom/relay
 *   BENCH_WARMUP_SECONDS (default 3) before each window; BENCH_PIN=1 puts the relay on a CPU of its own
 *   BENCH_RELAY_NODE_ARGS="--cpu-prof --cpu-prof-dir=/tmp/prof"   profiles the relays (V8's sampler;
 *   on a loaded box it over-counts GC pauses: `perf record -e cpu-clock -p <pid>` with
 *   BENCH_RELAY_NODE_ARGS=--perf-basic-prof samples on-CPU time only)
 */

const WARMUP_MS = Number(process.env.BENCH_WARMUP_SECONDS ?? "3") * 1000;
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
const READ = process.env.BENCH_VIEWER_READ ?? "envelope";
if (READ !== "decode" && READ !== "envelope")
  throw new Error(`BENCH_VIEWER_READ=${READ}: decode or envelope`);
const SLOW_MS = 100;
const VIEWERS_PER_PROCESS = 8;
const here = (file: string) => fileURLToPath(new URL(file, import.meta.url));
const BUILT_RELAY = here("../dist/main.js");

/*
 * Every process of the bench runs with glibc's mmap threshold fixed at 8 MB (and no trimming under
 * 64 MB), so a frame-sized buffer (177 KB received, 614 KB decoded) comes from the heap. With glibc's
 * defaults the threshold adapts as a process frees blocks, and each process lands in one of two states:
 * a fresh mmap per frame, whose 44 and more pages all fault on first touch, or reused heap pages. On
 * this VM the same viewers then cost 3-5x the CPU (56-73 faults per delivered frame against 0.2) and the
 * state a process happens to land in decided the run, not the relay. Equal for every relay and client;
 * BENCH_MALLOC=default runs them with glibc's defaults.
 */
const MALLOC_SETTINGS = { MALLOC_MMAP_THRESHOLD_: 8 * 1024 * 1024, MALLOC_TRIM_THRESHOLD_: 64 * 1024 * 1024 };
for (const [name, value] of Object.entries(MALLOC_SETTINGS)) {
  if (process.env.BENCH_MALLOC === "default") delete process.env[name];
  else process.env[name] = String(value);
}
const MALLOC =
  process.env.BENCH_MALLOC === "default"
    ? "glibc malloc defaults (BENCH_MALLOC=default)"
    : "glibc mmap threshold 8 MB, trim 64 MB (BENCH_MALLOC)";

type Kind = "raw" | "foxglove" | "depthroom" | "base";
type Scenario = (typeof SCENARIOS)[number];

interface Result {
  readonly kind: Kind;
  readonly scenario: string;
  readonly fpsMean: number;
  readonly fpsMin: number;
  readonly gapMs: number;
  /**
   * Frames of the window the fast viewers never received (by `frame` sequence, summed over viewers: one
   * frame lost by all 32 counts 32): dropped by latest wins, or skipped by a raw or Foxglove producer.
   */
  readonly missing: number;
  readonly p50: number;
  readonly p99: number;
  readonly slowP50: number;
  readonly slowMax: number;
  readonly relayCpuPercent: number;
  readonly rssMB: number;
  readonly usPerFrame: number;
  readonly viewerCpuPercent: number;
  /** The viewer processes' CPU per frame they received (us): compares clients that got different counts. */
  readonly viewerUsPerFrame: number;
  /** Minor page faults per delivered frame: of the relay, and of the viewer processes (see minorFaults). */
  readonly relayFaultsPerFrame: number;
  readonly viewerFaultsPerFrame: number;
  readonly producerCpuPercent: number;
  readonly producerGcShare: number;
  readonly skipped: number;
  readonly load: number;
}

/** The median; of an even count, the mean of the middle two (of 2 rounds, not the larger one). */
const median = (values: number[]) => {
  const sorted = [...values].sort((a, b) => a - b);
  const middle = sorted.length / 2;
  if (sorted.length % 2 === 1) return percentile(sorted, 0.5);
  return ((sorted[middle - 1] as number) + (sorted[middle] as number)) / 2;
};

/*
 * With BENCH_PIN=1 (2 or more CPUs, numbered from 0, and util-linux's taskset) the relay runs on the
 * last CPU and everything else on the others (the bench sets its own affinity, which the producer and
 * viewers inherit), so the relay's CPU per frame is not shared with the clients' cache and run queue.
 */
const CPUS = availableParallelism();
const PIN = process.env.BENCH_PIN === "1";
const RELAY_CPUS = PIN ? String(CPUS - 1) : undefined;
if (PIN) {
  if (CPUS < 2) throw new Error(`BENCH_PIN=1 needs 2 or more CPUs (this machine has ${CPUS})`);
  try {
    execFileSync("taskset", ["-a", "-p", "-c", `0-${CPUS - 2}`, String(process.pid)], { stdio: "ignore" });
  } catch (error) {
    throw new Error(`BENCH_PIN=1: taskset (util-linux) failed: ${(error as Error).message}`);
  }
}

/** Node flags of a relay: BENCH_RELAY_NODE_ARGS; the `base` relay's BENCH_BASE_NODE_ARGS replace them when set. */
function relayNodeArgs(kind: Kind): string[] {
  const flags =
    kind === "base"
      ? (process.env.BENCH_BASE_NODE_ARGS ?? process.env.BENCH_RELAY_NODE_ARGS)
      : process.env.BENCH_RELAY_NODE_ARGS;
  return (flags ?? "").split(" ").filter(Boolean);
}

function startRelay(kind: Kind, dataDir: string): ChildProcess {
  // e.g. BENCH_RELAY_NODE_ARGS="--cpu-prof --cpu-prof-dir=/tmp/prof" to profile the relays.
  const nodeArgs = relayNodeArgs(kind);
  const cpus = RELAY_CPUS;
  if (kind === "raw") return spawnNode([here("./rawRelay.ts")], { nodeArgs, cpus });
  if (kind === "foxglove") return spawnNode([here("./foxgloveRelay.ts")], { nodeArgs, cpus });
  const args = ["--port", "0", "--data", dataDir, "--log-level", "warn"];
  if (kind === "base") {
    const built = join(BASE ?? "", "apps/relay/dist/main.js");
    if (existsSync(built)) return spawnNode([built, ...args], { nodeArgs, plain: true, cpus });
    return spawnNode([join(BASE ?? "", "apps/relay/src/main.ts"), ...args], { nodeArgs, cpus });
  }
  return spawnNode([BUILT_RELAY, ...args], { nodeArgs, plain: true, cpus });
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
        [
          clientScript(kind, "benchViewers.ts"),
          clientMode,
          READ,
          url,
          String(n),
          String(slowMs),
          ...viewerAuth,
        ],
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

    const windowStart = clockMs() + WARMUP_MS;
    const end = windowStart + WINDOW_MS;
    const done = onMessage<{ sent: number; skipped: number; cpuMs: number; gcMs: number }>(producer, "done");
    producer.send({ type: "run", windowStart, end });
    const sample = () => ({
      relay: cpuSeconds(relay.pid),
      viewers: viewers.reduce((sum, child) => sum + cpuSeconds(child.pid), 0),
      relayFaults: minorFaults(relay.pid),
      viewerFaults: viewers.reduce((sum, child) => sum + minorFaults(child.pid), 0),
    });
    await new Promise((resolve) => setTimeout(resolve, windowStart - clockMs()));
    const atStart = sample();
    await new Promise((resolve) => setTimeout(resolve, end - clockMs()));
    const atEnd = sample();
    const rss = rssMB(relay.pid as number);
    const load = loadavg()[0] as number;
    const produced = await done;
    type Report = { fps: number[]; lags: number[]; gap: number; missing: number };
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
      missing: fast.reduce((sum, r) => sum + r.missing, 0),
      p50: percentile(lags, 0.5),
      p99: percentile(lags, 0.99),
      slowP50: slowReport ? percentile(slowLags, 0.5) : Number.NaN,
      slowMax: slowReport ? (slowLags.at(-1) ?? Number.NaN) : Number.NaN,
      relayCpuPercent: (relayCpu / seconds) * 100,
      rssMB: rss,
      usPerFrame: (relayCpu * 1e6) / Math.max(1, delivered),
      viewerCpuPercent: ((atEnd.viewers - atStart.viewers) / seconds) * 100,
      viewerUsPerFrame: ((atEnd.viewers - atStart.viewers) * 1e6) / Math.max(1, delivered),
      relayFaultsPerFrame: (atEnd.relayFaults - atStart.relayFaults) / Math.max(1, delivered),
      viewerFaultsPerFrame: (atEnd.viewerFaults - atStart.viewerFaults) / Math.max(1, delivered),
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

// A `base` tree's SDK before lazy frames (e8a7947) has no `onEnvelope`: its viewers would record nothing.
if (
  KINDS.includes("base") &&
  READ === "envelope" &&
  !readFileSync(join(BASE ?? "", "packages/sdk/src/subscriber.ts"), "utf8").includes("onEnvelope")
) {
  console.error(
    `relay bench: ${BASE}'s SDK has no lazy frames (onEnvelope): run it with BENCH_VIEWER_READ=decode`,
  );
  process.exit(1);
}
if (KINDS.includes("depthroom") && !existsSync(BUILT_RELAY)) {
  console.error(`relay bench: ${BUILT_RELAY} is missing; run \`npm run build -w @depthroom/relay\` first`);
  process.exit(1);
}
const stream = benchStream();
const viewerRead = READ === "decode" ? "whole message" : "envelope";
const placement = PIN ? `relay pinned to CPU ${RELAY_CPUS}, the rest on 0-${CPUS - 2}` : "not pinned";
const load = loadavg()
  .map((l) => l.toFixed(1))
  .join(" ");
console.log(
  [
    `relay bench: 1 producer, 30 Hz, ${stream.depth.byteLength} B RVL frames (TUM fr2 640x480)`,
    `${WARMUP_MS / 1000} s warm-up + ${WINDOW_MS / 1000} s window, ${ROUNDS} round(s)`,
    `viewers in processes of ${VIEWERS_PER_PROCESS} reading each frame's ${viewerRead} (BENCH_VIEWER_READ=${READ})`,
    `slow viewer ${SLOW_MS} ms per frame`,
    MALLOC,
    `${CPUS} CPUs, ${placement}, load ${load}`,
  ].join("; "),
);
const f = (value: number, width: number, digits = 1) =>
  (Number.isFinite(value) ? value.toFixed(digits) : "-").padStart(width);
console.log(
  "round relay      N        fps  min fps  gap ms  missed  p50 ms  p99 ms  slow p50/max ms  relay CPU %  us/frame  RSS MB  viewers CPU %  faults/frame relay viewer  producer CPU % (GC %)  load",
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
          `${f(r.gapMs, 6, 0)}  ${f(r.missing, 6, 0)}  ${f(r.p50, 6)}  ${f(r.p99, 6)}  ${`${f(r.slowP50, 6, 0)}/${f(r.slowMax, 6, 0).trim()}`.padEnd(15)}  ` +
          `${f(r.relayCpuPercent, 11, 0)}  ${f(r.usPerFrame, 8, 0)}  ${f(r.rssMB, 6, 0)}  ${f(r.viewerCpuPercent, 13, 0)}  ${f(r.relayFaultsPerFrame, 18, 1)} ${f(r.viewerFaultsPerFrame, 6, 1)}  ` +
          `${f(r.producerCpuPercent, 14, 0)} (${f(r.producerGcShare * 100, 4, 1).trim()} %)${r.skipped ? ` skipped ${r.skipped}` : ""}  ${f(r.load, 4)}`,
      );
    }
  }
}

console.log(
  "\nRatios to raw ws, medians over rounds (viewer CPU per frame received; slow lag in frames of 33.3 ms)",
);
console.log("relay      N       CPU/frame  p50   viewer CPU/frame  RSS    slow lag p50 ms  producer GC %");
/** One figure of a relay and scenario, per round. */
const perRound = (kind: Kind, label: string, pick: (r: Result) => number) =>
  results.filter((r) => r.kind === kind && r.scenario === label).map(pick);
const med = (kind: Kind, label: string, pick: (r: Result) => number) => median(perRound(kind, label, pick));
const ratioToRaw = (kind: Kind, label: string, pick: (r: Result) => number) =>
  med(kind, label, pick) / med("raw", label, pick);
for (const scenario of SCENARIOS) {
  for (const kind of KINDS) {
    if (kind === "raw" || !KINDS.includes("raw")) continue;
    const ratio = (pick: (r: Result) => number) => ratioToRaw(kind, scenario.label, pick);
    console.log(
      `${kind.padEnd(9)} ${scenario.label.padEnd(6)}  ${f(
        ratio((r) => r.usPerFrame),
        9,
        2,
      )}  ` +
        `${f(
          ratio((r) => r.p50),
          4,
          2,
        )}  ${f(
          ratio((r) => r.viewerUsPerFrame),
          16,
          2,
        )}  ` +
        `${f(
          ratio((r) => r.rssMB),
          4,
          2,
        )}  ${f(
          med(kind, scenario.label, (r) => r.slowP50),
          15,
          0,
        )}  ` +
        `${f(
          med(kind, scenario.label, (r) => r.producerGcShare * 100),
          13,
        )}`,
    );
  }
}

/*
 * The goals of issue 18, each judged on this run: "met" or "MISSED" with the figure beside it. The
 * ratios need raw ws in the same run. Fast viewers at 30 fps with no gap: every fast viewer >= 29.5 fps
 * over the window, no frame missing (by `frame` sequence: none replaced by latest wins), and the longest
 * pause between two arrivals no longer than 1.3x raw ws's in the same run. That pause is at least one
 * frame interval plus the latency's jitter: on the quiet 2-core box raw ws's own was 85-145 ms (three
 * rounds, 2026-12-05), so an absolute bound of two intervals judged the box's scheduler, not the relay.
 * The slow viewer's lag: its largest in the window (p50 beside it).
 */
const FRAME_MS = 1000 / 30;
/**
 * A ratio to raw ws says something only where raw ws itself delivered the frame rate: on an overloaded
 * box its viewers starve, it queues seconds deep and sends frames nobody reads in time.
 */
const unjudged = (label: string) => {
  if (!KINDS.includes("raw")) return "not judged: raw ws not in this run";
  const rawFps = med("raw", label, (r) => r.fpsMean);
  return rawFps >= 29 ? undefined : `not judged: raw ws at ${f(rawFps, 0).trim()} fps, the box is overloaded`;
};
const goal = (what: string, figure: string, bound: string, ok: boolean, label?: string) => {
  const verdict = (label !== undefined && unjudged(label)) || (ok ? "met" : "MISSED");
  console.log(`goal ${what.padEnd(56)} ${figure.padStart(28)}  (${bound}, ${verdict})`);
};
if (KINDS.includes("depthroom")) {
  console.log("\nGoals (depthroom; ratios to raw ws in this run, medians over rounds):");
  const has = (label: string) => results.some((r) => r.kind === "depthroom" && r.scenario === label);
  for (const scenario of SCENARIOS) {
    const label = scenario.label;
    if (!KINDS.includes("raw")) break;
    const cpu = ratioToRaw("depthroom", label, (r) => r.usPerFrame);
    goal(`relay CPU per delivered frame, N = ${label}`, cpu.toFixed(2), "<= 1.2", cpu <= 1.2, label);
    const p50 = ratioToRaw("depthroom", label, (r) => r.p50);
    goal(`latency p50, N = ${label}`, p50.toFixed(2), "<= 1.3", p50 <= 1.3, label);
    const viewer = ratioToRaw("depthroom", label, (r) => r.viewerUsPerFrame);
    goal(
      `SDK viewer CPU per frame vs a raw ws client, N = ${label}`,
      viewer.toFixed(2),
      "<= 1.5",
      viewer <= 1.5,
      label,
    );
  }
  for (const scenario of SCENARIOS.filter((s) => s.slow && has(s.label))) {
    const label = scenario.label;
    const lagMax = med("depthroom", label, (r) => r.slowMax) / FRAME_MS;
    const lagP50 = med("depthroom", label, (r) => r.slowP50) / FRAME_MS;
    goal(
      `slow viewer's lag, N = ${label}`,
      `max ${lagMax.toFixed(1)} (p50 ${lagP50.toFixed(1)}) frames`,
      "< 3 frames",
      lagMax < 3,
    );
    const fpsMin = med("depthroom", label, (r) => r.fpsMin);
    // Frames missed in any round count: the worst round, not the median.
    const missing = Math.max(...perRound("depthroom", label, (r) => r.missing));
    const gap = med("depthroom", label, (r) => r.gapMs);
    const rawGap = KINDS.includes("raw") ? med("raw", label, (r) => r.gapMs) : Number.NaN;
    goal(
      `fast viewers at 30 fps with no gap, N = ${label}`,
      `min ${fpsMin.toFixed(1)} fps, ${missing} missed, gap ${gap.toFixed(0)} ms (raw ${f(rawGap, 0, 0).trim()})`,
      ">= 29.5 fps, 0 missed, gap <= 1.3x raw",
      fpsMin >= 29.5 && missing === 0 && gap <= 1.3 * rawGap,
      label,
    );
  }
  // GC pauses are wall time, scaled by the producer thread's on-CPU share of its runnable time
  // (benchProducer.ts): an estimate on a loaded box, so the least of the runs is printed beside it.
  const shares = results.filter((r) => r.kind === "depthroom").map((r) => r.producerGcShare * 100);
  const gc = median(shares);
  goal(
    "SDK producer's GC share of its CPU, median of all runs",
    `${gc.toFixed(1)} % (least ${Math.min(...shares).toFixed(1)} %)`,
    "< 5 %",
    gc < 5,
  );
}
