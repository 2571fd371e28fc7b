import { type ChildProcess, spawn } from "node:child_process";
import { readdirSync, readFileSync } from "node:fs";
import { createRequire } from "node:module";
import { fileURLToPath, pathToFileURL } from "node:url";

/*
 * The relay benches' processes: Node children (under tsx), the relay's "listening" line, and what
 * /proc says about a process (CPU from schedstat, RSS). Linux only, like the benches.
 */

const require = createRequire(import.meta.url);
const TSX = pathToFileURL(require.resolve("tsx")).href;
/** The relay's command line, run from source. */
export const RELAY_MAIN = fileURLToPath(new URL("../src/main.ts", import.meta.url));

export interface SpawnNodeOptions {
  /** An IPC channel for `onMessage` (the child's stdout is then inherited, else piped for `listening`). */
  readonly ipc?: boolean;
  /** Node flags before the script (`--cpu-prof` ...). */
  readonly nodeArgs?: readonly string[];
  /** Plain Node, without tsx (a built script). */
  readonly plain?: boolean;
  readonly env?: Readonly<Record<string, string>>;
  /** Run on these CPUs only (`taskset -c <cpus>` at exec: every thread inherits it; Linux, util-linux). */
  readonly cpus?: string;
}

/** `node [nodeArgs] [--import tsx] ...args`, logging at warn. */
export function spawnNode(args: readonly string[], options: SpawnNodeOptions = {}): ChildProcess {
  const loader = options.plain ? [] : ["--import", TSX];
  const node = [process.execPath, ...(options.nodeArgs ?? []), ...loader, ...args];
  const [command, ...rest] = options.cpus === undefined ? node : ["taskset", "-c", options.cpus, ...node];
  return spawn(command as string, rest, {
    stdio: options.ipc ? ["ignore", "inherit", "inherit", "ipc"] : ["ignore", "pipe", "inherit"],
    env: { ...process.env, DEPTHROOM_LOG_LEVEL: "warn", ...options.env },
  });
}

/** The URL of the `{"msg":"listening","url":...}` line a relay prints on its piped stdout. */
export function listening(child: ChildProcess): Promise<string> {
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

/** Our relay from source on a free port over `dataDir`, and its URL once it listens. */
export async function startRelayProcess(
  dataDir: string,
  env?: Readonly<Record<string, string>>,
): Promise<{ child: ChildProcess; url: string }> {
  const child = spawnNode([RELAY_MAIN, "--port", "0", "--data", dataDir, "--log-level", "warn"], { env });
  return { child, url: await listening(child) };
}

/** The first message of `type` a child sends over IPC; rejects if it exits first. */
export function onMessage<T>(child: ChildProcess, type: string): Promise<T> {
  return new Promise((resolve, reject) => {
    const listener = (m: { type?: string }) => {
      if (m.type !== type) return;
      child.off("message", listener);
      resolve(m as T);
    };
    child.on("message", listener);
    child.once("exit", (code) => reject(new Error(`child process exited (${code}) before "${type}"`)));
  });
}

/**
 * From schedstat (ns, summed over the process's threads): seconds on a CPU, and seconds spent runnable
 * but waiting for a CPU (high when the machine is overloaded: latency then says more about the machine).
 * Zero for a process that has ended (or none).
 */
export function schedOf(pid: number | undefined): { cpu: number; wait: number } {
  let cpu = 0;
  let wait = 0;
  if (pid === undefined) return { cpu, wait };
  let tasks: string[];
  try {
    tasks = readdirSync(`/proc/${pid}/task`);
  } catch {
    return { cpu, wait }; // The process ended.
  }
  for (const task of tasks) {
    try {
      const [onCpu, waiting] = readFileSync(`/proc/${pid}/task/${task}/schedstat`, "utf8").split(" ");
      cpu += Number(onCpu) / 1e9;
      wait += Number(waiting) / 1e9;
    } catch {
      // The thread ended meanwhile.
    }
  }
  return { cpu, wait };
}

/** CPU seconds of a process, summed over its threads. */
export const cpuSeconds = (pid: number | undefined): number => schedOf(pid).cpu;

/**
 * Minor page faults of a process so far (/proc/<pid>/stat field 10; 0 once it ended). A fresh buffer of
 * a frame's size faults in every page on first touch: where a process's allocator hands back new pages
 * per frame (glibc serves blocks over its mmap threshold with mmap, and adapts that threshold as it
 * goes), the same work costs several times the CPU, which is what makes one run differ from the next.
 */
/** minflt, field 10 of /proc/<pid>/stat, counted from field 3 (the first after the command name). */
const MINFLT_AFTER_COMMAND = 10 - 3;

export function minorFaults(pid: number | undefined): number {
  if (pid === undefined) return 0;
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, "utf8");
    // The command name (field 2) is in parentheses and may hold spaces: fields are counted after its ")".
    return Number(stat.slice(stat.lastIndexOf(")") + 2).split(" ")[MINFLT_AFTER_COMMAND] ?? 0);
  } catch {
    return 0;
  }
}

/** Resident memory of a process, in MB. */
export function rssMB(pid: number): number {
  const match = /VmRSS:\s+(\d+) kB/.exec(readFileSync(`/proc/${pid}/status`, "utf8"));
  return Number(match?.[1] ?? 0) / 1024;
}

/** The `p` quantile (0..1) of ascending `sorted`; NaN when empty. */
export const percentile = (sorted: readonly number[], p: number): number =>
  sorted[Math.min(sorted.length - 1, Math.floor(sorted.length * p))] ?? Number.NaN;
