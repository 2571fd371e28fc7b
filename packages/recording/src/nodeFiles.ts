import { type FileHandle, open } from "node:fs/promises";
import { errorMessage, RecordingError } from "./errors.ts";
import type { RecordingStats } from "./format.ts";
import type { RecordingSink, RecordingSource } from "./io.ts";
import { type OpenRecordingOptions, openRecording, type RecordingReader } from "./recordingReader.ts";
import {
  createRecordingWriter,
  type RecordingWriter,
  type RecordingWriterOptions,
} from "./recordingWriter.ts";
import { type RecoveryResult, recoverRecording } from "./recovery.ts";

/*
 * Node file helpers (`@depthroom/recording/node`): thin adapters from files to the pure sources and
 * sinks of the core. Everything else in the package runs in the browser as well.
 */

export interface FileSource extends RecordingSource {
  close(): Promise<void>;
}

function ioError(what: string, path: string, error: unknown): RecordingError {
  return new RecordingError("io", `${what} ${path}: ${errorMessage(error)}`, { cause: error });
}

/** Opens `path` with `flags`; a failure is a `RecordingError` ("io") saying what was `doing`. */
async function openFile(path: string, flags: "r" | "r+" | "w", doing: string): Promise<FileHandle> {
  try {
    return await open(path, flags);
  } catch (error) {
    throw ioError(doing, path, error);
  }
}

/** Writes all of `bytes` (at `position`, or where the file's cursor is). */
async function writeAll(handle: FileHandle, bytes: Uint8Array, position?: number): Promise<void> {
  let done = 0;
  while (done < bytes.byteLength) {
    const at = position === undefined ? undefined : position + done;
    const { bytesWritten } = await handle.write(bytes, done, bytes.byteLength - done, at);
    done += bytesWritten;
  }
}

function handleSource(handle: FileHandle, path: string): RecordingSource {
  return {
    size: async () => BigInt((await handle.stat()).size),
    read: async (offset, size) => {
      const n = Number(size);
      const buffer = new Uint8Array(n);
      let got = 0;
      while (got < n) {
        const { bytesRead } = await handle.read(buffer, got, n - got, Number(offset) + got);
        if (bytesRead === 0) throw ioError(`short read at ${Number(offset) + got} of`, path, "end of file");
        got += bytesRead;
      }
      return buffer;
    },
  };
}

/** A source over a file (reads with positional reads; `close()` when done). */
export async function fileSource(path: string): Promise<FileSource> {
  const handle = await openFile(path, "r", "opening");
  return { ...handleSource(handle, path), close: () => handle.close() };
}

export interface FileSink extends RecordingSink {
  close(): Promise<void>;
}

/** A sink that creates (or truncates) a file and appends to it. */
export async function fileSink(path: string): Promise<FileSink> {
  const handle = await openFile(path, "w", "creating");
  return { write: (bytes) => writeAll(handle, bytes), close: () => handle.close() };
}

export interface RecordingFileWriter extends RecordingWriter {
  /** Finishes the recording and closes the file. */
  close(stoppedAtNs?: bigint): Promise<RecordingStats>;
  /** Closes the file without finishing it (what a crash leaves; for tests and shutdown paths). */
  abandon(): Promise<void>;
}

/** Create a recording file and a writer to it; `close()` finishes the MCAP and closes the file. */
export async function createRecordingFile(
  path: string,
  options: RecordingWriterOptions = {},
): Promise<RecordingFileWriter> {
  const sink = await fileSink(path);
  const writer = createRecordingWriter(sink, options);
  return {
    append: (bytes, receiveTimeNs) => writer.append(bytes, receiveTimeNs),
    flush: () => writer.flush(),
    stats: () => writer.stats(),
    get position() {
      return writer.position;
    },
    close: async (stoppedAtNs) => {
      try {
        return await writer.close(stoppedAtNs);
      } finally {
        await sink.close();
      }
    },
    abandon: async () => {
      await writer.flush().catch(() => undefined);
      await sink.close();
    },
  };
}

export interface RecordingFileReader extends RecordingReader {
  close(): Promise<void>;
}

/** Open a recording file for seeking (an unfinished file is indexed by scanning). */
export async function openRecordingFile(
  path: string,
  options: OpenRecordingOptions = {},
): Promise<RecordingFileReader> {
  const source = await fileSource(path);
  try {
    const reader = await openRecording(source, options);
    return Object.assign(reader, { close: () => source.close() });
  } catch (error) {
    await source.close();
    throw error;
  }
}

/**
 * Recover a recording file in place after a crash: keep its sound prefix, re-index it and append the
 * summary, so it is a valid indexed MCAP again. A complete file is left untouched.
 */
export async function recoverRecordingFile(path: string): Promise<RecoveryResult> {
  const handle = await openFile(path, "r+", "opening");
  try {
    const result = await recoverRecording(handleSource(handle, path));
    if (!result.complete) {
      await handle.truncate(result.cutOffset);
      await writeAll(handle, result.tail, result.cutOffset);
      await handle.sync();
    }
    return result;
  } finally {
    await handle.close();
  }
}
