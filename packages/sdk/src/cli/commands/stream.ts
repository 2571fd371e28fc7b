import { basename, resolve } from "node:path";
import {
  DepthImage,
  type EncodedImage,
  Pinhole,
  type Quaternion,
  Transform3D,
  type Vec3,
} from "@depthroom/schema";
import { SdkError, SdkErrorCode } from "../../errors.ts";
import {
  type DepthFrameRef,
  openDepthFolder,
  readColorFrame,
  readDepthFrame,
} from "../../node/depthFolder.ts";
import { InputError } from "../../node/inputError.ts";
import { connect, type RecordingStream } from "../../producer.ts";
import { resolveTarget } from "../../target.ts";
import { type Command, onePositional, type ParsedArgs, PRODUCER_OPTIONS } from "../args.ts";
import { type CliContext, Pacer } from "../context.ts";
import { ExitCode } from "../exitCodes.ts";
import { STREAM_HELP } from "../help.ts";
import { ProgressLine } from "../progress.ts";

/** Decoded frames are kept for --loop when the whole folder fits in this much memory. */
const LOOP_CACHE_BYTES = 256 * 1024 * 1024;

const LAYOUT_NAMES = {
  tum: "TUM RGB-D",
  "7-scenes": "7-Scenes / tsdf-fusion",
  plain: "plain folder",
} as const;

/** `depthroom stream <folder> --link <publish link> [options]` */
export const streamCommand: Command = {
  help: STREAM_HELP,
  options: {
    ...PRODUCER_OPTIONS,
    fps: { type: "number", min: 0, exclusiveMin: true },
    loop: { type: "boolean" },
    fx: { type: "number" },
    fy: { type: "number" },
    cx: { type: "number" },
    cy: { type: "number" },
    "depth-scale": { type: "number", min: 0, exclusiveMin: true },
    entity: { type: "string" },
  },
  run: runStream,
};

async function runStream(parsed: ParsedArgs, ctx: CliContext): Promise<number> {
  const { options } = parsed;
  const folderArg = onePositional(parsed, "stream", "<folder>", "folder");
  const link = requireLink(options.link, ctx);
  // Check everything that needs no network first: the link, then every file.
  resolveTarget({ link }, { needRole: "publish" });
  const folder = openDepthFolder(folderArg, {
    fx: options.fx as number | undefined,
    fy: options.fy as number | undefined,
    cx: options.cx as number | undefined,
    cy: options.cy as number | undefined,
    depthScale: options["depth-scale"] as number | undefined,
  });
  const entity = (options.entity as string | undefined) ?? "world/camera";
  const fps = (options.fps as number | undefined) ?? 30;
  const quiet = options.quiet === true;
  const { width, height, intrinsics: k } = folder;
  const rec = await connect(
    { link },
    {
      name: `depthroom stream ${basename(resolve(folderArg))}`,
      depthEncoding: options.raw ? "raw" : "auto",
      connectTimeoutMs: connectTimeoutMs(options["connect-timeout"]),
    },
  );
  if (!quiet) {
    ctx.stderr.write(
      `streaming ${folder.frames.length} frames of ${width}x${height} from ${folderArg} (${LAYOUT_NAMES[folder.layout]}, ` +
        `${folder.unitsPerMetre} units/m, intrinsics from ${k.source}, ${folder.posedFrames ? `${folder.posedFrames} poses` : "no poses"}, ` +
        `${folder.colorFrames ? `${folder.colorFrames} colour images` : "no colour"}) at ${fps} fps\n`,
    );
  }
  const progress = new ProgressLine(ctx.stderr, quiet);
  try {
    rec.log(entity, Pinhole.fromIntrinsics({ fx: k.fx, fy: k.fy, cx: k.cx, cy: k.cy, width, height }), {
      static: true,
    });
    // Depth and colour of each frame, kept for --loop (colour is the file's bytes, a fraction of the depth).
    const cache: ({ depth: Uint16Array; color: EncodedImage | undefined } | undefined)[] | undefined =
      options.loop && folder.frames.length * width * height * 3 <= LOOP_CACHE_BYTES ? [] : undefined;
    const pacer = new Pacer(1000 / fps);
    let sequence = 0;
    for (let i = 0; !ctx.signal.aborted; ) {
      failIfClosed(rec);
      const frame = folder.frames[i] as DepthFrameRef;
      const cached = cache?.[i] ?? { depth: readDepthFrame(folder, frame), color: readColorFrame(frame) };
      if (cache) cache[i] = cached;
      rec.setTime("frame", sequence++);
      rec.setTime("capture_time", BigInt(Date.now()) * 1_000_000n);
      if (frame.timeNs !== undefined) rec.setTime("sensor_time", frame.timeNs);
      if (frame.pose) rec.log(entity, transformOf(frame.pose.translation, frame.pose.rotation));
      rec.log(
        `${entity}/depth`,
        new DepthImage(cached.depth, { width, height, meter: folder.unitsPerMetre }),
      );
      // Under the same Pinhole as the depth: its registered colour (Rerun's convention).
      if (cached.color) rec.log(`${entity}/rgb`, cached.color);
      progress.update(counts(rec));
      if (++i === folder.frames.length) {
        if (!options.loop) break;
        i = 0;
      }
      await pacer.wait(ctx.signal);
    }
    return await finishRun(rec, progress, ctx);
  } finally {
    await rec.close(1000);
  }
}

export function requireLink(value: unknown, ctx: CliContext): string {
  const link = (value as string | undefined) ?? ctx.env.DEPTHROOM_LINK;
  if (!link) {
    throw new InputError(
      "usage",
      "missing --link <publish link> (create one with: depthroom session create)",
    );
  }
  return link;
}

export function counts(rec: RecordingStream) {
  const s = rec.stats;
  return { frames: s.depthFrames, bytes: s.bytes, dropped: s.dropped };
}

export function failIfClosed(rec: RecordingStream): void {
  if (rec.state === "closed") {
    throw rec.error ?? new SdkError(SdkErrorCode.Closed, "the connection to the relay closed");
  }
}

/**
 * The end of a producer command's run: wait for the relay to take what is queued (through a
 * reconnection, if one is under way), print the summary line, and answer the exit code.
 */
export async function finishRun(
  rec: RecordingStream,
  progress: ProgressLine,
  ctx: CliContext,
): Promise<number> {
  await flushQueued(rec, ctx.signal);
  progress.finish(counts(rec));
  return ctx.signal.aborted ? ExitCode.Interrupted : ExitCode.Ok;
}

async function flushQueued(rec: RecordingStream, signal: AbortSignal): Promise<void> {
  try {
    await rec.flush(signal.aborted ? 2000 : 20_000);
  } catch (error) {
    if (signal.aborted) return;
    if (error instanceof SdkError && error.code === SdkErrorCode.Timeout && rec.state !== "connected") {
      throw new SdkError(SdkErrorCode.RelayUnreachable, `lost the relay: ${error.message}`);
    }
    throw error;
  }
}

export function transformOf(t: Vec3, q: Quaternion): Transform3D {
  return new Transform3D({ translation: [t[0], t[1], t[2]], rotation: [q[0], q[1], q[2], q[3]] });
}

/** `--connect-timeout` seconds (default 10) as milliseconds. */
export function connectTimeoutMs(seconds: unknown): number {
  return typeof seconds === "number" ? seconds * 1000 : 10_000;
}
