import { type BridgeStats, bridgeFoxglove } from "../../foxglove/bridge.ts";
import type { TopicStats } from "../../foxglove/mapper.ts";
import { checkSourceUrl } from "../../foxglove/source.ts";
import { surveyFoxglove } from "../../foxglove/survey.ts";
import { InputError } from "../../node/inputError.ts";
import { resolveTarget } from "../../target.ts";
import { type Command, onePositional, type ParsedArgs, PRODUCER_OPTIONS } from "../args.ts";
import type { CliContext } from "../context.ts";
import { ExitCode } from "../exitCodes.ts";
import { BRIDGE_HELP } from "../help.ts";
import type { ProgressOutput } from "../progress.ts";
import { connectTimeoutMs, requireLink } from "./stream.ts";

/** `depthroom bridge <ws://host:8765> --link <publish link> [--topics glob...] [--list] [options]` */
export const bridgeCommand: Command = {
  help: BRIDGE_HELP,
  options: {
    ...PRODUCER_OPTIONS,
    // Several times, each a glob or a comma-separated list of globs.
    topics: { type: "string", multiple: true },
    list: { type: "boolean" },
    wait: { type: "number", min: 0 },
  },
  run: runBridge,
};

async function runBridge(parsed: ParsedArgs, ctx: CliContext): Promise<number> {
  const { options } = parsed;
  const url = onePositional(parsed, "bridge", "<ws://host:8765>, the Foxglove WebSocket source", "source");
  const topics = topicGlobs(options.topics as string[] | undefined);
  checkSourceUrl(url);
  const timeoutMs = connectTimeoutMs(options["connect-timeout"]);
  const quiet = options.quiet === true;

  if (options.list) {
    const survey = await surveyFoxglove({
      url,
      topics,
      listenMs: ((options.wait as number | undefined) ?? 2) * 1000,
      connectTimeoutMs: timeoutMs,
      signal: ctx.signal,
    });
    ctx.stdout.write(formatList(url, survey.server, survey.subprotocol, survey.topics));
    return ExitCode.Ok;
  }

  const link = requireLink(options.link, ctx);
  resolveTarget({ link }, { needRole: "publish" });
  const waitSeconds = (options.wait as number | undefined) ?? 30;
  const bridge = await bridgeFoxglove({
    url,
    link,
    topics,
    signal: ctx.signal,
    connectTimeoutMs: timeoutMs,
    depthTopicTimeoutMs: waitSeconds === 0 ? undefined : waitSeconds * 1000,
    depthEncoding: options.raw ? "raw" : "rvl",
    name: `depthroom bridge ${url}`,
  });
  if (ctx.signal.aborted) return ExitCode.Interrupted;
  if (!quiet) {
    const bridged = bridge.topics().filter((t) => t.status.state === "bridged");
    ctx.stderr.write(
      `bridging ${bridged.length} topics from ${url}: ${bridged.map((t) => t.topic).join(", ")}\n`,
    );
  }
  // The bridge's log lines (a server's status message, a refused publish, a calibration whose distortion
  // is not applied), each once as the bridge says it.
  bridge.on("problem", (line) => {
    if (!quiet) ctx.stderr.write(`\n${line}\n`);
  });
  let sourceState = "connected";
  bridge.on("source", (state, detail) => {
    // One line per change, not one per reconnection attempt.
    const changed = state !== sourceState;
    sourceState = state;
    if (quiet || !changed) return;
    if (state === "reconnecting")
      ctx.stderr.write(`\nsource lost (${detail ?? "closed"}): reconnecting with backoff\n`);
    if (state === "connected") ctx.stderr.write("\nsource back\n");
  });
  const progress = new BridgeProgress(ctx.stderr, quiet);
  const timer = setInterval(() => progress.update(bridge.stats), ctx.stderr.isTTY ? 250 : 1000);
  try {
    await bridge.done;
  } finally {
    clearInterval(timer);
    progress.finish(bridge.stats);
  }
  return ctx.signal.aborted ? ExitCode.Interrupted : ExitCode.Ok;
}

/** The globs of every `--topics` (comma-separated lists allowed), or undefined without any. */
function topicGlobs(values: readonly string[] | undefined): string[] | undefined {
  if (values === undefined) return undefined;
  const topics = values.flatMap((value) => value.split(",").map((t) => t.trim())).filter((t) => t !== "");
  if (topics.length === 0)
    throw new InputError("usage", "--topics needs a value (see: depthroom bridge --help)");
  return topics;
}

