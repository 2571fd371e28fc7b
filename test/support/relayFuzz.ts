import { readFileSync } from "node:fs";
import { rm } from "node:fs/promises";
import { request as httpRequest } from "node:http";
import { connect } from "node:net";
import { Worker } from "node:worker_threads";
import { type CreateSessionResponse, docSocketProtocols, type PublishResult } from "@depthroom/schema";
import WebSocket from "ws";
import { connectFrames, type FrameSocket, openDoc, publish } from "./clients.ts";
import {
  awarenessMessages,
  docMessages,
  engineFrames,
  hostileBody,
  hostileHeaders,
  type McapCorpus,
  mcapCorpus,
  mcapUpload,
  method,
  Rng,
  requestTarget,
  validWireMessages,
  wireMessage,
} from "./fuzzInputs.ts";
import { createSession, makeTempDir, type RelayProcess, spawnRelayProcess } from "./relay.ts";

/*
 * The standing hostile-input suite (`npm run fuzz`, and a short run in `npm test`): a relay process is
 * fed seeded hostile input on every surface at once, for a bounded time:
 *   http-target   malformed request targets (raw TCP)
 *   http-headers  malformed, duplicated, oversized headers (raw TCP)
 *   http-body     every HTTP route with random methods, tokens and bodies
 *   socket.io     raw engine.io / socket.io frames, with and without tokens
 *   y-websocket   sync messages with bad payloads and lengths
 *   awareness     awareness updates with hostile states
 *   wire          corrupted wire messages from an admitted producer
 *   mcap          uploads: truncated, bit-flipped, lying chunk sizes, decompression bombs
 * Throughout: the process stays up, `/healthz` answers within the budget (probed every 50 ms from a
 * worker thread, so the fuzzer's own load does not count), RSS stays under the bound. At the end: a
 * session the fuzzer never had a token of is exactly as it was (document and recordings), and the
 * registry grew only by the sessions the relay said it created.
 */

export const CATEGORIES = [
  "http-target",
  "http-headers",
  "http-body",
  "socket.io",
  "y-websocket",
  "awareness",
  "wire",
  "mcap",
] as const;
export type Category = (typeof CATEGORIES)[number];

export interface FuzzOptions {
  readonly seed: number;
  readonly durationMs: number;
  /** Inputs in flight at once (default 6). */
  readonly concurrency?: number;
  /** `/healthz` must answer within this (default 100 ms)... */
  readonly healthzBudgetMs?: number;
  /** ...in all but this fraction of probes (default 0: every probe; a loaded CI box may want 0.05)... */
  readonly slowProbeAllowance?: number;
  /** ...and none may take longer than this (default: the 2 s probe timeout, a failure). */
  readonly healthzHardMaxMs?: number;
  /** The relay's RSS must stay under this (default 512 MiB). */
  readonly rssBoundBytes?: number;
  /** Only these categories (default all). */
  readonly categories?: readonly Category[];
  /** Progress lines (default none). */
  readonly log?: (line: string) => void;
}

export interface CategoryCounts {
  sent: number;
  /** 4xx answers, refusals in acks, closed sockets. */
  refused: number;
  /** 2xx answers, accepted messages. */
  accepted: number;
  /** The fuzzer's own failures to deliver (timeouts, resets): not the relay's fault unless it died. */
  errors: number;
}

export interface ProbeFigures {
  probes: number;
  failed: number;
  slow: number;
  maxMs: number;
  p99Ms: number;
}

export interface FuzzReport {
  readonly seed: number;
  readonly durationMs: number;
  readonly counts: Record<Category, CategoryCounts>;
  readonly healthz: ProbeFigures;
  /** The same probes against the idle relay for 3 s before the fuzz: the box's own latency. */
  readonly baseline: ProbeFigures;
  readonly rss: { startBytes: number; peakBytes: number; endBytes: number; boundBytes: number };
  /** Empty when the relay held: every broken expectation, in words. */
  readonly problems: string[];
}

interface Fixture {
  readonly relay: RelayProcess;
  /** The fuzzer's session: it has all its tokens. */
  readonly target: CreateSessionResponse;
  /** A session the fuzzer never gets a token of: it must not change. */
  readonly victim: CreateSessionResponse;
  readonly recordingId: string;
  readonly tokens: readonly string[];
  readonly corpus: McapCorpus;
  readonly wire: readonly Uint8Array[];
}

