import { type ChildProcess, spawn } from "node:child_process";
import { mkdtemp, rm } from "node:fs/promises";
import { createRequire } from "node:module";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { pathToFileURL } from "node:url";
import { type LogLevel, type RelayLimits, type RunningRelay, startRelay } from "@depthroom/relay";
import type { CreateSessionRequest, CreateSessionResponse } from "@depthroom/schema";
import { afterAll, beforeAll } from "vitest";
import type { Cleanup } from "./cleanups.ts";

/*
 * Relays for tests: in-process on port 0 with a temporary data directory, or a real child process
 * (for restart and kill -9 tests). Both are torn down by `close()` / `stop()`.
 */

export interface TestRelay {
  readonly url: string;
  readonly relay: RunningRelay;
  readonly dataDir: string;
  /** POST /api/sessions on this relay. */
  createSession(request?: CreateSessionRequest): Promise<CreateSessionResponse>;
  /** Close the relay and delete its temporary data directory (unless the caller gave one). */
  close(): Promise<void>;
}

export interface TestRelayOptions {
  readonly limits?: Partial<RelayLimits>;
  /** Default "warn" (tests stay quiet). */
  readonly logLevel?: LogLevel;
  /** Use this data directory (kept on close) instead of a temporary one. */
  readonly dataDir?: string;
  readonly webUrl?: string;
  /** RelayOptions.createToken / trustedProxies. */
  readonly createToken?: string;
  readonly trustedProxies?: readonly string[];
}

export async function makeTempDir(prefix = "depthroom-test-"): Promise<string> {
  return mkdtemp(join(tmpdir(), prefix));
}

/** A temporary directory for one test, deleted with everything in it by `cleanups`. */
export async function scratchDir(cleanups: Cleanup[], prefix?: string): Promise<string> {
  const dir = await makeTempDir(prefix);
  cleanups.push(() => rm(dir, { recursive: true, force: true }));
  return dir;
}

export async function createSession(
  url: string,
  request: CreateSessionRequest = {},
): Promise<CreateSessionResponse> {
  const response = await fetch(`${url}/api/sessions`, {
    method: "POST",
    headers: { "Content-Type": "application/json" },
    body: JSON.stringify(request),
  });
  if (response.status !== 201)
    throw new Error(`POST /api/sessions: ${response.status} ${await response.text()}`);
  return (await response.json()) as CreateSessionResponse;
}

export async function startTestRelay(options: TestRelayOptions = {}): Promise<TestRelay> {
  const ownDir = options.dataDir === undefined;
  const dataDir = options.dataDir ?? (await makeTempDir());
  const relay = await startRelay({
    port: 0,
    dataDir,
    logLevel: options.logLevel ?? "warn",
    ...(options.limits ? { limits: options.limits } : {}),
    ...(options.webUrl ? { webUrl: options.webUrl } : {}),
    ...(options.createToken ? { createToken: options.createToken } : {}),
    ...(options.trustedProxies ? { trustedProxies: options.trustedProxies } : {}),
  });
  return {
    url: relay.url,
    relay,
    dataDir,
    createSession: (request) => createSession(relay.url, request),
    async close() {
      await relay.close();
      if (ownDir) await rm(dataDir, { recursive: true, force: true });
    },
  };
}

/** A relay for one test (closed by `cleanups`) with one session created on it. */
export async function relayWithSession(
  cleanups: Cleanup[],
  options: TestRelayOptions = {},
  request: CreateSessionRequest = {},
): Promise<{ relay: TestRelay; session: CreateSessionResponse; links: CreateSessionResponse["links"] }> {
  const relay = await startTestRelay(options);
  cleanups.push(() => relay.close());
  const session = await relay.createSession(request);
  return { relay, session, links: session.links };
}

export interface RelayProcess {
  readonly url: string;
  readonly port: number;
  readonly pid: number;
  /** Everything the process printed so far (stdout and stderr). */
  output(): string;
  /** Send `signal` and resolve with the exit code (null when the signal killed it). */
  stop(signal?: NodeJS.Signals): Promise<number | null>;
}

export interface RelayProcessOptions {
  readonly dataDir: string;
  /** Default 0 (a free port); pass the port of a previous run to restart "in place". */
  readonly port?: number;
  readonly env?: Record<string, string>;
  /** How long to wait for the "listening" line (default 20 s). */
  readonly timeoutMs?: number;
}

const require = createRequire(import.meta.url);

/**
 * A relay child process for the calling describe block, on a temporary data directory: started in a
 * beforeAll, killed (SIGKILL) and its directory deleted in an afterAll. The returned function gives the
 * process inside the block's tests.
 */
export function relayProcessForBlock(options: Omit<RelayProcessOptions, "dataDir"> = {}): () => RelayProcess {
  let dataDir: string | undefined;
  let relay: RelayProcess | undefined;
  beforeAll(async () => {
    dataDir = await makeTempDir();
    relay = await spawnRelayProcess({ ...options, dataDir });
  });
  afterAll(async () => {
    await relay?.stop("SIGKILL");
    if (dataDir !== undefined) await rm(dataDir, { recursive: true, force: true });
  });
  return () => {
    if (!relay) throw new Error("relayProcessForBlock: the relay is read before its beforeAll ran");
    return relay;
  };
}

/** Start `src/main.ts` of @depthroom/relay with tsx in a child process; resolves once it listens. */
export function spawnRelayProcess(options: RelayProcessOptions): Promise<RelayProcess> {
  const main = require.resolve("@depthroom/relay/main");
  const tsx = pathToFileURL(require.resolve("tsx")).href;
  const child: ChildProcess = spawn(
    process.execPath,
    ["--import", tsx, main, "--port", String(options.port ?? 0), "--data", options.dataDir],
    {
      env: { ...process.env, DEPTHROOM_LOG_LEVEL: "info", ...options.env },
      stdio: ["ignore", "pipe", "pipe"],
    },
  );
  let output = "";
  const exited = new Promise<number | null>((resolve) => child.once("exit", (code) => resolve(code)));
  return new Promise<RelayProcess>((resolve, reject) => {
    const timer = setTimeout(() => {
      child.kill("SIGKILL");
      reject(new Error(`relay process did not start in time:\n${output}`));
    }, options.timeoutMs ?? 20_000);
    let started = false;
    const onData = (chunk: Buffer) => {
      output += chunk.toString("utf8");
      if (started) return;
      for (const line of output.split("\n")) {
        if (!line.includes('"listening"')) continue;
        try {
          const record = JSON.parse(line) as { msg?: string; url?: string };
          if (record.msg !== "listening" || typeof record.url !== "string") continue;
          started = true;
          clearTimeout(timer);
          const url = record.url;
          resolve({
            url,
            port: Number(new URL(url).port),
            pid: child.pid as number,
            output: () => output,
            stop(signal: NodeJS.Signals = "SIGTERM") {
              if (child.exitCode === null && child.signalCode === null) child.kill(signal);
              return exited;
            },
          });
          return;
        } catch {
          // A partial line; wait for more.
        }
      }
    };
    child.stdout?.on("data", onData);
    child.stderr?.on("data", onData);
    void exited.then((code) => {
      if (started) return;
      clearTimeout(timer);
      reject(new Error(`relay process exited with ${code} before listening:\n${output}`));
    });
  });
}
