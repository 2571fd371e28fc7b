import { type ChildProcess, execFileSync, spawn } from "node:child_process";
import { randomBytes } from "node:crypto";
import { readdirSync, readFileSync } from "node:fs";
import { chmod, mkdtemp, rm, writeFile } from "node:fs/promises";
import { createRequire } from "node:module";
import { connect, createServer } from "node:net";
import { cpus, loadavg, tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath, pathToFileURL } from "node:url";
import type { CreateSessionResponse } from "@depthroom/schema";
import { Client } from "pg";
import { renderNginxConf } from "../deploy/nginxConf.ts";
import { PostgresStore } from "../src/postgresStore.ts";
import { wallMs } from "./frames.ts";

/*
 * Cluster bench (about 40 s on a quiet machine): two relay processes on one PostgreSQL database and one Redis, behind
 * nginx with the shipped config. The same sessions (8; 4 per node when both serve), each with a
 * producer publishing the TUM 640x480 RVL frame as fast as the relay acks and 2 viewers, first with
 * both nodes behind nginx, then with one. Prints frames delivered per second in each case and the
 * ratio, relay / nginx / load CPU, and the doc persistence window (append latency to PostgreSQL).
 *   npm run bench:cluster -w @depthroom/relay   (also the tail of `npm run bench`)
 * Needs PostgreSQL at 127.0.0.1:5432, Redis at 127.0.0.1:6379 and nginx (see the README);
 * BENCH_DATABASE_URL / BENCH_REDIS_URL override them.
 */

const SESSIONS = Number(process.env.BENCH_SESSIONS ?? "16");
const VIEWERS = Number(process.env.BENCH_VIEWERS_PER_SESSION ?? "2");
const WARMUP_MS = 1500;
const WINDOW_MS = Number(process.env.BENCH_SECONDS ?? "4") * 1000;
/** Each configuration runs this many times, interleaved; the best run counts (the machine is shared). */
const ROUNDS = Number(process.env.BENCH_ROUNDS ?? "2");
const DATABASE_URL = process.env.BENCH_DATABASE_URL ?? "postgres://postgres@127.0.0.1:5432/postgres";
const REDIS_URL = process.env.BENCH_REDIS_URL ?? "redis://127.0.0.1:6379";
const LOAD_PROCESSES = 2;

const require = createRequire(import.meta.url);
const tsx = pathToFileURL(require.resolve("tsx")).href;
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

function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once("error", reject);
    server.listen(0, "127.0.0.1", () => {
      const { port } = server.address() as { port: number };
      server.close(() => resolve(port));
    });
  });
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

function spawnRelay(
  dataDir: string,
  env: Record<string, string>,
): Promise<{ child: ChildProcess; url: string }> {
  const child = spawn(
    process.execPath,
    ["--import", tsx, here("../src/main.ts"), "--port", "0", "--data", dataDir, "--log-level", "warn"],
    { stdio: ["ignore", "pipe", "inherit"], env: { ...process.env, ...env } },
  );
  return new Promise((resolve, reject) => {
    let output = "";
    child.stdout?.on("data", (chunk: Buffer) => {
      output += chunk.toString("utf8");
      const match = /"msg":"listening"[^\n]*"url":"([^"]+)"/.exec(output);
      if (match) resolve({ child, url: match[1] as string });
    });
    child.once("exit", (code) => reject(new Error(`relay exited (${code}): ${output}`)));
  });
}

/** CPU seconds of a process and its threads (schedstat, ns). */
function cpuSeconds(pid: number): number {
  let total = 0;
  try {
    for (const task of readdirSync(`/proc/${pid}/task`)) {
      try {
        total += Number(readFileSync(`/proc/${pid}/task/${task}/schedstat`, "utf8").split(" ")[0]) / 1e9;
      } catch {
        // The thread ended meanwhile.
      }
    }
  } catch {
    // The process ended.
  }
  return total;
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
  /** Relay CPU (all nodes) per delivered frame, in microseconds. */
  readonly relayUsPerFrame: number;
  readonly viewerFpsMin: number;
  readonly relayCpu: Record<string, number>;
  readonly nginxCpu: number;
  readonly loadCpu: number;
}

