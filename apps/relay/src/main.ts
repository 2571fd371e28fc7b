import { parseArgs } from "node:util";
import { isLogLevel } from "./log.ts";
import { startRelay } from "./relay.ts";
import { scaleOutFromEnv } from "./scaleOut.ts";

/*
 * The relay's command line:
 *   tsx src/main.ts [--port 8787] [--host 127.0.0.1] [--data <dir>] [--web-url <url>] [--public-url <url>]
 * Environment (flags win): PORT, HOST, DEPTHROOM_DATA, DEPTHROOM_WEB_URL, DEPTHROOM_PUBLIC_URL,
 * DEPTHROOM_SECRET, DEPTHROOM_ADMIN_TOKEN, DEPTHROOM_CREATE_TOKEN, DEPTHROOM_TRUSTED_PROXIES,
 * DEPTHROOM_SESSION_IDLE_DAYS, DEPTHROOM_LOG_LEVEL, and for several nodes DEPTHROOM_DATABASE_URL, DEPTHROOM_REDIS_URL,
 * DEPTHROOM_NODE_ID (scaleOut.ts), DEPTHROOM_RECORDINGS (or --recordings <dir>: the .mcap files, default
 * <data>/recordings). Prints one JSON line `{"msg":"listening","url":...}` when ready;
 * SIGTERM / SIGINT persist, close every socket with "going away" and exit 0.
 */

const usage =
  "usage: relay [--port 8787] [--host 127.0.0.1] [--data <dir>] [--web-url <url>] [--public-url <url>] [--recordings <dir>] [--log-level info]";

function fail(message: string): never {
  process.stderr.write(`${message}\n${usage}\n`);
  process.exit(2);
}

let parsed: ReturnType<typeof parse>;
function parse() {
  return parseArgs({
    options: {
      port: { type: "string" },
      host: { type: "string" },
      data: { type: "string" },
      recordings: { type: "string" },
      "web-url": { type: "string" },
      "public-url": { type: "string" },
      "log-level": { type: "string" },
      help: { type: "boolean", short: "h" },
    },
    strict: true,
  });
}
try {
  parsed = parse();
} catch (error) {
  fail(error instanceof Error ? error.message : String(error));
}
const { values } = parsed;
if (values.help) {
  process.stdout.write(`${usage}\n`);
  process.exit(0);
}

const env = process.env;
const portText = values.port ?? env.PORT ?? "8787";
const port = Number(portText);
if (!Number.isInteger(port) || port < 0 || port > 65535) fail(`bad port "${portText}"`);
const logLevel = values["log-level"] ?? env.DEPTHROOM_LOG_LEVEL ?? "info";
if (!isLogLevel(logLevel)) fail(`bad log level "${logLevel}"`);
const secret = env.DEPTHROOM_SECRET || undefined;
if (secret !== undefined && secret.length < 16) fail("DEPTHROOM_SECRET must have at least 16 characters");
const createToken = env.DEPTHROOM_CREATE_TOKEN || undefined;
if (createToken !== undefined && createToken.length < 16)
  fail("DEPTHROOM_CREATE_TOKEN must have at least 16 characters");
const trustedProxies = env.DEPTHROOM_TRUSTED_PROXIES || undefined;
const idleDaysText = env.DEPTHROOM_SESSION_IDLE_DAYS;
const idleDays = idleDaysText === undefined || idleDaysText === "" ? undefined : Number(idleDaysText);
if (idleDays !== undefined && !(idleDays > 0)) fail(`bad DEPTHROOM_SESSION_IDLE_DAYS "${idleDaysText}"`);
const adminToken = env.DEPTHROOM_ADMIN_TOKEN || undefined;
if (adminToken !== undefined && adminToken.length < 16)
  fail("DEPTHROOM_ADMIN_TOKEN must have at least 16 characters");

// Several nodes (PostgreSQL, Redis, node id) when the environment asks for it: see scaleOut.ts.
const scaleOut = await scaleOutFromEnv(env, secret, logLevel).catch((error: unknown) => {
  process.stderr.write(
    `${JSON.stringify({ time: new Date().toISOString(), level: "error", msg: "failed to start", error: String(error) })}\n`,
  );
  process.exit(1);
});

const relay = await startRelay({
  port,
  host: values.host ?? env.HOST ?? "127.0.0.1",
  dataDir: values.data ?? env.DEPTHROOM_DATA ?? ".depthroom/relay",
  webUrl: values["web-url"] ?? env.DEPTHROOM_WEB_URL ?? "http://localhost:3000",
  publicUrl: values["public-url"] ?? env.DEPTHROOM_PUBLIC_URL ?? undefined,
  recordingsDir: values.recordings ?? env.DEPTHROOM_RECORDINGS ?? undefined,
  secret,
  logLevel,
  ...(adminToken !== undefined ? { adminToken } : {}),
  ...(createToken !== undefined ? { createToken } : {}),
  ...(trustedProxies !== undefined ? { trustedProxies } : {}),
  ...(idleDays !== undefined ? { limits: { sessionIdleExpiryMs: idleDays * 24 * 3600 * 1000 } } : {}),
  ...scaleOut,
}).catch((error: unknown) => {
  process.stderr.write(
    `${JSON.stringify({ time: new Date().toISOString(), level: "error", msg: "failed to start", error: String(error) })}\n`,
  );
  process.exit(1);
});

// The "listening" line is the readiness signal: print it even when the log level hides info lines.
if (logLevel !== "debug" && logLevel !== "info") {
  process.stdout.write(
    `${JSON.stringify({ time: new Date().toISOString(), level: "info", msg: "listening", url: relay.url })}\n`,
  );
}

let stopping = false;
const stop = (signal: string) => {
  if (stopping) return;
  stopping = true;
  const timer = setTimeout(() => process.exit(1), 10_000);
  timer.unref();
  relay.close().then(
    () => process.exit(0),
    (error: unknown) => {
      process.stderr.write(
        `${JSON.stringify({ level: "error", msg: "shutdown failed", signal, error: String(error) })}\n`,
      );
      process.exit(1);
    },
  );
};
process.on("SIGTERM", () => stop("SIGTERM"));
process.on("SIGINT", () => stop("SIGINT"));