const OP_TIMEOUT_MS = 5000;
const PROBE_INTERVAL_MS = 50;

export async function runRelayFuzz(options: FuzzOptions): Promise<FuzzReport> {
  const log = options.log ?? (() => {});
  const budget = options.healthzBudgetMs ?? 100;
  const rssBound = options.rssBoundBytes ?? 512 * 1024 * 1024;
  const dataDir = await makeTempDir("depthroom-fuzz-");
  const relay = await spawnRelayProcess({ dataDir, env: { DEPTHROOM_LOG_LEVEL: "warn" } });
  const problems: string[] = [];
  try {
    const fixture = await prepare(relay);
    const before = await persistedState(fixture);
    const counts = Object.fromEntries(
      CATEGORIES.map((c) => [c, { sent: 0, refused: 0, accepted: 0, errors: 0 }]),
    ) as Record<Category, CategoryCounts>;
    // Sessions made through POST /api/sessions: answered 201, or sent (an answer may be lost to
    // pipelined garbage after a complete request: the session exists, the client saw a 400).
    let created = 0;
    let createAttempts = 0;

    const rss = { startBytes: rssOf(relay.pid), peakBytes: 0, endBytes: 0, boundBytes: rssBound };
    rss.peakBytes = rss.startBytes;
    const rssTimer = setInterval(() => {
      const now = rssOf(relay.pid);
      if (now > rss.peakBytes) rss.peakBytes = now;
    }, 200);
    // The box's own latency first: /healthz of the idle relay for 3 s (reported, not judged).
    const idle = startProber(`${relay.url}/healthz`, budget);
    await new Promise((resolve) => setTimeout(resolve, 3000));
    const baseline = await idle.stop();
    const prober = startProber(`${relay.url}/healthz`, budget);
    log(`fuzz: seed ${options.seed}, ${options.durationMs} ms against ${relay.url} (pid ${relay.pid})`);

    const deadline = Date.now() + options.durationMs;
    const root = new Rng(options.seed);
    const categories = options.categories ?? CATEGORIES;
    let mcapBusy = false;
    const lane = async (laneSeed: number) => {
      const rng = new Rng(laneSeed);
      let producer: FrameSocket | undefined;
      try {
        while (Date.now() < deadline && alive(relay.pid)) {
          let category = rng.pick(categories);
          if (category === "mcap" && mcapBusy) category = rng.pick(categories); // one upload at a time
          if (category === "mcap" && mcapBusy) {
            await new Promise((resolve) => setTimeout(resolve, 50));
            continue;
          }
          const tally = counts[category];
          tally.sent++;
          try {
            switch (category) {
              case "http-target":
              case "http-headers": {
                const text = rawRequest(rng, category, fixture);
                const answer = await rawHttp(relay.url, text);
                if (/^POST \/api\/sessions[ ?]/.test(text)) {
                  createAttempts++;
                  if (answer?.startsWith("HTTP/1.1 201")) created++;
                }
                tally[classify(answer)]++;
                break;
              }
              case "http-body": {
                const outcome = await routeRequest(rng, relay.url, fixture);
                if (outcome.creating) createAttempts++;
                if (outcome.created) created++;
                tally[outcome.kind]++;
                break;
              }
              case "socket.io":
                tally[await engineSocket(rng, relay.url, fixture)]++;
                break;
              case "y-websocket":
              case "awareness":
                tally[await docSocket(rng, relay.url, fixture, category)]++;
                break;
              case "wire": {
                if (!producer?.connected) {
                  producer?.close();
                  producer = (
                    await connectFrames(relay.url, fixture.target.id, fixture.target.tokens.publish)
                  ).socket;
                }
                const result = await withTimeout(publish(producer, wireMessage(rng, fixture.wire)));
                tally[
                  result === "timeout" ? "errors" : (result as PublishResult).ok ? "accepted" : "refused"
                ]++;
                break;
              }
              case "mcap":
                mcapBusy = true;
                try {
                  tally[await uploadMcap(rng, relay.url, fixture)]++;
                } finally {
                  mcapBusy = false;
                }
                break;
            }
          } catch {
            tally.errors++;
          }
        }
      } finally {
        producer?.close();
      }
    };
    await Promise.all(Array.from({ length: options.concurrency ?? 6 }, () => lane(root.int(2 ** 32))));

    const healthz = await prober.stop();
    clearInterval(rssTimer);
    rss.endBytes = alive(relay.pid) ? rssOf(relay.pid) : 0;
    if (!alive(relay.pid)) {
      problems.push(`the relay process died:\n${relay.output().slice(-3000)}`);
    } else {
      const after = await persistedState(fixture);
      if (after.victim !== before.victim)
        problems.push(`the victim session changed: ${before.victim} -> ${after.victim}`);
      if (after.sessions < before.sessions + created || after.sessions > before.sessions + createAttempts) {
        problems.push(
          `sessions: ${before.sessions} before, ${created} created (${createAttempts} asked), ${after.sessions} after`,
        );
      }
    }
    if (healthz.failed > 0) problems.push(`/healthz failed ${healthz.failed} of ${healthz.probes} probes`);
    const allowed = Math.floor(healthz.probes * (options.slowProbeAllowance ?? 0));
    if (healthz.slow > allowed) {
      problems.push(
        `/healthz slower than ${budget} ms in ${healthz.slow} of ${healthz.probes} probes (max ${healthz.maxMs.toFixed(0)} ms, allowed ${allowed})`,
      );
    }
    const hardMax = options.healthzHardMaxMs;
    if (hardMax !== undefined && healthz.maxMs > hardMax) {
      problems.push(`/healthz took ${healthz.maxMs.toFixed(0)} ms once, over the hard ${hardMax} ms`);
    }
    if (rss.peakBytes > rssBound) {
      problems.push(`RSS peaked at ${mib(rss.peakBytes)} MiB, over the ${mib(rssBound)} MiB bound`);
    }
    const fatal = relay
      .output()
      .split("\n")
      .filter((line) => /uncaught|unhandled|FATAL|heap out of memory/i.test(line));
    if (fatal.length > 0) problems.push(`the relay logged: ${fatal.slice(0, 3).join(" | ")}`);
    return { seed: options.seed, durationMs: options.durationMs, counts, baseline, healthz, rss, problems };
  } finally {
    await relay.stop("SIGKILL");
    await rm(dataDir, { recursive: true, force: true });
  }
}

