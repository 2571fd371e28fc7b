import { rm, stat } from "node:fs/promises";
import { RecordingError } from "@depthroom/recording";
import { recoverRecordingFile } from "@depthroom/recording/node";
import type { Logger } from "./log.ts";
import { type RecordingCatalog, type RecordingRecord, recordFigures } from "./recordingStore.ts";

/*
 * Recordings whose writer died: at start, a node recovers its own recordings still marked
 * "recording", and other nodes' whose files nobody touched for 30 s (writers touch theirs every
 * flush). In a cluster, a node also takes over, while running, the recordings of nodes whose
 * heartbeat stopped (one node per recording, by claim). Recovering keeps every chunk of the file that
 * checks out (@depthroom/recording's recovery), makes it a complete indexed MCAP and marks the record
 * stopped and recovered, with what was lost in its problems.
 */

/** What recordings need from the cluster to take over a dead node's recordings. */
export interface RecordingTakeover {
  /** Whether `node`'s heartbeat is current (true when it cannot tell). */
  nodeAlive(node: string): Promise<boolean>;
  /** Claim the takeover of a recording: true on exactly one node. */
  claimTakeover(recordingId: string): Promise<boolean>;
}

export interface RecordingRecoveryDeps {
  readonly nodeId: string;
  readonly store: RecordingCatalog;
  readonly logger: Logger;
  readonly pathOf: (id: string) => string;
  readonly takeover: RecordingTakeover | undefined;
  /** A recording of this session was recovered (its red dot is recomputed). */
  readonly recovered: (sessionId: string) => void;
}

/** A recording of another node whose file was not touched for this long is taken as abandoned. */
const ABANDONED_AFTER_MS = 30_000;
/** How often a node looks for running recordings of dead nodes (ms). */
const TAKEOVER_SWEEP_MS = 2000;

export class RecordingRecovery {
  #timer: NodeJS.Timeout | undefined;
  #sweeping: Promise<void> | undefined;
  #closed = false;

  constructor(private readonly deps: RecordingRecoveryDeps) {}

  /** At start: this node's interrupted recordings, and other nodes' abandoned ones. */
  async recoverAtStart(): Promise<void> {
    for (const record of await this.deps.store.listRecordings()) {
      if (record.status !== "recording") continue;
      if (record.node === this.deps.nodeId || (await this.#abandoned(record))) await this.recover(record);
    }
  }

  /** In a cluster: look for running recordings of dead nodes every 2 s. */
  startTakeovers(): void {
    if (!this.deps.takeover || this.#timer) return;
    this.#timer = setInterval(() => {
      this.#sweeping ??= this.#sweep().finally(() => {
        this.#sweeping = undefined;
      });
    }, TAKEOVER_SWEEP_MS);
    this.#timer.unref();
  }

  /** Take over one running recording if its node is dead and this node wins the claim; its new record. */
  async takeOver(record: RecordingRecord): Promise<RecordingRecord | undefined> {
    const { takeover, nodeId, logger, store } = this.deps;
    if (!takeover || this.#closed || record.status !== "recording" || record.node === nodeId)
      return undefined;
    if (await takeover.nodeAlive(record.node)) return undefined;
    if (!(await takeover.claimTakeover(record.id))) return undefined;
    logger.warn("taking over a recording of a dead node", {
      session: record.sessionId,
      recording: record.id,
      node: record.node,
    });
    await this.recover(
      record,
      `relay node "${record.node}" stopped while writing it; node "${nodeId}" recovered it`,
    );
    return store.getRecording(record.id);
  }

  /** Make an interrupted recording's file complete and mark it stopped and recovered (`why` first in its problems). */
  async recover(record: RecordingRecord, why?: string): Promise<void> {
    const { logger, store } = this.deps;
    const path = this.deps.pathOf(record.id);
    const reasons = why ? [why] : [];
    let modifiedAt: number;
    try {
      modifiedAt = Math.round((await stat(path)).mtimeMs);
    } catch {
      // The relay died between writing the record and creating the file: nothing was recorded.
      await store.deleteRecording(record.id);
      logger.warn("interrupted recording had no file", { recording: record.id });
      return;
    }
    try {
      const result = await recoverRecordingFile(path);
      await store.saveRecording({
        ...record,
        ...recordFigures(result.stats, await fileSize(path)),
        status: "stopped",
        stoppedAt: Math.max(record.startedAt, modifiedAt),
        recovered: true,
        problems: [...record.problems, ...reasons, ...result.problems],
      });
      logger.warn("interrupted recording recovered", {
        session: record.sessionId,
        recording: record.id,
        frames: result.stats.frames,
        problems: result.problems.length,
      });
    } catch (error) {
      if (error instanceof RecordingError && error.code === "not-mcap") {
        // Killed before the header reached the disk: an empty file.
        await rm(path, { force: true });
        await store.deleteRecording(record.id);
        logger.warn("interrupted recording was empty", { recording: record.id });
        return;
      }
      await store.saveRecording({
        ...record,
        status: "stopped",
        stoppedAt: modifiedAt,
        recovered: true,
        problems: [...record.problems, ...reasons, `could not be recovered: ${message(error)}`],
      });
      logger.error("interrupted recording could not be recovered", {
        recording: record.id,
        error: message(error),
      });
    }
    this.deps.recovered(record.sessionId);
  }

  async close(): Promise<void> {
    this.#closed = true;
    if (this.#timer) clearInterval(this.#timer);
    await this.#sweeping;
  }

  async #sweep(): Promise<void> {
    try {
      for (const record of await this.deps.store.listRecordings()) await this.takeOver(record);
    } catch (error) {
      this.deps.logger.error("recording takeover failed", { error: message(error) });
    }
  }

  async #abandoned(record: RecordingRecord): Promise<boolean> {
    try {
      return Date.now() - (await stat(this.deps.pathOf(record.id))).mtimeMs > ABANDONED_AFTER_MS;
    } catch {
      return Date.now() - record.startedAt > ABANDONED_AFTER_MS;
    }
  }
}

export async function fileSize(path: string): Promise<number> {
  try {
    return (await stat(path)).size;
  } catch {
    return 0;
  }
}

function message(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}
