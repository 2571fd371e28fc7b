import { createWriteStream } from "node:fs";
import { rename, rm, stat } from "node:fs/promises";
import { Readable } from "node:stream";
import { pipeline } from "node:stream/promises";
import { exportFoxglove, type FoxgloveExportStats } from "@depthroom/recording";
import { fileSink, fileSource } from "@depthroom/recording/node";
import { isRecordingId, type Measurement } from "@depthroom/schema";
import { SdkError, SdkErrorCode } from "../../errors.ts";
import { InputError } from "../../node/inputError.ts";
import { downloadRecording, fetchMeasurements, recordingAccess } from "../../recordings.ts";
import type { Command, ParsedArgs } from "../args.ts";
import { ByteProgress } from "../byteProgress.ts";
import type { CliContext } from "../context.ts";
import { ExitCode } from "../exitCodes.ts";
import { EXPORT_HELP } from "../help.ts";

const FORMATS = ["foxglove", "depthroom"] as const;
type Format = (typeof FORMATS)[number];

/** `depthroom export <recordingId> --link <link> [--format foxglove|depthroom] [-o <file>] [--json]` */
export const exportCommand: Command = {
  help: EXPORT_HELP,
  options: {
    link: { type: "string" },
    format: { type: "string" },
    output: { type: "string", short: "o" },
    json: { type: "boolean" },
    quiet: { type: "boolean", short: "q" },
  },
  run: runExport,
};

async function runExport(parsed: ParsedArgs, ctx: CliContext): Promise<number> {
  const { options, positionals } = parsed;
  if (positionals.length > 1)
    throw new InputError("usage", "one recording at a time (see: depthroom export --help)");
  const format = (options.format as string | undefined) ?? "foxglove";
  if (!(FORMATS as readonly string[]).includes(format)) {
    throw new InputError("usage", `--format: expected ${FORMATS.join(" or ")}, got "${format}"`);
  }
  const link = (options.link as string | undefined) ?? ctx.env.DEPTHROOM_LINK;
  if (!link) throw new InputError("usage", "missing --link <session or review link>");
  const access = recordingAccess(link);
  if (access.role === "publish") {
    throw new SdkError(
      SdkErrorCode.Forbidden,
      "a publish link cannot read recordings: use a view or edit link",
    );
  }
  const id = positionals[0] ?? access.recording;
  if (id === undefined) throw new InputError("usage", "missing <recordingId> (see: depthroom export --help)");
  if (!isRecordingId(id)) throw new InputError("usage", `"${id}" is not a recording id`);
  if (access.recording !== undefined && access.recording !== id) {
    throw new SdkError(SdkErrorCode.BadToken, `the link opens recording ${access.recording}, not ${id}`);
  }
  const output =
    (options.output as string | undefined) ?? (format === "foxglove" ? `${id}.foxglove.mcap` : `${id}.mcap`);
  const quiet = options.quiet === true;
  const download = `${output}.download`;
  try {
    const response = await downloadRecording(access, id, { signal: ctx.signal });
    const total = Number(response.headers.get("content-length") ?? 0);
    const progress = new ByteProgress(ctx.stderr, quiet, "downloading", total);
    let received = 0;
    const body = Readable.fromWeb(response.body as import("node:stream/web").ReadableStream<Uint8Array>);
    body.on("data", (chunk: Buffer) => {
      received += chunk.byteLength;
      progress.update(received, received === total);
    });
    await pipeline(body, createWriteStream(download));
    progress.finish();
    if (received !== total) {
      throw new SdkError(
        SdkErrorCode.RelayUnreachable,
        `the download stopped after ${received} of ${total} bytes`,
      );
    }
    let stats: FoxgloveExportStats | undefined;
    if (format === "depthroom") {
      await rename(download, output);
    } else {
      // The review room's measurements go with the recording, on their own JSON channel (issue 20).
      const measurements = await fetchMeasurements(access, id, { signal: ctx.signal });
      stats = await convert(download, output, measurements, quiet, ctx);
      await rm(download, { force: true });
    }
    const bytes = (await stat(output)).size;
    report(ctx, { id, output, format, bytes, stats, json: options.json === true, quiet });
    return ExitCode.Ok;
  } catch (error) {
    await rm(download, { force: true });
    if (ctx.signal.aborted) {
      await rm(output, { force: true });
      return ExitCode.Interrupted;
    }
    throw error;
  }
}

async function convert(
  from: string,
  to: string,
  measurements: readonly Measurement[],
  quiet: boolean,
  ctx: CliContext,
): Promise<FoxgloveExportStats> {
  const source = await fileSource(from);
  const sink = await fileSink(to);
  let progress: ByteProgress | undefined;
  try {
    return await exportFoxglove(source, sink, {
      measurements,
      onProgress: ({ messages, totalMessages }) => {
        progress ??= new ByteProgress(ctx.stderr, quiet, "converting", totalMessages, "messages");
        progress.update(messages, messages === totalMessages);
      },
    });
  } catch (error) {
    await rm(to, { force: true }).catch(() => undefined);
    throw new SdkError(
      SdkErrorCode.Internal,
      `cannot convert the recording: ${error instanceof Error ? error.message : String(error)}`,
    );
  } finally {
    progress?.finish();
    await source.close();
    await sink.close();
  }
}

function report(
  ctx: CliContext,
  r: {
    id: string;
    output: string;
    format: Format | string;
    bytes: number;
    stats: FoxgloveExportStats | undefined;
    json: boolean;
    quiet: boolean;
  },
): void {
  if (r.json) {
    ctx.stdout.write(
      `${JSON.stringify({
        recordingId: r.id,
        file: r.output,
        format: r.format,
        bytes: r.bytes,
        ...(r.stats
          ? {
              images: r.stats.images,
              calibrations: r.stats.calibrations,
              transforms: r.stats.transforms,
              measurements: r.stats.measurements,
              problems: r.stats.problems,
            }
          : {}),
      })}\n`,
    );
    return;
  }
  // Frames left out (a recorded payload that does not decode) are shown even when quiet, as import does.
  for (const p of r.stats?.problems ?? []) {
    ctx.stderr.write(`problem (${p.code}): ${p.message}${p.count > 1 ? ` (${p.count} times)` : ""}\n`);
  }
  if (r.quiet) return;
  const what = r.stats
    ? `Foxglove MCAP: ${r.stats.images} images, ${r.stats.calibrations} calibrations, ${r.stats.transforms} transforms, ${r.stats.measurements} measurements`
    : "Depthroom MCAP";
  ctx.stderr.write(`exported recording ${r.id} to ${r.output} (${what}, ${(r.bytes / 1e6).toFixed(1)} MB)\n`);
}
