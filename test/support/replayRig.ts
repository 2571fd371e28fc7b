import { spawn } from "node:child_process";
import { createRequire } from "node:module";
import { fileURLToPath, pathToFileURL } from "node:url";

/* The heavy rig of replayRigMain.ts in a child process: spawned, its JSON lines parsed, stopped. */

export interface ReplayRigReady {
  readonly ready: true;
  /** Rendering and encoding every camera's frames, once, at start. */
  readonly encodeMs: number;
  /** Mean wire bytes of one frame, per camera. */
  readonly frameBytes: number[];
}

export interface ReplayRigReport {
  /** Ms since publishing began. */
  readonly t: number;
  readonly ticks: number;
  readonly published: number;
  readonly acked: number;
  readonly refused: number;
  /** Camera ticks skipped because that camera's previous publish was not yet acknowledged. */
  readonly skipped: number;
  /** CPU time of the rig process per wall time since publishing began (1 = one core). */
  readonly cpu: number;
}

export interface ReplayRig {
  /** Resolves once the cameras are on the relay and frames go out. */
  readonly ready: Promise<ReplayRigReady>;
  readonly reports: ReplayRigReport[];
  stop(): Promise<void>;
}

export interface ReplayRigOptions {
  readonly relayUrl: string;
  readonly session: string;
  readonly publishToken: string;
  readonly fps: number;
  readonly seconds: number;
  readonly sizes: readonly { readonly width: number; readonly height: number }[];
}

const require = createRequire(import.meta.url);

export function spawnReplayRig(options: ReplayRigOptions): ReplayRig {
  const main = fileURLToPath(new URL("./replayRigMain.ts", import.meta.url));
  const child = spawn(
    process.execPath,
    [
      "--import",
      pathToFileURL(require.resolve("tsx")).href,
      main,
      options.relayUrl,
      options.session,
      options.publishToken,
      String(options.fps),
      String(options.seconds),
      options.sizes.map((s) => `${s.width}x${s.height}`).join(","),
    ],
    { stdio: ["ignore", "pipe", "pipe"] },
  );
  const reports: ReplayRigReport[] = [];
  let stderr = "";
  let partial = "";
  let settle: { resolve(ready: ReplayRigReady): void; reject(error: Error): void } | undefined;
  const ready = new Promise<ReplayRigReady>((resolve, reject) => {
    settle = { resolve, reject };
  });
  child.stderr.on("data", (chunk: Buffer) => {
    stderr += chunk.toString("utf8");
  });
  child.stdout.on("data", (chunk: Buffer) => {
    const lines = (partial + chunk.toString("utf8")).split("\n");
    partial = lines.pop() ?? "";
    for (const line of lines) {
      const record = JSON.parse(line) as ReplayRigReady | ReplayRigReport;
      if ("ready" in record) settle?.resolve(record);
      else reports.push(record);
    }
  });
  const exited = new Promise<void>((resolve) => child.once("exit", () => resolve()));
  void exited.then(() => settle?.reject(new Error(`the replay rig exited before it was ready: ${stderr}`)));
  return {
    ready,
    reports,
    stop() {
      child.kill("SIGKILL"); // nothing happens to a process that has exited already
      return exited;
    },
  };
}
