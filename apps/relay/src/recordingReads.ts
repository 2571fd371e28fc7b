import { RecordingError } from "@depthroom/recording";
import { openRecordingFile, type RecordingFileReader } from "@depthroom/recording/node";
import { type BatchMessage, ErrorCode } from "@depthroom/schema";
import { RecordingRefusal } from "./recordingRefusal.ts";
import type { RecordingRecord } from "./recordingStore.ts";

/*
 * Reads of stopped recordings for review (latest-at, range), through a small cache of open readers
 * shared by concurrent requests: the least recently used are closed, and idle ones after a minute.
 */

const READER_IDLE_MS = 60_000;
/** Chunks each open reader may keep decompressed. */
const READER_CHUNK_CACHE_BYTES = 32 << 20;

export class RecordingReads {
  readonly #readers: ReaderCache;

  constructor(
    private readonly pathOf: (id: string) => string,
    maxOpenReaders: number,
  ) {
    this.#readers = new ReaderCache(maxOpenReaders);
  }

  /**
   * The latest message of each entity at or before `timeNs` (static first, parents before children),
   * each with its log time.
   */
  latestAt(record: RecordingRecord, timeNs: bigint): Promise<BatchMessage[]> {
    readable(record);
    return this.#readers.use(record.id, this.pathOf(record.id), async (reader) =>
      (await reader.latestAt(timeNs)).map((m) => ({ logTimeNs: m.logTimeNs, bytes: m.bytes })),
    );
  }

  /**
   * Temporal messages with `from <= log time <= to`, in log-time order, up to about `maxBytes`: when
   * cut, the answer ends at a time boundary and `next` is the log time to ask from next.
   */
  range(
    record: RecordingRecord,
    from: bigint,
    to: bigint,
    maxBytes: number,
  ): Promise<{ messages: BatchMessage[]; next: bigint | undefined }> {
    readable(record);
    return this.#readers.use(record.id, this.pathOf(record.id), async (reader) => {
      const messages: BatchMessage[] = [];
      let bytes = 0;
      for await (const m of reader.messagesInRange(from, to)) {
        if (bytes + m.bytes.byteLength > maxBytes && messages.length > 0) {
          // Cut at a time boundary: drop what we took of this message's time, unless that is everything.
          let keep = messages.length;
          while (keep > 0 && messages[keep - 1]?.logTimeNs === m.logTimeNs) keep--;
          if (keep > 0) {
            messages.length = keep;
            return { messages, next: m.logTimeNs };
          }
        }
        messages.push({ logTimeNs: m.logTimeNs, bytes: m.bytes });
        bytes += m.bytes.byteLength;
      }
      return { messages, next: undefined };
    });
  }

  /** Close the reader of a recording (deleted, or its file replaced). */
  evict(id: string): Promise<void> {
    return this.#readers.evict(id);
  }

  /** Close readers nobody used for a minute. */
  sweep(): Promise<void> {
    return this.#readers.sweep(READER_IDLE_MS);
  }

  close(): Promise<void> {
    return this.#readers.close();
  }
}

/** Only stopped recordings are read (a running one's file is still being written). */
function readable(record: RecordingRecord): void {
  if (record.status !== "stopped") {
    throw new RecordingRefusal(
      ErrorCode.RecordingActive,
      "the recording is still being written: stop it first",
    );
  }
}

/** Open recordings for reading, shared by concurrent requests; least recently used ones are closed. */
class ReaderCache {
  readonly #entries = new Map<
    string,
    { reader: Promise<RecordingFileReader>; users: number; lastUsed: number }
  >();

  constructor(private readonly max: number) {}

  async use<T>(id: string, path: string, read: (reader: RecordingFileReader) => Promise<T>): Promise<T> {
    let entry = this.#entries.get(id);
    const fresh = !entry;
    if (!entry) {
      const opened = {
        reader: openRecordingFile(path, { chunkCacheBytes: READER_CHUNK_CACHE_BYTES }),
        users: 0,
        lastUsed: 0,
      };
      opened.reader.catch(() => {
        if (this.#entries.get(id) === opened) this.#entries.delete(id);
      });
      this.#entries.set(id, opened);
      entry = opened;
    }
    entry.users++;
    entry.lastUsed = Date.now();
    if (fresh) await this.#trim();
    try {
      return await read(await entry.reader);
    } catch (error) {
      if (error instanceof RecordingError) {
        throw new RecordingRefusal(ErrorCode.Internal, `the recording cannot be read: ${error.message}`);
      }
      throw error;
    } finally {
      entry.users--;
      entry.lastUsed = Date.now();
    }
  }

  async evict(id: string): Promise<void> {
    const entry = this.#entries.get(id);
    if (!entry) return;
    this.#entries.delete(id);
    await entry.reader.then((r) => r.close()).catch(() => undefined);
  }

  /** Close readers idle for `idleMs`. */
  async sweep(idleMs: number): Promise<void> {
    const now = Date.now();
    for (const [id, entry] of this.#entries) {
      if (entry.users === 0 && now - entry.lastUsed > idleMs) await this.evict(id);
    }
  }

  async close(): Promise<void> {
    for (const id of [...this.#entries.keys()]) await this.evict(id);
  }

  async #trim(): Promise<void> {
    while (this.#entries.size > this.max) {
      let oldest: [string, number] | undefined;
      for (const [id, entry] of this.#entries) {
        if (entry.users === 0 && (!oldest || entry.lastUsed < oldest[1])) oldest = [id, entry.lastUsed];
      }
      if (!oldest) return;
      await this.evict(oldest[0]);
    }
  }
}
