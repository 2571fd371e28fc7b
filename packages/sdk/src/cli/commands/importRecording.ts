import { createReadStream } from "node:fs";
import { open, stat } from "node:fs/promises";
import { basename } from "node:path";
import { Readable } from "node:stream";
import type { ImportRecordingResponse } from "@depthroom/schema";
import { SdkError, SdkErrorCode } from "../../errors.ts";
import { InputError } from "../../node/inputError.ts";
import { importRecording, type RecordingAccess, recordingAccess } from "../../recordings.ts";
import { type Command, onePositional, type ParsedArgs } from "../args.ts";
import { ByteProgress } from "../byteProgress.ts";
import type { CliContext } from "../context.ts";
import { ExitCode } from "../exitCodes.ts";
import { IMPORT_HELP } from "../help.ts";

const MCAP_MAGIC = Buffer.from([0x89, 0x4d, 0x43, 0x41, 0x50, 0x30, 0x0d, 0x0a]);

/** `depthroom import <file.mcap> --link <edit link> [--title TEXT] [--json] [--quiet]` */
export const importCommand: Command = {
  help: IMPORT_HELP,
  options: {
    link: { type: "string" },
    title: { type: "string" },
    json: { type: "boolean" },
    quiet: { type: "boolean", short: "q" },
  },
  run: runImport,
};

async function runImport(parsed: ParsedArgs, ctx: CliContext): Promise<number> {
  const { options } = parsed;
  const file = onePositional(parsed, "import", "<file.mcap>", "file");
  const access = editAccess(options.link, ctx);
  const size = await checkMcapFile(file);
  const quiet = options.quiet === true;
  const progress = new ByteProgress(ctx.stderr, quiet, "uploading", size);
  let sent = 0;
  const counting = new TransformStream<Uint8Array, Uint8Array>({
    transform(chunk, controller) {
      sent += chunk.byteLength;
      progress.update(sent, sent === size);
      controller.enqueue(chunk);
    },
    flush() {
      progress.finish();
      if (!quiet) ctx.stderr.write(`uploaded ${(size / 1e6).toFixed(1)} MB; the relay is importing...\n`);
    },
  });
  const body = (Readable.toWeb(createReadStream(file)) as ReadableStream<Uint8Array>).pipeThrough(counting);
  let result: ImportRecordingResponse;
  try {
    result = await importRecording(access, body, {
      size,
      title: (options.title as string | undefined) ?? basename(file),
      signal: ctx.signal,
    });
  } catch (error) {
    progress.finish();
    if (ctx.signal.aborted) return ExitCode.Interrupted;
    throw error;
  }
  if (options.json) {
    ctx.stdout.write(
      `${JSON.stringify({
        recordingId: result.recordingId,
        messages: result.messages,
        entities: result.recording.entities,
        skipped: result.skipped,
        problems: result.problems,
      })}\n`,
    );
  } else {
    ctx.stdout.write(`${result.recordingId}\n`);
    if (!quiet) {
      ctx.stderr.write(
        `imported ${result.messages} messages from ${file} as recording ${result.recordingId} ` +
          `(${result.recording.entities.join(", ")})\n`,
      );
    }
  }
  // Skipped channels and problems are shown even when quiet: they say what is missing.
  if (!options.json) {
    for (const s of result.skipped) ctx.stderr.write(`skipped ${s.topic} (${s.schema}): ${s.reason}\n`);
    for (const p of result.problems) {
      ctx.stderr.write(`problem (${p.code}): ${p.message}${p.count > 1 ? ` (${p.count} times)` : ""}\n`);
    }
  }
  return ExitCode.Ok;
}

/** The --link (or $DEPTHROOM_LINK) as a session edit link; refuses others before any upload. */
function editAccess(value: unknown, ctx: CliContext): RecordingAccess {
  const link = (value as string | undefined) ?? ctx.env.DEPTHROOM_LINK;
  if (!link) {
    throw new InputError("usage", "missing --link <edit link> (depthroom session create prints it)");
  }
  const access = recordingAccess(link);
  if (access.recording !== undefined) {
    throw new SdkError(
      SdkErrorCode.Forbidden,
      "a recording's link cannot import: use the session's edit link",
    );
  }
  if (access.role !== "edit") {
    throw new SdkError(
      SdkErrorCode.Forbidden,
      `this is a ${access.role} link; importing needs the session's edit link`,
    );
  }
  return access;
}

/** The file's size, after checking it exists and starts like an MCAP file. */
async function checkMcapFile(file: string): Promise<number> {
  let size: number;
  try {
    const info = await stat(file);
    if (!info.isFile()) throw new InputError("missing", `${file}: not a file`);
    size = info.size;
  } catch (error) {
    if (error instanceof InputError) throw error;
    throw new InputError("missing", `${file}: no such file`);
  }
  const handle = await open(file, "r");
  try {
    const head = Buffer.alloc(MCAP_MAGIC.length);
    const { bytesRead } = await handle.read(head, 0, head.length, 0);
    if (bytesRead < head.length || !head.equals(MCAP_MAGIC)) {
      throw new InputError("data", `${file}: not an MCAP file (it does not start with the MCAP magic bytes)`);
    }
  } finally {
    await handle.close();
  }
  return size;
}
