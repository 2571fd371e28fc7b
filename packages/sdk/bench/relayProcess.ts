import { type ChildProcess, spawn } from "node:child_process";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";

/**
 * The workspace's relay (`npm run start -w @depthroom/relay`) on a free port with a temporary data
 * directory, in its own process group, for benches; `stop()` ends it and removes the directory.
 */
export async function startRelay(): Promise<{ url: string; stop(): void }> {
  const dataDir = mkdtempSync(join(tmpdir(), "depthroom-bench-"));
  const child: ChildProcess = spawn(
    "npm",
    [
      "run",
      "start",
      "--silent",
      "-w",
      "@depthroom/relay",
      "--",
      "--port",
      "0",
      "--data",
      dataDir,
      "--log-level",
      "info",
    ],
    {
      stdio: ["ignore", "pipe", "inherit"],
      detached: true,
      env: { ...process.env, DEPTHROOM_LOG_LEVEL: "info" },
    },
  );
  const stop = () => {
    try {
      if (child.pid) process.kill(-child.pid, "SIGTERM"); // the npm process group we started
    } catch {}
    rmSync(dataDir, { recursive: true, force: true });
  };
  const url = await new Promise<string>((resolve, reject) => {
    let output = "";
    const timer = setTimeout(() => reject(new Error(`relay did not start:\n${output}`)), 30_000);
    child.stdout?.on("data", (chunk: Buffer) => {
      output += chunk.toString("utf8");
      const match = /"msg":"listening".*?"url":"([^"]+)"/.exec(output);
      if (match) {
        clearTimeout(timer);
        resolve(match[1] as string);
      }
    });
    child.once("exit", (code) => reject(new Error(`relay exited with ${code}:\n${output}`)));
  });
  return { url, stop };
}

/**
 * A bench over a relay: the one at `relayUrl` (`--relay`), else one started here. Prints `header`, runs
 * each case (its row printed as JSON when done), then all rows as a table; stops the relay and exits.
 */
export async function benchOverRelay<C, R>(
  relayUrl: string | undefined,
  header: (url: string) => string,
  cases: readonly C[],
  run: (url: string, one: C) => Promise<R>,
): Promise<never> {
  const relay = relayUrl ? { url: relayUrl, stop() {} } : await startRelay();
  try {
    console.log(header(relay.url));
    const rows: R[] = [];
    for (const one of cases) {
      const row = await run(relay.url, one);
      console.log(JSON.stringify(row));
      rows.push(row);
    }
    console.table(rows);
  } finally {
    relay.stop();
  }
  process.exit(0);
}