export function formatFuzzReport(report: FuzzReport): string {
  const lines = [`relay fuzz: seed ${report.seed}, ${(report.durationMs / 1000).toFixed(0)} s`];
  lines.push("  category       sent  refused  accepted  errors");
  for (const category of CATEGORIES) {
    const c = report.counts[category];
    lines.push(
      `  ${category.padEnd(13)} ${String(c.sent).padStart(5)} ${String(c.refused).padStart(8)} ${String(c.accepted).padStart(9)} ${String(c.errors).padStart(7)}`,
    );
  }
  const probes = (h: ProbeFigures) =>
    `${h.probes} probes, ${h.failed} failed, ${h.slow} slow; p99 ${h.p99Ms.toFixed(1)} ms, max ${h.maxMs.toFixed(1)} ms`;
  lines.push(`  /healthz under fuzz: ${probes(report.healthz)}`);
  lines.push(`  /healthz idle (3 s before, the box's own latency): ${probes(report.baseline)}`);
  const r = report.rss;
  lines.push(
    `  relay RSS: start ${mib(r.startBytes)} MiB, peak ${mib(r.peakBytes)} MiB, end ${mib(r.endBytes)} MiB (bound ${mib(r.boundBytes)} MiB)`,
  );
  lines.push(
    report.problems.length === 0
      ? "  held: no problem"
      : `  PROBLEMS:\n    ${report.problems.join("\n    ")}`,
  );
  return lines.join("\n");
}

