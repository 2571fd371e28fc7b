import { rm } from "node:fs/promises";
import { Worker } from "node:worker_threads";
import {
  type ImportProblem,
  importMcap,
  nowNs,
  RecordingError,
  type RecordingStats,
  type SkippedChannel,
} from "@depthroom/recording";
import { createRecordingFile, fileSource } from "@depthroom/recording/node";
import { ErrorCode } from "@depthroom/schema";
import type { Logger } from "./log.ts";
import { fileSize } from "./recordingRecovery.ts";
import { RecordingRefusal } from "./recordingRefusal.ts";
import { type RecordingCatalog, type RecordingRecord, recordFigures } from "./recordingStore.ts";
import { newSessionId } from "./tokens.ts";

/*
 * Imports of MCAP files, off the relay's event loop: `runImportJob` reads an uploaded file and writes
 * the recording (the work itself, testable anywhere); `ImportQueue` runs one job at a time, each in a
 * fresh worker thread with a heap limit, so a hostile file can neither stall `/healthz` nor take the
 * relay's memory (the import limits of @depthroom/recording bound what one chunk may cost);
 * `RecordingImports` turns an upload into a stored recording.
 */

/** A recording made from an uploaded file. */
export interface ImportResult {
  readonly record: RecordingRecord;
  readonly messages: number;
  readonly skipped: readonly SkippedChannel[];
  readonly problems: readonly ImportProblem[];
}

export interface RecordingImportsDeps {
  readonly nodeId: string;
  readonly pathOf: (id: string) => string;
  readonly store: Pick<RecordingCatalog, "saveRecording">;
  readonly logger: Logger;
}

export class RecordingImports {
  readonly #queue: ImportQueue;

  constructor(
    private readonly deps: RecordingImportsDeps,
    options: ImportQueueOptions = {},
  ) {
    this.#queue = new ImportQueue(options);
  }

  /**
   * Import an MCAP file (ROS 2, Foxglove or Depthroom; spooled at `sourcePath`) as a new recording of
   * the session. Refuses with `bad-message` when nothing could be imported; the caller removes the file.
   */
  async importFile(sessionId: string, sourcePath: string, title: string): Promise<ImportResult> {
    const { nodeId, pathOf, store, logger } = this.deps;
    const id = newSessionId();
    const path = pathOf(id);
    const startedAt = Date.now();
    const outcome = await this.#queue.run({ sourcePath, path, recordingId: id, sessionId, startedAt, title });
    if (!outcome.ok) {
      await rm(path, { force: true });
      if (outcome.refused) throw new RecordingRefusal(ErrorCode.BadMessage, outcome.message);
      throw new Error(outcome.message);
    }
    const record: RecordingRecord = {
      id,
      sessionId,
      title,
      origin: "import",
      status: "stopped",
      node: nodeId,
      startedAt,
      stoppedAt: Date.now(),
      ...recordFigures(outcome.stats, await fileSize(path)),
      dropped: 0,
      recovered: false,
      problems: importProblemLines(outcome.skipped, outcome.problems),
    };
    try {
      await store.saveRecording(record);
    } catch (error) {
      await rm(path, { force: true });
      throw error;
    }
    logger.info("recording imported", { session: sessionId, recording: id, messages: outcome.messages });
    return { record, messages: outcome.messages, skipped: outcome.skipped, problems: outcome.problems };
  }
}

/** What one import needs: where the upload is spooled and where the recording goes. */
export interface ImportJob {
  readonly sourcePath: string;
  readonly path: string;
  readonly recordingId: string;
  readonly sessionId: string;
  /** Wall-clock ms. */
  readonly startedAt: number;
  readonly title: string;
}

export type ImportOutcome =
  | {
      readonly ok: true;
      readonly messages: number;
      readonly stats: RecordingStats;
      readonly skipped: readonly SkippedChannel[];
      readonly problems: readonly ImportProblem[];
    }
  /** `refused`: the file is at fault (the message says why); otherwise the relay failed. */
  | { readonly ok: false; readonly refused: boolean; readonly message: string };

const FLUSH_BYTES = 32 << 20;