async function run(
  label: string,
  nginxUrl: string,
  nginxPid: number,
  relays: ReadonlyMap<string, ChildProcess>,
  sessions: readonly CreateSessionResponse[],
): Promise<RunResult> {
  const groups: ChildProcess[] = [];
  for (let g = 0; g < LOAD_PROCESSES; g++) {
    const mine = sessions
      .filter((_, i) => i % LOAD_PROCESSES === g)
      .map((s) => ({ id: s.id, publish: s.tokens.publish, view: s.tokens.view }));
    const child = spawn(
      process.execPath,
      ["--import", tsx, here("./clusterLoad.ts"), nginxUrl, String(VIEWERS), JSON.stringify(mine)],
      { stdio: ["ignore", "inherit", "inherit", "ipc"] },
    );
    groups.push(child);
  }
  try {
    await Promise.all(
      groups.map(
        (child) =>
          new Promise<void>((resolve, reject) => {
            child.on("message", (m: { type: string }) => m.type === "ready" && resolve());
            child.once("exit", (code) => reject(new Error(`bench load exited (${code})`)));
          }),
      ),
    );
    for (const child of groups) child.send({ type: "start" });
    await new Promise((resolve) => setTimeout(resolve, WARMUP_MS));
    const measured = [
      ...[...relays.values()].map((c) => c.pid as number),
      nginxPid,
      ...childPids(nginxPid),
      ...groups.map((c) => c.pid as number),
    ];
    const before = new Map(measured.map((pid) => [pid, cpuSeconds(pid)]));
    const start = wallMs();
    await new Promise((resolve) => setTimeout(resolve, WINDOW_MS));
    const end = wallMs();
    const used = (pid: number) => ((cpuSeconds(pid) - (before.get(pid) ?? 0)) / (WINDOW_MS / 1000)) * 100;
    const relayCpu = Object.fromEntries([...relays].map(([id, c]) => [id, used(c.pid as number)]));
    const nginxCpu = [nginxPid, ...childPids(nginxPid)].reduce((sum, pid) => sum + used(pid), 0);
    const loadCpu = groups.reduce((sum, c) => sum + used(c.pid as number), 0);
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
      relayUsPerFrame: (relaySeconds * 1e6) / Math.max(1, delivered),
      viewerFpsMin: Math.min(...frames) / seconds,
      relayCpu,
      nginxCpu,
      loadCpu,
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
  try {
    const recordings = await tempDir("depthroom-bench-recordings-");
    const prefix = `depthroom-bench-${randomBytes(4).toString("hex")}`;
    const urls = new Map<string, string>();
    for (const id of ["node-a", "node-b"]) {
      const { child, url } = await spawnRelay(await tempDir("depthroom-bench-"), {
        DEPTHROOM_DATABASE_URL: databaseUrl,
        DEPTHROOM_REDIS_URL: REDIS_URL,
        DEPTHROOM_REDIS_PREFIX: prefix,
        DEPTHROOM_NODE_ID: id,
        DEPTHROOM_RECORDINGS: recordings,
      });
      relays.set(id, child);
      urls.set(id, new URL(url).host);
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
        `all through nginx; ${WARMUP_MS / 1000} s warm-up + ${WINDOW_MS / 1000} s window, ${ROUNDS} rounds; ${cpus().length} cores`,
    );
    const results: RunResult[] = [];
    console.log(
      "nodes    sessions per node       frames/s  min viewer fps  relay CPU %          us/frame  nginx CPU %  load CPU %",
    );
    for (let round = 0; round < ROUNDS; round++) {
      for (const nodes of [["node-a", "node-b"], ["node-a"]]) {
        await configure(nodes);
        nginx.kill("SIGHUP");
        await new Promise((resolve) => setTimeout(resolve, 500));
        const r = await run(
          nodes.length === 1 ? "1 node" : "2 nodes",
          nginxUrl,
          nginx.pid as number,
          relays,
          sessions,
        );
        results.push(r);
        const perNodeText = Object.entries(r.sessionsPerNode)
          .sort()
          .map(([node, n]) => `${node}:${n}`)
          .join(" ");
        const cpuText = Object.entries(r.relayCpu)
          .map(([node, cpu]) => `${node.slice(-1)}:${cpu.toFixed(0)}`)
          .join(" ");
        console.log(
          `${r.label.padEnd(8)} ${perNodeText.padEnd(22)} ${r.deliveredPerSecond.toFixed(0).padStart(8)}  ${r.viewerFpsMin.toFixed(1).padStart(14)}  ` +
            `${cpuText.padEnd(19)} ${r.relayUsPerFrame.toFixed(0).padStart(9)}  ${r.nginxCpu.toFixed(0).padStart(11)}  ${r.loadCpu.toFixed(0).padStart(10)}`,
        );
      }
    }
    const best = (label: string) =>
      results
        .filter((r) => r.label === label)
        .reduce((a, b) => (b.deliveredPerSecond > a.deliveredPerSecond ? b : a));
    const one = best("1 node");
    const two = best("2 nodes");
    const ratio = two.deliveredPerSecond / one.deliveredPerSecond;
    console.log(
      `\nframes/s across 2 nodes vs 1 (best of ${ROUNDS} each): ${two.deliveredPerSecond.toFixed(0)} vs ${one.deliveredPerSecond.toFixed(0)} = ${ratio.toFixed(2)}x`,
    );
    // Capacity of one node from its CPU cost: a session is 1 producer at 30 Hz and VIEWERS viewers.
    const usPerFrame = Math.min(one.relayUsPerFrame, two.relayUsPerFrame);
    const sessionsPerCore = 1e6 / (usPerFrame * 30 * VIEWERS);
    console.log(
      `sessions per node: ${SESSIONS} (1 node) vs ${SESSIONS / 2} (2 nodes) here; from the relay's CPU per delivered frame ` +
        `(${usPerFrame.toFixed(0)} us), one node with one core of its own carries about ${sessionsPerCore.toFixed(0)} sessions ` +
        `of 1 rig at 30 Hz + ${VIEWERS} viewers (640x480 RVL), and each added node adds as many`,
    );
    console.log(
      `caveat: this machine has ${cpus().length} cores, shared by both relay nodes, nginx, PostgreSQL, Redis, the load ` +
        "generators and whatever else runs (load average " +
        `${loadavg()[0]?.toFixed(1)} now): a second node only gets what they leave, so the measured ratio is a lower bound for ` +
        "nodes on their own machines; per-viewer fps is bounded by the round trip (one frame in flight per viewer), not by the relay.",
    );
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
    await sql(DATABASE_URL, `DROP DATABASE IF EXISTS ${database} WITH (FORCE)`).catch(() => {});
    for (const dir of dirs) await rm(dir, { recursive: true, force: true });
  }
}

await main();
