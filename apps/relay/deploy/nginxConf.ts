import { readFileSync } from "node:fs";
import { resolve } from "node:path";
import { fileURLToPath } from "node:url";
import { parseArgs } from "node:util";

/*
 * Fills in deploy/nginx.conf: the relay nodes, the listen address and where nginx keeps its pid, logs
 * and temporary files. Used by the deployment guide (CLI below) and by the cluster tests and bench,
 * so what they run is the shipped file.
 *   tsx deploy/nginxConf.ts --listen 8080 --dir /var/lib/depthroom-nginx --relay 10.0.0.11:8787 [--relay ...]
 */

export interface NginxConfOptions {
  /** `listen` value: a port (8080) or address:port (0.0.0.0:80). */
  readonly listen: string | number;
  /** The relay nodes, host:port each (at least one). */
  readonly relays: readonly string[];
  /** Directory for the pid file, logs (access.log, error.log) and temporary files; must exist. */
  readonly dir: string;
  /** Default 1 (enough for thousands of WebSockets; raise with the cores you give nginx). */
  readonly workers?: number;
  /** Failures before a node is left out (default 3)... */
  readonly maxFails?: number;
  /** ...for this many seconds (default 10). */
  readonly failTimeoutSeconds?: number;
}

const TEMPLATE = fileURLToPath(new URL("./nginx.conf", import.meta.url));
const RELAY = /^[A-Za-z0-9.-]+:\d{1,5}$|^\[[0-9A-Fa-f:.]+\]:\d{1,5}$/;

export function renderNginxConf(options: NginxConfOptions): string {
  if (options.relays.length === 0) throw new RangeError("at least one relay node (host:port) is needed");
  for (const relay of options.relays) {
    if (!RELAY.test(relay)) throw new RangeError(`bad relay address "${relay.slice(0, 80)}": host:port`);
  }
  if (!/^([A-Za-z0-9.[\]:-]+:)?\d{1,5}$/.test(String(options.listen))) {
    throw new RangeError(`bad listen value "${String(options.listen).slice(0, 80)}"`);
  }
  const dir = resolve(options.dir);
  const maxFails = options.maxFails ?? 3;
  const failTimeout = options.failTimeoutSeconds ?? 10;
  const servers = options.relays
    .map((relay) => `    server ${relay} max_fails=${maxFails} fail_timeout=${failTimeout}s;`)
    .join("\n");
  const values: Record<string, string> = {
    workers: String(options.workers ?? 1),
    dir,
    listen: String(options.listen),
    servers,
  };
  const text = readFileSync(TEMPLATE, "utf8").replace(/\{\{(\w+)\}\}/g, (match, name: string) => {
    const value = values[name];
    if (value === undefined) throw new Error(`nginx.conf template: unknown placeholder ${match}`);
    return value;
  });
  return text;
}

// The CLI: print the rendered config.
if (process.argv[1] && resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  const usage =
    "usage: nginx-conf --listen <port|addr:port> --dir <dir> --relay <host:port> [--relay <host:port> ...] [--workers 1]";
  try {
    const { values } = parseArgs({
      options: {
        listen: { type: "string" },
        dir: { type: "string" },
        relay: { type: "string", multiple: true },
        workers: { type: "string" },
        help: { type: "boolean", short: "h" },
      },
      strict: true,
    });
    if (values.help) {
      process.stdout.write(`${usage}\n`);
      process.exit(0);
    }
    if (!values.listen || !values.dir || !values.relay)
      throw new Error("--listen, --dir and --relay are required");
    const workers = values.workers === undefined ? undefined : Number(values.workers);
    if (workers !== undefined && !(Number.isInteger(workers) && workers > 0))
      throw new Error("bad --workers");
    process.stdout.write(
      renderNginxConf({
        listen: values.listen,
        dir: values.dir,
        relays: values.relay,
        ...(workers ? { workers } : {}),
      }),
    );
  } catch (error) {
    process.stderr.write(`${error instanceof Error ? error.message : String(error)}\n${usage}\n`);
    process.exit(2);
  }
}