/** Import `job.sourcePath` into `job.path`. Never throws; on failure the output file may remain. */
export async function runImportJob(job: ImportJob): Promise<ImportOutcome> {
  let source: Awaited<ReturnType<typeof fileSource>> | undefined;
  let writer: Awaited<ReturnType<typeof createRecordingFile>> | undefined;
  try {
    source = await fileSource(job.sourcePath);
    writer = await createRecordingFile(job.path, {
      recordingId: job.recordingId,
      sessionId: job.sessionId,
      startedAtNs: BigInt(job.startedAt) * 1_000_000n,
      metadata: { origin: "import", title: job.title },
    });
    const run = importMcap(source);
    let messages = 0;
    let sinceFlush = 0;
    for await (const imported of run.messages) {
      writer.append(imported.bytes, imported.logTimeNs);
      messages++;
      sinceFlush += imported.bytes.byteLength;
      // Let the disk keep up (the writer queues whole chunks in memory otherwise).
      if (sinceFlush >= FLUSH_BYTES) {
        sinceFlush = 0;
        await writer.flush();
      }
    }
    if (messages === 0) {
      await writer.abandon().catch(() => undefined);
      const why = importProblemLines(run.skipped, run.problems).join("; ");
      return {
        ok: false,
        refused: true,
        message: `nothing to import: ${why || "the file holds no messages"}`,
      };
    }
    const stats = await writer.close(nowNs());
    return { ok: true, messages, stats, skipped: run.skipped, problems: run.problems };
  } catch (error) {
    await writer?.abandon().catch(() => undefined);
    if (error instanceof RecordingError)
      return { ok: false, refused: true, message: `not imported: ${error.message}` };
    return { ok: false, refused: false, message: error instanceof Error ? error.message : String(error) };
  } finally {
    await source?.close().catch(() => undefined);
  }
}

/** The problems of an import as the lines of a recording's `problems`. */
export function importProblemLines(
  skipped: readonly SkippedChannel[],
  problems: readonly ImportProblem[],
): string[] {
  return [
    ...problems.map((p) => (p.count > 1 ? `${p.message} (${p.count} times)` : p.message)),
    ...skipped.map((s) => `skipped ${s.topic} (${s.schema}): ${s.reason}`),
  ];
}

export interface ImportQueueOptions {
  /** Heap limit of an import's worker (MiB). Default 512. */
  readonly maxHeapMb?: number;
  /** Run imports on the calling thread (for tests of the job itself). Default false. */
  readonly inline?: boolean;
}

/** Imports one at a time, each in its own worker thread. */
export class ImportQueue {
  #tail: Promise<unknown> = Promise.resolve();
  #waiting = 0;

  constructor(private readonly options: ImportQueueOptions = {}) {}

  /** Imports waiting or running. */
  get pending(): number {
    return this.#waiting;
  }

  run(job: ImportJob): Promise<ImportOutcome> {
    this.#waiting++;
    const result = this.#tail.then(() => (this.options.inline ? runImportJob(job) : this.#inWorker(job)));
    this.#tail = result.catch(() => undefined);
    return result.finally(() => this.#waiting--);
  }

  #inWorker(job: ImportJob): Promise<ImportOutcome> {
    const maxHeapMb = this.options.maxHeapMb ?? 512;
    return new Promise((resolve) => {
      const worker = new Worker(WORKER_ENTRY, {
        workerData: job,
        resourceLimits: { maxOldGenerationSizeMb: maxHeapMb, maxYoungGenerationSizeMb: 64 },
        stdout: false,
        stderr: false,
      });
      let settled = false;
      const settle = (outcome: ImportOutcome) => {
        if (settled) return;
        settled = true;
        resolve(outcome);
      };
      worker.once("message", (outcome: ImportOutcome) => settle(outcome));
      worker.once("error", (error: Error & { code?: string }) =>
        settle(
          error.code === "ERR_WORKER_OUT_OF_MEMORY"
            ? {
                ok: false,
                refused: true,
                message: `not imported: the import needed more than its ${maxHeapMb} MiB of memory`,
              }
            : { ok: false, refused: false, message: `import worker failed: ${error.message}` },
        ),
      );
      worker.once("exit", (code) =>
        settle({
          ok: false,
          refused: false,
          message: `import worker exited (code ${code}) without an answer`,
        }),
      );
    });
  }
}

/** The worker's module, next to this one (plain JavaScript: it loads the job through tsx). */
const WORKER_ENTRY = new URL("./recordingImportWorker.mjs", import.meta.url);