/** `--list`: one line per advertised topic, what happens to it, and why. */
export function formatList(
  url: string,
  server: string,
  subprotocol: string,
  topics: readonly TopicStats[],
): string {
  const bridged = topics.filter((t) => t.status.state === "bridged");
  const lines = [
    `${url}${server ? ` (${server}, ${subprotocol})` : ""}: ${topics.length} topics advertised, ${bridged.length} would be bridged`,
  ];
  const width = Math.min(60, Math.max(10, ...topics.map((t) => t.topic.length)));
  for (const t of topics) {
    const schema = `${t.schemaName} (${t.encoding})`;
    lines.push(`  ${t.topic.padEnd(width)}  ${schema}`);
    lines.push(`  ${" ".repeat(width)}  ${describe(t)}`);
  }
  if (bridged.length === 0)
    lines.push("nothing to bridge: no depth topic the bridge takes (see the reasons above)");
  return `${lines.join("\n")}\n`;
}

function describe(t: TopicStats): string {
  if (t.status.state === "skipped") return `skip: ${t.status.reason}`;
  const problems = Object.entries(t.problems).filter(([, n]) => n > 0);
  const problemText =
    problems.length > 0
      ? `; ${problems.map(([k, n]) => `${n} ${k}`).join(", ")} (last: ${t.lastProblem})`
      : "";
  switch (t.status.kind) {
    case "image":
    case "compressed-image": {
      if (t.received === 0)
        return `bridge -> DepthImage (no message yet: entity from its header.frame_id)${problemText}`;
      if (t.bridged === 0) return `skip: ${t.lastProblem ?? "nothing decodable"}${problemText}`;
      const camera = t.hasCamera ? "" : ", no camera info yet";
      return `bridge -> DepthImage at ${t.entityPath} (${t.image}${camera})${problemText}`;
    }
    case "camera-info":
      return t.entityPath
        ? `bridge -> Pinhole at ${t.entityPath}${t.distortion ? ` (distortion ${t.distortion.model || "none"}${t.distortionProblem ? ": not applied" : ""})` : ""}${problemText}`
        : `bridge -> Pinhole (no message yet)${problemText}`;
    case "transforms":
      return `bridge -> Transform3D per frame, ROS frames as the entity tree under world/${problemText}`;
  }
}

/** The progress line: topics, fps in/out, MB/s, dropped, skipped. Rewritten on a terminal, a line every 5 s otherwise. */
class BridgeProgress {
  private last: BridgeStats | undefined;
  private lastAt = performance.now();
  private readonly startedAt = performance.now();
  private shown = false;
  constructor(
    private readonly out: ProgressOutput,
    private readonly quiet: boolean,
  ) {}

  update(stats: BridgeStats): void {
    if (this.quiet) return;
    const now = performance.now();
    const interval = this.out.isTTY ? 250 : 5000;
    if (now - this.lastAt < interval) return;
    const seconds = (now - this.lastAt) / 1000;
    const before = this.last ?? { ...stats, depthIn: 0, framesOut: 0, bytesOut: 0 };
    const line = formatBridgeProgress(stats, before, seconds);
    this.last = stats;
    this.lastAt = now;
    if (this.out.isTTY) {
      this.out.write(`\r\x1b[K${line}`);
      this.shown = true;
    } else this.out.write(`${line}\n`);
  }

  finish(stats: BridgeStats): void {
    if (this.quiet) return;
    if (this.shown) this.out.write("\r\x1b[K");
    const seconds = Math.max(1e-3, (performance.now() - this.startedAt) / 1000);
    this.out.write(
      `bridged ${stats.framesOut} frames in ${seconds.toFixed(1)} s (${(stats.bytesOut / seconds / 1e6).toFixed(2)} MB/s), ` +
        `${stats.dropped} dropped, ${stats.skipped} skipped, ${stats.reconnects} source reconnects\n`,
    );
  }
}

export function formatBridgeProgress(
  now: BridgeStats,
  before: Pick<BridgeStats, "depthIn" | "framesOut" | "bytesOut">,
  seconds: number,
): string {
  const fpsIn = Math.max(0, now.depthIn - before.depthIn) / seconds;
  const fpsOut = Math.max(0, now.framesOut - before.framesOut) / seconds;
  const mbps = Math.max(0, now.bytesOut - before.bytesOut) / seconds / 1e6;
  const source = now.source === "connected" ? "" : `  source ${now.source}`;
  return (
    `topics ${now.topics}  in ${fpsIn.toFixed(1)} fps  out ${fpsOut.toFixed(1)} fps  ${mbps.toFixed(2)} MB/s  ` +
    `dropped ${now.dropped}  skipped ${now.skipped}${source}`
  );
}
