import { spawn } from "node:child_process";
import { fileURLToPath } from "node:url";
import type { LogMessage } from "@depthroom/schema";
import { type SubscribeOptions, type Subscription, subscribe } from "@depthroom/sdk";

/*
 * Helpers for the SDK and CLI tests: run the real `depthroom` CLI as a child process, and collect what
 * a real SDK subscriber receives.
 */

export const repoRoot = fileURLToPath(new URL("../../", import.meta.url));
const bin = fileURLToPath(new URL("../../packages/sdk/bin/depthroom.mjs", import.meta.url));

export interface CliResult {
  readonly code: number | null;
  readonly stdout: string;
  readonly stderr: string;
}

/** Run `depthroom <args>` (bin/depthroom.mjs, as `npx depthroom` does) from the repo root. */
export function runCli(
  args: readonly string[],
  options: { env?: Record<string, string>; timeoutMs?: number } = {},
): Promise<CliResult> {
  return new Promise((resolve, reject) => {
    const env: Record<string, string | undefined> = { ...process.env, ...options.env };
    delete env.DEPTHROOM_LINK;
    delete env.DEPTHROOM_RELAY;
    delete env.DEPTHROOM_DEBUG;
    delete env.DEPTHROOM_ADMIN_TOKEN;
    Object.assign(env, options.env);
    const child = spawn(process.execPath, [bin, ...args], {
      cwd: repoRoot,
      env,
      stdio: ["ignore", "pipe", "pipe"],
    });
    let stdout = "";
    let stderr = "";
    child.stdout.on("data", (chunk: Buffer) => {
      stdout += chunk.toString("utf8");
    });
    child.stderr.on("data", (chunk: Buffer) => {
      stderr += chunk.toString("utf8");
    });
    const timer = setTimeout(() => {
      child.kill("SIGKILL");
      reject(
        new Error(`depthroom ${args.join(" ")} did not finish in time\nstdout: ${stdout}\nstderr: ${stderr}`),
      );
    }, options.timeoutMs ?? 30_000);
    child.once("error", reject);
    child.once("close", (code) => {
      clearTimeout(timer);
      resolve({ code, stdout, stderr });
    });
  });
}

/** A subscriber that keeps every message; resolves once the relay accepted the subscription. */
export async function collect(
  link: string,
  options: SubscribeOptions = {},
): Promise<{ messages: LogMessage[]; subscription: Subscription }> {
  const messages: LogMessage[] = [];
  const subscription = subscribe(
    { link },
    (m) => {
      messages.push(m);
    },
    options,
  );
  await subscription.ready;
  return { messages, subscription };
}

export async function waitUntil(check: () => boolean, timeoutMs: number, what: string): Promise<void> {
  const started = Date.now();
  while (!check()) {
    if (Date.now() - started > timeoutMs)
      throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
}

/** No stack trace: no "    at fn (file:line)" lines and no "Error:" dumps. */
export function hasStackTrace(text: string): boolean {
  return /^\s+at .+[:(]/m.test(text) || /node:internal/.test(text);
}
