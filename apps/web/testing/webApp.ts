import { type ChildProcess, spawn } from "node:child_process";
import { createHash } from "node:crypto";
import { existsSync, readdirSync, readFileSync, statSync, writeFileSync } from "node:fs";
import { createRequire } from "node:module";
import { join, relative } from "node:path";
import { fileURLToPath } from "node:url";
import { freePort } from "@depthroom/schema/testing";

/*
 * The web app for browser tests, screenshots and benchmarks: a production build (`next build`, made
 * once and reused while its inputs are unchanged) served by `next start` on a free port.
 */

const webDir = fileURLToPath(new URL("..", import.meta.url));
const repoDir = join(webDir, "..", "..");
const require = createRequire(import.meta.url);
const nextBin = require.resolve("next/dist/bin/next");
// The build directory: `.next`, or `DEPTHROOM_NEXT_DIST_DIR` (read by next.config.ts too).
const distDir = join(webDir, process.env.DEPTHROOM_NEXT_DIST_DIR ?? ".next");
const STAMP = join(distDir, "depthroom-build-stamp");
const BUILD_ID = join(distDir, "BUILD_ID");

/** What the build depends on: the app's sources and config, and the workspace packages it bundles. */
const INPUTS = [
  "apps/web/src",
  "apps/web/next.config.ts",
  "apps/web/package.json",
  "packages/schema/src",
  "packages/schema/package.json",
  "packages/sdk/src",
  "packages/sdk/package.json",
  "package-lock.json",
];

function walk(path: string, out: string[]): void {
  if (!existsSync(path)) return;
  if (statSync(path).isDirectory()) {
    for (const name of readdirSync(path).sort()) {
      if (name === "node_modules" || name.endsWith(".test.ts")) continue;
      walk(join(path, name), out);
    }
  } else out.push(path);
}

/** A hash of every build input's path and content. */
export function buildInputsHash(): string {
  const files: string[] = [];
  for (const input of INPUTS) walk(join(repoDir, input), files);
  const hash = createHash("sha256");
  for (const file of files) {
    hash.update(relative(repoDir, file));
    hash.update(readFileSync(file));
  }
  return hash.digest("hex");
}

function run(args: string[], env: Record<string, string>): Promise<{ code: number | null; output: string }> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [nextBin, ...args], {
      cwd: webDir,
      env: { ...process.env, NEXT_TELEMETRY_DISABLED: "1", ...env },
      stdio: ["ignore", "pipe", "pipe"],
    });
    let output = "";
    child.stdout?.on("data", (chunk: Buffer) => {
      output += chunk.toString("utf8");
    });
    child.stderr?.on("data", (chunk: Buffer) => {
      output += chunk.toString("utf8");
    });
    child.once("error", reject);
    child.once("exit", (code) => resolve({ code, output }));
  });
}

export interface BuildResult {
  /** False when an up-to-date build was reused. */
  readonly built: boolean;
  readonly ms: number;
}

/** The id `next build` gave the build in the build directory (a build made elsewhere changes it). */
function buildId(): string {
  return existsSync(BUILD_ID) ? readFileSync(BUILD_ID, "utf8").trim() : "";
}

/**
 * `next build` with the test hooks compiled in (`window.__depthroom`, `NEXT_PUBLIC_DEPTHROOM_TEST_HOOKS=1`;
 * a production build has none), unless the build directory already holds this build of the current
 * inputs (a plain `npm run build` or `npm start` since then is noticed by its build id). Typechecking
 * is left to `npm run typecheck` (set `typecheck: true` to have Next do it too).
 */
export async function buildWebApp(
  options: { force?: boolean; typecheck?: boolean } = {},
): Promise<BuildResult> {
  const start = performance.now();
  const hash = buildInputsHash();
  if (!options.force && existsSync(STAMP) && readFileSync(STAMP, "utf8") === `${hash} ${buildId()}`) {
    return { built: false, ms: performance.now() - start };
  }
  const env: Record<string, string> = { NEXT_PUBLIC_DEPTHROOM_TEST_HOOKS: "1" };
  if (!options.typecheck) env.DEPTHROOM_SKIP_TYPECHECK = "1";
  const { code, output } = await run(["build"], env);
  if (code !== 0) throw new Error(`next build failed (${code}):\n${output.slice(-4000)}`);
  writeFileSync(STAMP, `${hash} ${buildId()}`);
  return { built: true, ms: performance.now() - start };
}

export interface RunningWebApp {
  /** e.g. `http://127.0.0.1:41234` */
  readonly url: string;
  readonly pid: number;
  stop(): Promise<void>;
}

/** `next start` on a free port (or `port`), resolved once it answers `/`. */
export async function startWebApp(
  options: { port?: number; timeoutMs?: number } = {},
): Promise<RunningWebApp> {
  const port = options.port ?? (await freePort());
  const url = `http://127.0.0.1:${port}`;
  const child: ChildProcess = spawn(
    process.execPath,
    [nextBin, "start", "-p", String(port), "-H", "127.0.0.1"],
    {
      cwd: webDir,
      env: { ...process.env, NEXT_TELEMETRY_DISABLED: "1" },
      stdio: ["ignore", "pipe", "pipe"],
    },
  );
  let output = "";
  const collect = (chunk: Buffer) => {
    output += chunk.toString("utf8");
  };
  child.stdout?.on("data", collect);
  child.stderr?.on("data", collect);
  const exited = new Promise<void>((resolve) => child.once("exit", () => resolve()));
  const stop = async () => {
    if (child.exitCode === null && child.signalCode === null) child.kill("SIGTERM");
    const timer = setTimeout(() => child.kill("SIGKILL"), 5000);
    await exited;
    clearTimeout(timer);
  };
  const deadline = Date.now() + (options.timeoutMs ?? 30_000);
  while (Date.now() < deadline) {
    if (child.exitCode !== null) throw new Error(`next start exited with ${child.exitCode}:\n${output}`);
    try {
      const response = await fetch(`${url}/`);
      if (response.ok) return { url, pid: child.pid as number, stop };
    } catch {
      // Not listening yet.
    }
    await new Promise((resolve) => setTimeout(resolve, 200));
  }
  await stop();
  throw new Error(`next start did not answer within the timeout:\n${output}`);
}
