import { type ChildProcess, spawn } from "node:child_process";
import { createRequire } from "node:module";
import { pathToFileURL } from "node:url";

/*
 * Viewers in a child process (as browsers would be): the parent test keeps only what it measures.
 * `spawnViewers` starts viewerMain.ts and parses its JSON lines.
 */

export interface ViewerFrame {
  readonly viewer: number;
  /** The depth image's entity path. */
  readonly entity: string;
  readonly sequence: number;
  /** Wall-clock ms when the frame arrived, and its age then. */
  readonly at: number;
  readonly lagMs: number;
}

export interface ViewerProcess {
  readonly frames: ViewerFrame[];
  /** Resolves when every viewer has subscribed. */
  readonly ready: Promise<void>;
  stop(): Promise<void>;
}

export interface ViewerProcessOptions {
  readonly url: string;
  readonly session: string;
  readonly token: string;
  readonly count: number;
  /** Each viewer's thread sleeps this long after every frame before it acks (0 = ack at once). */
  readonly stallMs?: number;
  /** Subscribe to these entity paths only (and their descendants); everything when absent. */
  readonly entities?: readonly string[];
}

const require = createRequire(import.meta.url);

export function spawnViewers(options: ViewerProcessOptions): ViewerProcess {
  const child: ChildProcess = spawn(
    process.execPath,
    [
      "--import",
      pathToFileURL(require.resolve("tsx")).href,
      new URL("./viewerMain.ts", import.meta.url).pathname,
      options.url,
      options.session,
      options.token,
      String(options.count),
      String(options.stallMs ?? 0),
      options.entities?.join(",") ?? "",
    ],
    { stdio: ["ignore", "pipe", "pipe"] },
  );
  const frames: ViewerFrame[] = [];
  let errors = "";
  let buffered = "";
  let readyCount = 0;
  let onReady: () => void = () => {};
  let onFail: (error: Error) => void = () => {};
  const ready = new Promise<void>((resolve, reject) => {
    onReady = resolve;
    onFail = reject;
  });
  child.stderr?.on("data", (chunk: Buffer) => {
    errors += chunk.toString("utf8");
  });
  child.stdout?.on("data", (chunk: Buffer) => {
    buffered += chunk.toString("utf8");
    const lines = buffered.split("\n");
    buffered = lines.pop() ?? "";
    for (const line of lines) {
      const record = JSON.parse(line) as ViewerFrame | { ready: boolean };
      if ("ready" in record) {
        if (!record.ready) onFail(new Error("a viewer's subscribe was refused"));
        else if (++readyCount === options.count) onReady();
      } else {
        frames.push(record);
      }
    }
  });
  const exited = new Promise<void>((resolve) => child.once("exit", () => resolve()));
  void exited.then(() => onFail(new Error(`viewer process exited early: ${errors}`)));
  return {
    frames,
    ready,
    async stop() {
      if (child.exitCode === null && child.signalCode === null) child.kill("SIGKILL");
      await exited;
    },
  };
}
