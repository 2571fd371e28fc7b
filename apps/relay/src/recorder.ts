import { type FileHandle, open } from "node:fs/promises";
import {
  createRecordingWriter,
  type RecordingSink,
  type RecordingStats,
  type RecordingWriter,
} from "@depthroom/recording";

/*
 * One recording being written: the session's accepted messages, the exact wire bytes, appended to an
 * MCAP file by @depthroom/recording's writer. The writer has no timer, so the owner calls `flush()`
 * about once a second (a kill -9 then loses at most the last second). Memory is bounded: when the disk
 * falls behind by more than `maxBacklogBytes`, messages are dropped (and counted) instead of queued.
 */

export interface RecorderOptions {
  readonly recordingId: string;
  readonly sessionId: string;
  readonly startedAtNs: bigint;
  /** Bytes handed to the file but not yet written, past which messages are dropped (default 64 MiB). */
  readonly maxBacklogBytes?: number;
}

export class Recorder {
  readonly #writer: RecordingWriter;
  readonly #handle: FileHandle;
  readonly #maxBacklog: number;
  #written = 0;
  #dropped = 0;
  #failure: Error | undefined;
  #flushing: Promise<void> | undefined;
  #closed = false;

  private constructor(handle: FileHandle, options: RecorderOptions) {
    this.#handle = handle;
    this.#maxBacklog = options.maxBacklogBytes ?? 64 << 20;
    const sink: RecordingSink = {
      write: async (bytes) => {
        let done = 0;
        while (done < bytes.byteLength) {
          const { bytesWritten } = await handle.write(bytes, done, bytes.byteLength - done);
          done += bytesWritten;
        }
        this.#written += bytes.byteLength;
      },
    };
    this.#writer = createRecordingWriter(sink, {
      recordingId: options.recordingId,
      sessionId: options.sessionId,
      startedAtNs: options.startedAtNs,
    });
  }

  /** Create the file (it must not exist) and write the MCAP header and the start metadata. */
  static async create(path: string, options: RecorderOptions): Promise<Recorder> {
    const handle = await open(path, "wx");
    const recorder = new Recorder(handle, options);
    await recorder.flush();
    return recorder;
  }

  /** Take one accepted wire message (synchronous; never throws). */
  append(bytes: Uint8Array, receiveTimeNs: bigint): void {
    if (this.#closed || this.#failure) return;
    if (this.#writer.position - this.#written > this.#maxBacklog) {
      this.#dropped++;
      return;
    }
    try {
      this.#writer.append(bytes, receiveTimeNs);
    } catch (error) {
      this.#failure = error instanceof Error ? error : new Error(String(error));
    }
  }

  /** Close the open chunk and write it out; concurrent calls share one flush. Never rejects. */
  flush(): Promise<void> {
    if (this.#closed || this.#failure) return Promise.resolve();
    this.#flushing ??= this.#writer
      .flush()
      .catch((error: unknown) => {
        this.#failure = error instanceof Error ? error : new Error(String(error));
      })
      .finally(() => {
        this.#flushing = undefined;
      });
    return this.#flushing;
  }

  /** Touch the file's modification time: other nodes take a file untouched for long as abandoned. */
  heartbeat(): void {
    if (this.#closed) return;
    const now = new Date();
    this.#handle.utimes(now, now).catch(() => undefined);
  }

  /** Finish the MCAP (summary, indexes) and close the file. Throws if the file could not be written. */
  async close(stoppedAtNs: bigint): Promise<RecordingStats> {
    this.#closed = true;
    try {
      await this.#flushing;
      if (this.#failure) throw this.#failure;
      const stats = await this.#writer.close(stoppedAtNs);
      await this.#handle.sync();
      return stats;
    } finally {
      await this.#handle.close();
    }
  }

  /** Close the file without finishing it (what a crash leaves; recovery finishes it). */
  async abandon(): Promise<void> {
    this.#closed = true;
    await this.#flushing;
    await this.#handle.close();
  }

  stats(): RecordingStats {
    return this.#writer.stats();
  }

  get dropped(): number {
    return this.#dropped;
  }

  /** Bytes written to the file so far. */
  get bytesWritten(): number {
    return this.#written;
  }

  /** Why writing stopped (a disk error), if it did. */
  get failure(): Error | undefined {
    return this.#failure;
  }
}
