import { type ChildProcess, execFileSync, spawn } from "node:child_process";
import { chmod, readFile, rm, writeFile } from "node:fs/promises";
import { connect } from "node:net";
import { join } from "node:path";
import { renderNginxConf } from "@depthroom/relay/nginx";
import { freePort } from "@depthroom/schema/testing";
import { makeTempDir } from "./relay.ts";

/*
 * A real nginx (Debian's, installed by .ci/run) in front of relay nodes, with the shipped config
 * (apps/relay/deploy/nginx.conf) rendered for this run: its own prefix directory, a free port, in
 * the foreground (`daemon off`), stopped and deleted by `stop()`. The system nginx service is never
 * touched.
 */

export interface NginxProcess {
  readonly url: string;
  readonly port: number;
  readonly pid: number;
  /** nginx's access log so far (the `depthroom` format: session=<key> upstream=<node>). */
  accessLog(): Promise<string>;
  /** nginx's error log so far (the config's `error_log`, and startup errors). */
  errorLog(): Promise<string>;
  /** Rewrite the config for these relay nodes, check it and reload (SIGHUP), as an operator adding a node does. */
  reload(relays: readonly string[]): Promise<void>;
  stop(): Promise<void>;
}

function nginxBinary(): string {
  for (const candidate of ["nginx", "/usr/sbin/nginx"]) {
    try {
      execFileSync(candidate, ["-v"], { stdio: "ignore" });
      return candidate;
    } catch {
      // Try the next one.
    }
  }
  throw new Error("nginx is not installed: `apt-get install -y nginx-light` (CI does it in .ci/run)");
}

function accepts(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = connect({ host: "127.0.0.1", port });
    socket.once("connect", () => {
      socket.destroy();
      resolve(true);
    });
    socket.once("error", () => resolve(false));
  });
}

export async function startNginx(relays: readonly string[]): Promise<NginxProcess> {
  const binary = nginxBinary();
  const dir = await makeTempDir("depthroom-nginx-");
  // Workers run as `nobody` when the master is root: let them reach the temporary directories.
  await chmod(dir, 0o755);
  let lastError = "";
  for (let attempt = 0; attempt < 3; attempt++) {
    const port = await freePort();
    const conf = join(dir, "nginx.conf");
    await writeFile(conf, renderNginxConf({ listen: `127.0.0.1:${port}`, relays, dir }));
    const child: ChildProcess = spawn(
      binary,
      ["-p", dir, "-c", conf, "-e", join(dir, "error.log"), "-g", "daemon off;"],
      { stdio: ["ignore", "ignore", "pipe"] },
    );
    let stderr = "";
    child.stderr?.on("data", (chunk: Buffer) => {
      stderr += chunk.toString("utf8");
    });
    const exited = new Promise<void>((resolve) => child.once("exit", () => resolve()));
    let running = true;
    void exited.then(() => {
      running = false;
    });
    const deadline = Date.now() + 5000;
    while (running && Date.now() < deadline && !(await accepts(port))) {
      await new Promise((resolve) => setTimeout(resolve, 25));
    }
    if (running && (await accepts(port))) {
      return {
        url: `http://127.0.0.1:${port}`,
        port,
        pid: child.pid as number,
        accessLog: () => readFile(join(dir, "access.log"), "utf8").catch(() => ""),
        errorLog: () => readFile(join(dir, "error.log"), "utf8").catch(() => ""),
        async reload(next) {
          await writeFile(conf, renderNginxConf({ listen: `127.0.0.1:${port}`, relays: next, dir }));
          execFileSync(binary, ["-t", "-q", "-p", dir, "-c", conf, "-e", join(dir, "error.log")]);
          // The master starts workers with the new config; the old ones finish their requests. The
          // caller waits for what it expects to change.
          child.kill("SIGHUP");
        },
        async stop() {
          if (running) {
            child.kill("SIGTERM");
            const timer = setTimeout(() => child.kill("SIGKILL"), 3000);
            await exited;
            clearTimeout(timer);
          }
          await rm(dir, { recursive: true, force: true });
        },
      };
    }
    if (running) child.kill("SIGKILL");
    await exited;
    lastError = `${stderr}${await readFile(join(dir, "error.log"), "utf8").catch(() => "")}`;
    if (!/Address already in use/.test(lastError)) break;
  }
  await rm(dir, { recursive: true, force: true });
  throw new Error(`nginx did not start:\n${lastError}`);
}