async function prepare(relay: RelayProcess): Promise<Fixture> {
  const target = await createSession(relay.url, { title: "fuzz target" });
  const victim = await createSession(relay.url, { title: "fuzz victim" });
  // The victim's document holds a valid edit, and it has a recording.
  const editor = openDoc(relay.url, victim.id, victim.tokens.edit);
  await editor.synced();
  editor.doc.getMap("meta").set("title", "the victim, as it must stay");
  await new Promise((resolve) => setTimeout(resolve, 300));
  editor.destroy();
  const recording = await fetch(`${relay.url}/api/sessions/${victim.id}/recordings`, {
    method: "POST",
    headers: { Authorization: `Bearer ${victim.tokens.edit}`, "Content-Type": "application/json" },
    body: JSON.stringify({ title: "victim take" }),
  });
  const recordingId = ((await recording.json()) as { id: string }).id;
  await fetch(`${relay.url}/api/recordings/${recordingId}/stop`, {
    method: "POST",
    headers: { Authorization: `Bearer ${victim.tokens.edit}` },
  });
  const tokens = [
    target.tokens.view,
    target.tokens.edit,
    target.tokens.publish,
    `${target.tokens.view.slice(0, -4)}AAAA`,
    "v1.garbage.token",
  ];
  return {
    relay,
    target,
    victim,
    recordingId,
    tokens,
    corpus: await mcapCorpus(),
    wire: validWireMessages(),
  };
}

/** What must not change: the victim's document and recordings, and the number of sessions. */
async function persistedState(fixture: Fixture): Promise<{ victim: string; sessions: number }> {
  const { relay, victim } = fixture;
  const reader = openDoc(relay.url, victim.id, victim.tokens.view);
  await reader.synced();
  const doc = JSON.stringify(reader.doc.toJSON());
  reader.destroy();
  const list = await fetch(`${relay.url}/api/recordings`, {
    headers: { Authorization: `Bearer ${victim.tokens.view}` },
  });
  const recordings = (
    (await list.json()) as { recordings: { id: string; status: string; frames: number }[] }
  ).recordings
    .map((r) => `${r.id}:${r.status}:${r.frames}`)
    .join(",");
  const metrics = await (await fetch(`${relay.url}/metrics`)).text();
  const sessions = Number(/^depthroom_sessions (\d+)/m.exec(metrics)?.[1] ?? Number.NaN);
  return { victim: `${doc} ${recordings}`, sessions };
}

function rawRequest(rng: Rng, category: "http-target" | "http-headers", fixture: Fixture): string {
  if (category === "http-target") {
    return `${method(rng)} ${requestTarget(rng, fixture.target.id)} HTTP/1.1\r\nHost: relay\r\nConnection: close\r\n\r\n`;
  }
  const path = rng.pick([
    "/healthz",
    "/api/sessions",
    `/api/sessions/${fixture.target.id}`,
    "/api/recordings",
    "/yjs/x",
  ]);
  const body = rng.chance(0.5) ? rng.text(rng.int(200)) : "";
  let verb = method(rng);
  if (verb === "DELETE" && path.startsWith("/api/sessions/")) verb = "GET"; // never end the fuzz's session
  return `${verb} ${path} HTTP/1.1\r\n${hostileHeaders(rng, fixture.tokens).join("\r\n")}\r\nConnection: close\r\n\r\n${body}`;
}

type Outcome = "refused" | "accepted" | "errors";

function classify(answer: string | undefined): Outcome {
  if (answer === undefined) return "errors";
  const status = Number(/^HTTP\/1\.1 (\d{3})/.exec(answer)?.[1] ?? 0);
  return status >= 200 && status < 400 ? "accepted" : "refused";
}

/** One raw request on a fresh TCP connection; the answer's first bytes (or "" when it was cut). */
function rawHttp(url: string, text: string): Promise<string | undefined> {
  const { hostname, port } = new URL(url);
  return new Promise((resolve) => {
    const socket = connect(Number(port), hostname);
    let answer = "";
    const timer = setTimeout(() => {
      socket.destroy();
      resolve(undefined);
    }, OP_TIMEOUT_MS);
    socket.on("data", (chunk) => {
      if (answer.length < 4096) answer += chunk.toString("latin1");
    });
    socket.on("error", () => {});
    socket.on("close", () => {
      clearTimeout(timer);
      resolve(answer);
    });
    socket.write(Buffer.from(text, "latin1"));
  });
}

