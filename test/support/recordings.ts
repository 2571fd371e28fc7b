import { type ChildProcess, spawn } from "node:child_process";
import { fileURLToPath } from "node:url";
import { type DepthImage, decodeMessage, type LogMessage } from "@depthroom/schema";
import type { CliResult } from "./sdk.ts";

/* Helpers for the recording tests: a CLI child process that runs until stopped, and message lookups. */

const bin = fileURLToPath(new URL("../../packages/sdk/bin/depthroom.mjs", import.meta.url));
const repoRoot = fileURLToPath(new URL("../../", import.meta.url));

export interface RunningCli {
  readonly child: ChildProcess;
  /** Send SIGINT (Ctrl-C) and wait for the exit. */
  stop(): Promise<CliResult>;
  readonly done: Promise<CliResult>;
}

/** Start `depthroom <args>` and leave it running (e.g. `stream --loop`). */
export function startCli(args: readonly string[]): RunningCli {
  const env: Record<string, string | undefined> = { ...process.env };
  delete env.DEPTHROOM_LINK;
  delete env.DEPTHROOM_RELAY;
  const child = spawn(process.execPath, [bin, ...args], {
    cwd: repoRoot,
    env,
    stdio: ["ignore", "pipe", "pipe"],
  });
  let stdout = "";
  let stderr = "";
  child.stdout?.on("data", (chunk: Buffer) => {
    stdout += chunk.toString("utf8");
  });
  child.stderr?.on("data", (chunk: Buffer) => {
    stderr += chunk.toString("utf8");
  });
  const done = new Promise<CliResult>((resolve) =>
    child.once("close", (code) => resolve({ code, stdout, stderr })),
  );
  return {
    child,
    done,
    stop() {
      if (child.exitCode === null && child.signalCode === null) child.kill("SIGINT");
      const timer = setTimeout(() => child.kill("SIGKILL"), 10_000);
      return done.finally(() => clearTimeout(timer));
    },
  };
}

export function decodeAll(batch: readonly Uint8Array[]): LogMessage[] {
  return batch.map((bytes) => decodeMessage(bytes));
}

export function timeOf(m: LogMessage, timeline: string): bigint | undefined {
  return m.timelines.find((t) => t.timeline === timeline)?.value;
}

export function depthOf(messages: readonly LogMessage[], entityPath: string): LogMessage | undefined {
  return messages.find((m) => m.entityPath === entityPath && m.archetype.kind === "DepthImage");
}

export function depthData(m: LogMessage): DepthImage["data"] {
  return (m.archetype as DepthImage).data;
}

/** Exact equality of two typed arrays, by their bytes (vitest's toEqual is slow on big arrays). */
export function sameValues(a: ArrayBufferView | undefined, b: ArrayBufferView | undefined): boolean {
  if (!a || !b || a.constructor !== b.constructor) return false;
  return Buffer.from(a.buffer, a.byteOffset, a.byteLength).equals(
    Buffer.from(b.buffer, b.byteOffset, b.byteLength),
  );
}
