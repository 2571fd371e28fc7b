import { type ChildProcess, execFileSync, spawn } from "node:child_process";
import { randomBytes } from "node:crypto";
import { readFileSync } from "node:fs";
import { chmod, mkdtemp, rm, writeFile } from "node:fs/promises";
import { connect } from "node:net";
import { cpus, loadavg, tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import type { CreateSessionResponse } from "@depthroom/schema";
import { freePort } from "@depthroom/schema/testing";
import { Client } from "pg";
import { renderNginxConf } from "../deploy/nginxConf.ts";
import { PostgresStore } from "../src/postgresStore.ts";
import { type CpuBudget, type CpuStat, openCpuBudget } from "./cpuBudget.ts";
import { clockMs } from "./frames.ts";
import { cpuSeconds, onMessage, spawnNode, startRelayProcess } from "./processes.ts";

/*
 * Cluster bench (about 40 s on a quiet machine): two relay processes on one PostgreSQL database and one Redis, behind
 * nginx with the shipped config. The same sessions (16; 8 per node when both serve), each with a
 * producer publishing the TUM 640x480 RVL frame as fast as the relay acks and 2 viewers, first with
 * both nodes behind nginx, then with one. "One node = one machine of fixed capacity": each node is
 * held to the same CPU budget (BENCH_NODE_CPU cores, default 0.1, a cgroup v1 CFS quota: cpuBudget.ts),
 * so a second node adds capacity even on this 2-core box, and both configurations are driven to
 * saturation by the same load generator (the throttled share of each node's CFS periods shows it).
 * Prints frames delivered per second in each case and the ratio, sessions per node, relay / nginx /
 * load CPU, the machine's idle share, and the doc persistence window (append latency to PostgreSQL).
 *   npm run bench:cluster -w @depthroom/relay   (also the tail of `npm run bench`)
 * Needs PostgreSQL at 127.0.0.1:5432, Redis at 127.0.0.1:6379 and nginx (see the README);
 * BENCH_DATABASE_URL / BENCH_REDIS_URL override them. Without a writable /sys/fs/cgroup/cpu (or with
 * BENCH_NODE_CPU=0) it says so and runs unbudgeted: the nodes then share the box's cores.
 */

const SESSIONS = Number(process.env.BENCH_SESSIONS ?? "16");
const VIEWERS = Number(process.env.BENCH_VIEWERS_PER_SESSION ?? "2");
const WARMUP_MS = 1500;
const WINDOW_MS = Number(process.env.BENCH_SECONDS ?? "4") * 1000;
/** Each configuration runs this many times, interleaved; the median and the best are printed (the machine is shared). */
const ROUNDS = Number(process.env.BENCH_ROUNDS ?? "5");
/** Rounds run first and not counted: under a small CPU budget the relays' JIT warms up slowly. */
const WARMUP_ROUNDS = Number(process.env.BENCH_WARMUP_ROUNDS ?? "1");
const DATABASE_URL = process.env.BENCH_DATABASE_URL ?? "postgres://postgres@127.0.0.1:5432/postgres";
const REDIS_URL = process.env.BENCH_REDIS_URL ?? "redis://127.0.0.1:6379";
const LOAD_PROCESSES = 2;
/** Cores each relay node may use (its "machine"); 0 turns the budget off. */
const NODE_CPU = Number(process.env.BENCH_NODE_CPU ?? "0.1");
/** A session's demand in deliveries per second: its rig at 30 Hz to each viewer. */
const SESSION_DELIVERIES = 30 * VIEWERS;

const here = (file: string) => fileURLToPath(new URL(file, import.meta.url));

function withDatabase(url: string, name: string): string {
  const parsed = new URL(url);
  parsed.pathname = `/${name}`;
  return parsed.toString();
}

async function sql(url: string, text: string): Promise<void> {
  const client = new Client({ connectionString: url, connectionTimeoutMillis: 3000 });
  await client.connect();
  try {
    await client.query(text);
  } finally {
    await client.end();
  }
}

async function waitForPort(port: number, child: ChildProcess): Promise<void> {
  const deadline = Date.now() + 5000;
  for (;;) {
    const open = await new Promise<boolean>((resolve) => {
      const socket = connect({ host: "127.0.0.1", port });
      socket.once("connect", () => {
        socket.destroy();
        resolve(true);
      });
      socket.once("error", () => resolve(false));
    });
    if (open) return;
    if (child.exitCode !== null || Date.now() > deadline) throw new Error("nginx did not start");
    await new Promise((resolve) => setTimeout(resolve, 25));
  }
}

/** Messages the nodes accepted from producers so far (`depthroom_messages_in_total` of their /metrics). */
async function acceptedMessages(
  nodes: readonly string[],
  hosts: ReadonlyMap<string, string>,
): Promise<number> {
  let total = 0;
  for (const node of nodes) {
    const text = await (await fetch(`http://${hosts.get(node)}/metrics`)).text();
    total += Number(/^depthroom_messages_in_total (\d+)/m.exec(text)?.[1] ?? 0);
  }
  return total;
}

/** Busy and total jiffies of the whole machine (/proc/stat), for its idle share over a window. */
function machineTimes(): { busy: number; total: number } {
  const fields = (readFileSync("/proc/stat", "utf8").split("\n")[0] ?? "")
    .trim()
    .split(/\s+/)
    .slice(1)
    .map(Number);
  const total = fields.reduce((a, b) => a + b, 0);
  const idle = (fields[3] ?? 0) + (fields[4] ?? 0);
  return { busy: total - idle, total };
}

function childPids(pid: number): number[] {
  try {
    return readFileSync(`/proc/${pid}/task/${pid}/children`, "utf8")
      .trim()
      .split(/\s+/)
      .filter(Boolean)
      .map(Number);
  } catch {
    return [];
  }
}

interface RunResult {
  readonly label: string;
  readonly sessionsPerNode: Record<string, number>;
  readonly deliveredPerSecond: number;
  /** Frames the serving nodes accepted from producers per second (what they had to take in). */
  readonly acceptedPerSecond: number;
  /** Relay CPU (all nodes) per delivered frame, in microseconds. */
  readonly relayUsPerFrame: number;
  readonly viewerFpsMin: number;
  readonly relayCpu: Record<string, number>;
  /** Share of each serving node's CFS periods in which it was throttled (budget used up), when budgeted. */
  readonly throttled: Record<string, number>;
  readonly nginxCpu: number;
  readonly loadCpu: number;
  /** The busiest load generator process (100 = one full core: the generator would be the limit). */
  readonly loadCpuMax: number;
  /** Idle share of the whole machine during the window (%). */
  readonly machineIdle: number;
  readonly nodes: number;
}

/** What limited a run: the nodes' budgets (every serving node throttled in at least half its periods) or not. */
function boundBy(r: RunResult): string {
  const shares = Object.values(r.throttled);
  if (shares.length === 0) return "-";
  return shares.every((share) => share >= 50) ? "budget" : r.machineIdle < 5 ? "machine busy" : "load";
}

async function run(
  serving: readonly string[],
  nginxUrl: string,
  nginxPid: number,
  relays: ReadonlyMap<string, ChildProcess>,
  sessions: readonly CreateSessionResponse[],
  budget: CpuBudget | undefined,
  hosts: ReadonlyMap<string, string>,
): Promise<RunResult> {
  const label = serving.length === 1 ? "1 node" : `${serving.length} nodes`;
  const groups: ChildProcess[] = [];
  for (let g = 0; g < LOAD_PROCESSES; g++) {
    const mine = sessions
      .filter((_, i) => i % LOAD_PROCESSES === g)
      .map((s) => ({ id: s.id, publish: s.tokens.publish, view: s.tokens.view }));
    const child = spawnNode([here("./clusterLoad.ts"), nginxUrl, String(VIEWERS), JSON.stringify(mine)], {
      ipc: true,
    });
    groups.push(child);
  }
  try {
    await Promise.all(groups.map((child) => onMessage(child, "ready")));
    for (const child of groups) child.send({ type: "start" });
    await new Promise((resolve) => setTimeout(resolve, WARMUP_MS));
    const measured = [
      ...[...relays.values()].map((c) => c.pid as number),
      nginxPid,
      ...childPids(nginxPid),
      ...groups.map((c) => c.pid as number),
    ];
    const before = new Map(measured.map((pid) => [pid, cpuSeconds(pid)]));
    const statsBefore = new Map<string, CpuStat>(budget ? serving.map((id) => [id, budget.stat(id)]) : []);
    const acceptedBefore = await acceptedMessages(serving, hosts);
    const machineBefore = machineTimes();
    const start = clockMs();
    await new Promise((resolve) => setTimeout(resolve, WINDOW_MS));
    const end = clockMs();
    const machineAfter = machineTimes();
    const acceptedAfter = await acceptedMessages(serving, hosts);
    const throttled: Record<string, number> = {};
    for (const [id, was] of statsBefore) {
      const now = (budget as CpuBudget).stat(id);
      throttled[id] = (100 * (now.throttled - was.throttled)) / Math.max(1, now.periods - was.periods);
    }
    const machineIdle =
      100 *
      (1 - (machineAfter.busy - machineBefore.busy) / Math.max(1, machineAfter.total - machineBefore.total));
    const used = (pid: number) => ((cpuSeconds(pid) - (before.get(pid) ?? 0)) / (WINDOW_MS / 1000)) * 100;
    const relayCpu = Object.fromEntries([...relays].map(([id, c]) => [id, used(c.pid as number)]));
    const nginxCpu = [nginxPid, ...childPids(nginxPid)].reduce((sum, pid) => sum + used(pid), 0);
    const loadCpus = groups.map((c) => used(c.pid as number));
    const loadCpu = loadCpus.reduce((sum, cpu) => sum + cpu, 0);
    const reports = await Promise.all(
      groups.map(
        (child) =>
          new Promise<{ frames: number[]; nodes: Record<string, string[]> }>((resolve) => {
            child.on("message", (m: { type: string; frames: number[]; nodes: Record<string, string[]> }) => {
              if (m.type === "report") resolve(m);
            });
            child.send({ type: "report", start, end });
          }),
      ),
    );
    const frames = reports.flatMap((r) => r.frames);
    const sessionsPerNode: Record<string, number> = {};
    for (const report of reports) {
      for (const nodes of Object.values(report.nodes)) {
        const key = nodes.length === 1 ? (nodes[0] as string) : `split ${nodes.join("+")}`;
        sessionsPerNode[key] = (sessionsPerNode[key] ?? 0) + 1;
      }
    }
    const seconds = (end - start) / 1000;
    const delivered = frames.reduce((a, b) => a + b, 0);
    const relaySeconds = (Object.values(relayCpu).reduce((a, b) => a + b, 0) / 100) * seconds;
    return {
      label,
      sessionsPerNode,
      deliveredPerSecond: delivered / seconds,
      acceptedPerSecond: (acceptedAfter - acceptedBefore) / seconds,
      relayUsPerFrame: (relaySeconds * 1e6) / Math.max(1, delivered),
      viewerFpsMin: Math.min(...frames) / seconds,
      relayCpu,
      throttled,
      nginxCpu,
      loadCpu,
      loadCpuMax: Math.max(...loadCpus),
      machineIdle,
      nodes: serving.length,
    };
  } finally {
    for (const child of groups) if (child.exitCode === null) child.kill("SIGKILL");
  }
}

/** Append latency to PostgreSQL (the window between a node applying a doc update and it being stored). */
async function persistenceWindow(databaseUrl: string): Promise<{ p50: number; p99: number }> {
  const store = await PostgresStore.open(databaseUrl, { schema: "bench_latency" });
  const update = new Uint8Array(120).fill(7);
  const latencies: number[] = [];
  for (let i = 0; i < 400; i++) {
    const t = performance.now();
    await store.appendDocUpdate("BENCHBENCHBENCHBENCH01", update);
    latencies.push(performance.now() - t);
  }
  await store.close();
  latencies.sort((a, b) => a - b);
  return { p50: latencies[200] as number, p99: latencies[396] as number };
}

async function main(): Promise<void> {
  try {
    execFileSync("nginx", ["-v"], { stdio: "ignore" });
  } catch {
    throw new Error("nginx is not installed: apt-get install -y nginx-light");
  }
  const database = `depthroom_bench_${randomBytes(4).toString("hex")}`;
  const databaseUrl = withDatabase(DATABASE_URL, database);
  await sql(DATABASE_URL, `CREATE DATABASE ${database}`);
  const dirs: string[] = [];
  const tempDir = async (prefix: string) => {
    const dir = await mkdtemp(join(tmpdir(), prefix));
    dirs.push(dir);
    return dir;
  };
  const relays = new Map<string, ChildProcess>();
  let nginx: ChildProcess | undefined;
  let budget: CpuBudget | undefined;
  try {
    const recordings = await tempDir("depthroom-bench-recordings-");
    const prefix = `depthroom-bench-${randomBytes(4).toString("hex")}`;
    const urls = new Map<string, string>();
    for (const id of ["node-a", "node-b"]) {
      const { child, url } = await startRelayProcess(await tempDir("depthroom-bench-"), {
        DEPTHROOM_DATABASE_URL: databaseUrl,
        DEPTHROOM_REDIS_URL: REDIS_URL,
        DEPTHROOM_REDIS_PREFIX: prefix,
        DEPTHROOM_NODE_ID: id,
        DEPTHROOM_RECORDINGS: recordings,
      });
      relays.set(id, child);
      urls.set(id, new URL(url).host);
    }
    if (NODE_CPU > 0) {
      const opened = openCpuBudget([...relays.keys()], NODE_CPU);
      if (opened.ok) {
        budget = opened.budget;
        for (const [id, child] of relays) budget.place(id, child.pid as number);
      } else {
        console.log(
          `CPU budget unavailable (${opened.reason}): running without one, so the nodes share this machine's ` +
            `${cpus().length} cores and a second node adds no capacity here; the ratio then only shows that splitting sessions over nodes loses nothing.`,
        );
      }
    }
    const nginxDir = await tempDir("depthroom-bench-nginx-");
    await chmod(nginxDir, 0o755);
    const port = await freePort();
    const conf = join(nginxDir, "nginx.conf");
    const configure = (ids: string[]) =>
      writeFile(
        conf,
        renderNginxConf({
          listen: `127.0.0.1:${port}`,
          relays: ids.map((id) => urls.get(id) as string),
          dir: nginxDir,
        }),
      );
    await configure(["node-a", "node-b"]);
    nginx = spawn(
      "nginx",
      ["-p", nginxDir, "-c", conf, "-e", join(nginxDir, "error.log"), "-g", "daemon off;"],
      {
        stdio: "ignore",
      },
    );
    await waitForPort(port, nginx);
    const nginxUrl = `http://127.0.0.1:${port}`;

    // Sessions, SESSIONS / 2 on each node when both serve (nginx names the node of a session).
    const sessions: CreateSessionResponse[] = [];
    const perNode = new Map<string, number>();
    while (sessions.length < SESSIONS) {
      const session = (await (
        await fetch(`${nginxUrl}/api/sessions`, { method: "POST", body: "{}" })
      ).json()) as CreateSessionResponse;
      const response = await fetch(`${nginxUrl}/api/sessions/${session.id}?token=${session.tokens.view}`);
      await response.arrayBuffer();
      const node = response.headers.get("x-depthroom-node") ?? "?";
      if ((perNode.get(node) ?? 0) >= SESSIONS / 2) continue;
      perNode.set(node, (perNode.get(node) ?? 0) + 1);
      sessions.push(session);
    }

    console.log(
      `cluster bench: ${SESSIONS} sessions x (1 producer as fast as acked, 2 in flight, TUM 640x480 RVL + ${VIEWERS} viewers), ` +
        `all through nginx; ${WARMUP_MS / 1000} s warm-up + ${WINDOW_MS / 1000} s window, ${WARMUP_ROUNDS} warm-up round(s) not counted + ${ROUNDS} rounds; ${cpus().length} cores`,
    );
    console.log(
      budget
        ? `CPU budget: each relay node may use ${budget.cores} core (${budget.describe}); nginx, the load generators, PostgreSQL and Redis are not budgeted`
        : "CPU budget: none (the relay nodes share the machine)",
    );
    const results: RunResult[] = [];
    console.log(
      "nodes    sessions per node   frames/s  per node  in/s  min viewer fps  relay CPU %    throttled %    nginx %  load % (max)  idle %  bound by",
    );
    for (let round = -WARMUP_ROUNDS; round < ROUNDS; round++) {
      for (const nodes of [["node-a", "node-b"], ["node-a"]]) {
        await configure(nodes);
        nginx.kill("SIGHUP");
        await new Promise((resolve) => setTimeout(resolve, 500));
        const r = await run(nodes, nginxUrl, nginx.pid as number, relays, sessions, budget, urls);
        if (round >= 0) results.push(r);
        const perNodeText = Object.entries(r.sessionsPerNode)
          .sort()
          .map(([node, n]) => `${node.slice(-1)}:${n}`)
          .join(" ");
        const short = (values: Record<string, number>) =>
          Object.entries(values)
            .filter(([node]) => nodes.includes(node))
            .map(([node, v]) => `${node.slice(-1)}:${v.toFixed(0)}`)
            .join(" ");
        console.log(
          `${(round < 0 ? `(${r.label})` : r.label).padEnd(8)} ${perNodeText.padEnd(18)} ${r.deliveredPerSecond.toFixed(0).padStart(9)} ${(r.deliveredPerSecond / r.nodes).toFixed(0).padStart(9)} ${r.acceptedPerSecond.toFixed(0).padStart(5)}  ` +
            `${r.viewerFpsMin.toFixed(1).padStart(14)}  ${short(r.relayCpu).padEnd(13)}  ${(budget ? short(r.throttled) : "-").padEnd(13)}  ` +
            `${r.nginxCpu.toFixed(0).padStart(7)}  ${`${r.loadCpu.toFixed(0)} (${r.loadCpuMax.toFixed(0)})`.padStart(12)}  ${r.machineIdle.toFixed(0).padStart(6)}  ${boundBy(r)}`,
        );
      }
    }
    const best = (label: string) =>
      results
        .filter((r) => r.label === label)
        .reduce((a, b) => (b.deliveredPerSecond > a.deliveredPerSecond ? b : a));
    /** Median run of a configuration, among the runs held at the budget when there are any. */
    const median = (label: string) => {
      const runs = results.filter((r) => r.label === label);
      const saturated = runs.filter((r) => boundBy(r) === "budget");
      const sorted = (saturated.length > 0 ? saturated : runs).sort(
        (a, b) => a.deliveredPerSecond - b.deliveredPerSecond,
      );
      return sorted[Math.floor((sorted.length - 1) / 2)] as RunResult;
    };
    const one = median("1 node");
    const two = median("2 nodes");
    // Each round runs 2 nodes then 1 node back to back: the pair saw the same machine, so the ratio of
    // a pair is steadier than a ratio across rounds (the box's other work comes and goes).
    const pairs: { ratio: number; saturated: boolean }[] = [];
    for (let i = 0; i + 1 < results.length; i += 2) {
      const [first, second] = [results[i] as RunResult, results[i + 1] as RunResult];
      pairs.push({
        ratio: first.deliveredPerSecond / second.deliveredPerSecond,
        saturated: boundBy(first) === "budget" && boundBy(second) === "budget",
      });
    }
    const medianOf = (values: number[]) =>
      [...values].sort((a, b) => a - b)[Math.floor((values.length - 1) / 2)] as number;
    const saturatedRatios = pairs.filter((p) => p.saturated).map((p) => p.ratio);
    console.log(
      `\nframes/s, 2 nodes vs 1: median ${two.deliveredPerSecond.toFixed(0)} vs ${one.deliveredPerSecond.toFixed(0)} (of the saturated runs if any; ${ROUNDS} runs each) ` +
        `(best ${best("2 nodes").deliveredPerSecond.toFixed(0)} vs ${best("1 node").deliveredPerSecond.toFixed(0)}); ` +
        `ratio per round (2 nodes / the 1-node run right after, * = both held at the budget): ` +
        `${pairs.map((p) => `${p.ratio.toFixed(2)}${p.saturated ? "*" : ""}`).join(", ")}; median ${medianOf(pairs.map((p) => p.ratio)).toFixed(2)}x`,
    );
    if (budget) {
      console.log(
        saturatedRatios.length > 0
          ? `2 nodes vs 1 where both were saturated (the capacity ratio): median ${medianOf(saturatedRatios).toFixed(2)}x over ${saturatedRatios.length} of ${pairs.length} rounds`
          : "no round had both configurations held at the budget: the box's other work starved the load; run again on a quieter machine",
      );
    }
    const capacity = (r: RunResult) => r.deliveredPerSecond / r.nodes / SESSION_DELIVERIES;
    if (budget) {
      console.log(
        `sessions per node: ${SESSIONS} on 1 node, ${SESSIONS / 2} + ${SESSIONS / 2} on 2 nodes. At its budget of ${budget.cores} core a node delivered (medians of the saturated runs) ` +
          `${(one.deliveredPerSecond / 1).toFixed(0)} frames/s alone and ${(two.deliveredPerSecond / 2).toFixed(0)} frames/s with a second node beside it: ` +
          `${capacity(one).toFixed(1)} and ${capacity(two).toFixed(1)} sessions of 1 rig at 30 Hz + ${VIEWERS} viewers per node, so 2 nodes carry ` +
          `${(capacity(two) * 2).toFixed(1)} such sessions where 1 carries ${capacity(one).toFixed(1)}`,
      );
      console.log(
        `frames taken in from the rigs per node: ${one.acceptedPerSecond.toFixed(0)}/s (1 node, 16 rigs) vs ${(two.acceptedPerSecond / 2).toFixed(0)}/s ` +
          `(2 nodes, 8 rigs each): a node's budget also pays for taking in every published frame, and frames that latest-wins replaces before ` +
          "a viewer takes them are never delivered, so a node with fewer rigs can deliver more per core",
      );
      const elsewhere = results.filter((r) => boundBy(r) !== "budget");
      if (elsewhere.length > 0) {
        console.log(
          `${elsewhere.length} of ${results.length} runs were not held at the budget (a node throttled in under half its periods): ` +
            "there the load generators, nginx or the box's other work bounded the figure, not the nodes' capacity",
        );
      }
      console.log(
        `caveat: each node is held to ${budget.cores} core by a CFS quota, modelling one machine of that size per node; ` +
          `the load generators (${LOAD_PROCESSES} processes), nginx, PostgreSQL, Redis and whatever else runs share the rest of this ` +
          `${cpus().length}-core box unbudgeted (load average ${loadavg()[0]?.toFixed(1)} now), so the ratio holds while they have CPU to spare ` +
          "(idle % above). A quota caps CPU time, not work: on this box's vCPUs (SMT siblings, shared caches) a CPU-second does less " +
          "when the rest of the box is busy, so frames per budget vary from run to run (hence pairs and medians); real machines also " +
          "add memory bandwidth, network and kernel time that a quota does not model. " +
          "Per-viewer fps is bounded by the round trip (one frame in flight per viewer and entity).",
      );
    } else {
      const usPerFrame = Math.min(one.relayUsPerFrame, two.relayUsPerFrame);
      console.log(
        `sessions per node: ${SESSIONS} (1 node) vs ${SESSIONS / 2} (2 nodes) here; from the relay's CPU per delivered frame ` +
          `(${usPerFrame.toFixed(0)} us), one node with one core of its own carries about ${(1e6 / (usPerFrame * SESSION_DELIVERIES)).toFixed(0)} sessions ` +
          `of 1 rig at 30 Hz + ${VIEWERS} viewers (640x480 RVL): an estimate, not measured`,
      );
      console.log(
        `caveat: no CPU budget: this machine has ${cpus().length} cores, shared by both relay nodes, nginx, PostgreSQL, Redis, the load ` +
          `generators and whatever else runs (load average ${loadavg()[0]?.toFixed(1)} now): a second node only gets what they leave.`,
      );
    }
    const window = await persistenceWindow(databaseUrl);
    console.log(
      `doc persistence window (append to PostgreSQL, idle cluster): p50 ${window.p50.toFixed(2)} ms, p99 ${window.p99.toFixed(2)} ms`,
    );
  } finally {
    nginx?.kill("SIGTERM");
    for (const child of relays.values()) child.kill("SIGTERM");
    await new Promise((resolve) => setTimeout(resolve, 1000));
    for (const child of [...relays.values(), ...(nginx ? [nginx] : [])]) {
      if (child.exitCode === null && child.signalCode === null) child.kill("SIGKILL");
    }
    budget?.close();
    await sql(DATABASE_URL, `DROP DATABASE IF EXISTS ${database} WITH (FORCE)`).catch(() => {});
    for (const dir of dirs) await rm(dir, { recursive: true, force: true });
  }
}

await main();