const ROUTES: readonly ((f: Fixture, rng: Rng) => [string, string])[] = [
  () => ["POST", "/api/sessions"],
  (f) => ["GET", `/api/sessions/${f.target.id}`],
  (f) => ["GET", `/api/sessions/${f.target.id}/links`],
  () => ["POST", "/api/admin/notices"],
  () => ["GET", "/healthz"],
  () => ["GET", "/metrics"],
  () => ["GET", "/api/recordings"],
  () => ["GET", "/api/cluster"],
  (f) => ["POST", `/api/sessions/${f.target.id}/recordings`],
  (f, rng) => [
    rng.pick(["GET", "DELETE"]),
    `/api/recordings/${rng.pick([f.recordingId, "AAAAAAAAAAAAAAAAAAAAAA"])}`,
  ],
  (f) => ["POST", `/api/recordings/${f.recordingId}/stop`],
  (f) => ["GET", `/api/recordings/${f.recordingId}/file`],
  (f, rng) => [
    "GET",
    `/api/recordings/${f.recordingId}/at?t=${rng.pick(["0", "-1", "1e3", "18446744073709551616", ""])}`,
  ],
  (f, rng) => [
    "GET",
    `/api/recordings/${f.recordingId}/range?from=${rng.int(10)}&to=${rng.pick(["0", "99999999999999999999", "x"])}&maxBytes=${rng.pick(["1", "0", "99999999999", "x"])}`,
  ],
];

/** Every route, with a random method now and then, a random token and a hostile body. */
async function routeRequest(
  rng: Rng,
  url: string,
  fixture: Fixture,
): Promise<{ kind: Outcome; creating: boolean; created: boolean }> {
  let [verb, path] = rng.pick(ROUTES)(fixture, rng);
  // Never DELETE a session: the target's edit token would end the fuzz's own session (a valid write).
  if (rng.chance(0.1)) verb = rng.pick(["PUT", "PATCH", "OPTIONS", "GET", "POST"]);
  const headers: Record<string, string> = { "Content-Type": "application/json" };
  const token = rng.chance(0.2) ? undefined : rng.pick(fixture.tokens);
  if (token !== undefined) {
    if (rng.chance(0.5)) headers.Authorization = `Bearer ${token}`;
    else path += `${path.includes("?") ? "&" : "?"}token=${encodeURIComponent(token)}`;
  }
  const body = verb === "GET" || verb === "OPTIONS" ? undefined : hostileBody(rng);
  const status = await new Promise<number>((resolve) => {
    const req = httpRequest(`${url}${path}`, { method: verb, headers, timeout: OP_TIMEOUT_MS }, (res) => {
      res.resume();
      res.on("end", () => resolve(res.statusCode ?? 0));
      res.on("error", () => resolve(0));
    });
    req.on("timeout", () => req.destroy());
    req.on("error", () => resolve(0));
    req.end(body);
  });
  const creating = verb === "POST" && path.split("?")[0] === "/api/sessions";
  if (status === 0) return { kind: "errors", creating, created: false };
  return { kind: status < 400 ? "accepted" : "refused", creating, created: creating && status === 201 };
}

/** A raw engine.io WebSocket (sometimes with the target's tokens), fed random frames, then closed. */
function engineSocket(rng: Rng, url: string, fixture: Fixture): Promise<Outcome> {
  const query = rng.chance(0.5)
    ? `&session=${fixture.target.id}&v=1&token=${encodeURIComponent(rng.pick(fixture.tokens))}`
    : "";
  const frames = engineFrames(rng);
  // CONNECT, bare or with the token in socket.io's auth payload (the current transport).
  if (rng.chance(0.5)) {
    frames.unshift(rng.chance(0.5) ? "40" : `40${JSON.stringify({ token: rng.pick(fixture.tokens) })}`);
  }
  return feedWebSocket(`/socket.io/?EIO=4&transport=websocket${query}`, url, frames, rng, "errors");
}

/** A y-websocket connection to the target's document (view or edit, or a bad token), fed messages. */
function docSocket(
  rng: Rng,
  url: string,
  fixture: Fixture,
  category: "y-websocket" | "awareness",
): Promise<Outcome> {
  // The token as the WebSocket subprotocol (the current transport) or the deprecated query form.
  const token = rng.pick(fixture.tokens);
  const asProtocol = rng.chance(0.5);
  const path = `/yjs/${fixture.target.id}${asProtocol ? "" : `?token=${encodeURIComponent(token)}`}`;
  const messages = category === "awareness" ? awarenessMessages(rng) : docMessages(rng);
  return feedWebSocket(
    path,
    url,
    messages,
    rng,
    "refused",
    asProtocol ? docSocketProtocols(token) : undefined,
  );
}

