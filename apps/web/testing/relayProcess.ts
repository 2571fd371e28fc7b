import { type ChildProcess, spawn } from "node:child_process";
import { mkdtemp, rm } from "node:fs/promises";
import { createRequire } from "node:module";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { pathToFileURL } from "node:url";
import type { CreateSessionResponse } from "@depthroom/schema";

/*
 * A relay in a child process for the web app's scripts (screenshots, benchmark): `@depthroom/relay`'s
 * command line run with tsx on a free port and a temporary data directory. The app does not import the
 * relay's code; it only starts the program, as a person would.
 */

const require = createRequire(import.meta.url);

export interface ChildRelay {
  readonly url: string;
  createSession(title?: string): Promise<CreateSessionResponse>;
  stop(): Promise<void>;
}

export async function startChildRelay(timeoutMs = 20_000): Promise<ChildRelay> {
  const dataDir = await mkdtemp(join(tmpdir(), "depthroom-web-"));
  const main = require.resolve("@depthroom/relay/main");
  const tsx = pathToFileURL(require.resolve("tsx")).href;
  const child: ChildProcess = spawn(
    process.execPath,
    ["--import", tsx, main, "--port", "0", "--data", dataDir],
    {
      env: { ...process.env, DEPTHROOM_LOG_LEVEL: "warn" },
      stdio: ["ignore", "pipe", "pipe"],
    },
  );
  const exited = new Promise<void>((resolve) => child.once("exit", () => resolve()));
  const stop = async () => {
    if (child.exitCode === null && child.signalCode === null) child.kill("SIGTERM");
    await exited;
    await rm(dataDir, { recursive: true, force: true });
  };
  let output = "";
  const url = await new Promise<string>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`the relay did not start:\n${output}`)), timeoutMs);
    const onData = (chunk: Buffer) => {
      output += chunk.toString("utf8");
      const match = /"msg":"listening".*?"url":"([^"]+)"/.exec(output);
      if (match) {
        clearTimeout(timer);
        resolve(match[1] as string);
      }
    };
    child.stdout?.on("data", onData);
    child.stderr?.on("data", onData);
    void exited.then(() => {
      clearTimeout(timer);
      reject(new Error(`the relay exited:\n${output}`));
    });
  }).catch(async (error) => {
    await stop();
    throw error;
  });
  return {
    url,
    async createSession(title) {
      const response = await fetch(`${url}/api/sessions`, {
        method: "POST",
        headers: { "content-type": "application/json" },
        body: JSON.stringify(title ? { title } : {}),
      });
      if (!response.ok) throw new Error(`POST /api/sessions: ${response.status} ${await response.text()}`);
      return (await response.json()) as CreateSessionResponse;
    },
    stop,
  };
}