/**
 * Open a WebSocket at `path`, send `messages`, close it 20-120 ms later. Closed by us (1000/1005):
 * accepted; closed by the relay with a code: refused; never opened: `unopened`.
 */
function feedWebSocket(
  path: string,
  url: string,
  messages: readonly (string | Uint8Array)[],
  rng: Rng,
  unopened: Outcome,
  protocols?: string[],
): Promise<Outcome> {
  const ws = new WebSocket(`${url.replace(/^http/, "ws")}${path}`, protocols);
  return new Promise((resolve) => {
    let opened = false;
    const timer = setTimeout(() => {
      ws.terminate();
      resolve("errors");
    }, OP_TIMEOUT_MS);
    ws.on("error", () => {});
    ws.on("open", () => {
      opened = true;
      for (const message of messages) ws.send(message);
      setTimeout(() => ws.close(), 20 + rng.int(100));
    });
    ws.on("close", (code) => {
      clearTimeout(timer);
      resolve(!opened ? unopened : code === 1000 || code === 1005 ? "accepted" : "refused");
    });
  });
}

async function uploadMcap(rng: Rng, url: string, fixture: Fixture): Promise<Outcome> {
  const { bytes } = mcapUpload(rng, fixture.corpus);
  const token = rng.chance(0.8) ? fixture.target.tokens.edit : rng.pick(fixture.tokens);
  try {
    const response = await fetch(`${url}/api/sessions/${fixture.target.id}/recordings/import?title=fuzz`, {
      method: "POST",
      headers: { Authorization: `Bearer ${token}`, "Content-Type": "application/octet-stream" },
      body: new Uint8Array(bytes),
      signal: AbortSignal.timeout(30_000),
    });
    await response.arrayBuffer();
    return response.status < 400 ? "accepted" : "refused";
  } catch {
    return "errors";
  }
}

function withTimeout<T>(promise: Promise<T>): Promise<T | "timeout"> {
  return new Promise((resolve) => {
    const timer = setTimeout(() => resolve("timeout"), OP_TIMEOUT_MS);
    void promise.then((value) => {
      clearTimeout(timer);
      resolve(value);
    });
  });
}

function rssOf(pid: number): number {
  try {
    const kb = /VmRSS:\s+(\d+) kB/.exec(readFileSync(`/proc/${pid}/status`, "utf8"))?.[1];
    return Number(kb ?? 0) * 1024;
  } catch {
    return 0;
  }
}

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return rssOf(pid) > 0; // a zombie has no RSS
  } catch {
    return false;
  }
}

function mib(bytes: number): string {
  return (bytes / 2 ** 20).toFixed(0);
}

/** `/healthz` probed every 50 ms from a worker thread (its own event loop), latencies kept. */
function startProber(url: string, budgetMs: number) {
  const worker = new Worker(
    `
    const { parentPort, workerData } = require("node:worker_threads");
    const latencies = [];
    let failed = 0;
    let running = true;
    parentPort.on("message", () => { running = false; });
    (async () => {
      while (running) {
        const start = performance.now();
        try {
          const response = await fetch(workerData.url, { signal: AbortSignal.timeout(2000) });
          await response.arrayBuffer();
          if (response.status !== 200) failed++;
          else latencies.push(performance.now() - start);
        } catch {
          failed++;
        }
        await new Promise((resolve) => setTimeout(resolve, ${PROBE_INTERVAL_MS}));
      }
      parentPort.postMessage({ latencies, failed });
    })();
    `,
    { eval: true, workerData: { url } },
  );
  return {
    stop(): Promise<ProbeFigures> {
      return new Promise((resolve) => {
        worker.once("message", ({ latencies, failed }: { latencies: number[]; failed: number }) => {
          void worker.terminate();
          const sorted = [...latencies].sort((a, b) => a - b);
          resolve({
            probes: latencies.length + failed,
            failed,
            slow: latencies.filter((ms) => ms > budgetMs).length,
            maxMs: sorted.at(-1) ?? 0,
            p99Ms: sorted[Math.floor(sorted.length * 0.99)] ?? 0,
          });
        });
        worker.postMessage("stop");
      });
    },
  };
}
