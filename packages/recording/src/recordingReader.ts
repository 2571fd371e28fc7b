import { type ArchetypeKind, compareLatestAt, entityArchetypeKey, replacesLatest } from "@depthroom/schema";
import { McapStreamReader, type McapTypes } from "@mcap/core";
import { decompressChunk } from "./compression.ts";
import { errorMessage, RecordingError } from "./errors.ts";
import {
  type ChannelInfo,
  channelInfo,
  type RecordingInfo,
  type RecordingStats,
  recordingInfoFrom,
} from "./format.ts";
import type { RecordingSource } from "./io.ts";
import { type RecordingIndex, readIndexedSummary, recoverRecording, statsOf } from "./recovery.ts";

export interface RecordingEntity {
  readonly entityPath: string;
  readonly kind: ArchetypeKind;
  readonly static: boolean;
  readonly messages: number;
}

/** One stored message: its entity, MCAP log time (capture time) and receive time, and the wire bytes. */
export interface RecordedMessage {
  readonly entityPath: string;
  readonly kind: ArchetypeKind;
  readonly static: boolean;
  readonly logTimeNs: bigint;
  readonly receiveTimeNs: bigint;
  /** The wire message as appended (a view: do not mutate). */
  readonly bytes: Uint8Array;
}

export interface RecordingReader {
  /** True if the file had its summary; false if it was indexed by scanning (a crashed writer). */
  readonly complete: boolean;
  readonly info: RecordingInfo;
  readonly stats: RecordingStats;
  /** Problems met while indexing an unfinished file (empty for a complete one). */
  readonly problems: readonly string[];
  /** Log-time range of the temporal messages (ns), undefined if there are none. */
  timeRange(): { readonly startNs: bigint; readonly endNs: bigint } | undefined;
  entities(): RecordingEntity[];
  /**
   * The latest wire message of each entity and archetype kind at or before `timeNs` (an entity may
   * hold a Pinhole and a Transform3D). A static message belongs to all times and wins over temporal
   * ones of the same entity and kind (as in Rerun). Sorted for sending: static first, then parents
   * before children. Reads only the chunks that hold the answers, found through the indexes.
   */
  latestAt(timeNs: bigint): Promise<RecordedMessage[]>;
  /** Temporal messages with `startNs <= logTime <= endNs`, in log-time order (read-ahead while playing). */
  messagesInRange(startNs: bigint, endNs: bigint): AsyncGenerator<RecordedMessage, void, void>;
}

export interface OpenRecordingOptions {
  /** Index an unfinished file by scanning it (default true); false: `not-indexed` error instead. */
  readonly allowUnindexed?: boolean;
  /** Bytes of decompressed/loaded chunks kept for reuse (default 64 MiB). */
  readonly chunkCacheBytes?: number;
}

/**
 * Open a Depthroom recording for seeking. Throws `RecordingError`: `not-mcap`, `not-depthroom`,
 * `not-indexed` (with `allowUnindexed: false`), `io`.
 */
export async function openRecording(
  source: RecordingSource,
  options: OpenRecordingOptions = {},
): Promise<RecordingReader> {
  const indexed = await readIndexedSummary(source);
  let index: RecordingIndex;
  let problems: readonly string[] = [];
  if (indexed) {
    index = indexed.index;
  } else {
    if (options.allowUnindexed === false) {
      throw new RecordingError(
        "not-indexed",
        "the recording has no summary (its writer did not finish); recover it first",
      );
    }
    const recovered = await recoverRecording(source);
    index = recovered.index;
    problems = recovered.problems;
  }
  return new Reader(source, index, indexed !== undefined, problems, options.chunkCacheBytes ?? 64 << 20);
}

interface ChunkRef {
  readonly index: McapTypes.ChunkIndex;
  readonly start: bigint;
  readonly end: bigint;
  /** File offset of the first byte of the chunk's records. */
  readonly recordsOffset: bigint;
}

/** One channel's message index within one chunk, sorted by log time. */
interface ChannelChunkIndex {
  readonly times: BigUint64Array;
  readonly offsets: Float64Array;
}

interface Hit {
  readonly time: bigint;
  readonly ref: ChunkRef;
  readonly offset: number;
}

interface ChannelState {
  readonly id: number;
  readonly info: ChannelInfo;
  /** Chunks holding this channel, ascending by start time, with the running max of end times. */
  readonly chunks: ChunkRef[];
  readonly maxEndUpTo: bigint[];
}

class Reader implements RecordingReader {
  readonly #channels = new Map<number, ChannelState>();
  readonly #messageIndexes = new Map<bigint, Map<number, ChannelChunkIndex>>();
  readonly #chunkCache = new Map<bigint, Uint8Array>();
  #chunkCacheBytes = 0;
  readonly info: RecordingInfo;
  readonly stats: RecordingStats;

  constructor(
    readonly source: RecordingSource,
    readonly index: RecordingIndex,
    readonly complete: boolean,
    readonly problems: readonly string[],
    readonly chunkCacheLimit: number,
  ) {
    this.info = recordingInfoFrom(index.metadata);
    this.stats = statsOf(index);
    for (const channel of index.channels.values()) {
      const info = channelInfo(channel);
      if (info) this.#channels.set(channel.id, { id: channel.id, info, chunks: [], maxEndUpTo: [] });
    }
    if (this.#channels.size === 0 && index.channels.size > 0) {
      throw new RecordingError(
        "not-depthroom",
        "an MCAP file, but not a Depthroom recording (no Depthroom channels)",
      );
    }
    const refs = index.chunkIndexes
      .map((c) => ({
        index: c,
        start: c.messageStartTime,
        end: c.messageEndTime,
        recordsOffset: c.chunkStartOffset + BigInt(1 + 8 + 8 + 8 + 8 + 4 + 4 + utf8Length(c.compression) + 8),
      }))
      .sort((a, b) =>
        a.start < b.start
          ? -1
          : a.start > b.start
            ? 1
            : Number(a.index.chunkStartOffset - b.index.chunkStartOffset),
      );
    for (const ref of refs) {
      for (const channelId of ref.index.messageIndexOffsets.keys()) {
        const state = this.#channels.get(channelId);
        if (!state) continue;
        const previous = state.maxEndUpTo[state.maxEndUpTo.length - 1];
        state.chunks.push(ref);
        state.maxEndUpTo.push(previous === undefined || ref.end > previous ? ref.end : previous);
      }
    }
  }

  timeRange(): { startNs: bigint; endNs: bigint } | undefined {
    // Exact: the writer's end metadata or a scan's indexes (see `statsOf`).
    const { startTimeNs, endTimeNs } = this.stats;
    return startTimeNs === undefined || endTimeNs === undefined
      ? undefined
      : { startNs: startTimeNs, endNs: endTimeNs };
  }

  entities(): RecordingEntity[] {
    const counts = this.index.statistics.channelMessageCounts;
    return [...this.#channels.values()]
      .map(
        (s): RecordingEntity => ({
          entityPath: s.info.entityPath,
          kind: s.info.kind,
          static: s.info.static,
          messages: Number(counts.get(s.id) ?? 0n),
        }),
      )
      .sort((a, b) => (a.entityPath < b.entityPath ? -1 : a.entityPath > b.entityPath ? 1 : 0));
  }

  async latestAt(timeNs: bigint): Promise<RecordedMessage[]> {
    const found = new Map<string, { hit: Hit; state: ChannelState }>();
    for (const state of this.#channels.values()) {
      const hit = await this.#latestInChannel(state, state.info.static ? MAX_U64 : timeNs);
      if (!hit) continue;
      const key = entityArchetypeKey(state.info.entityPath, state.info.kind);
      const current = found.get(key);
      const better =
        !current ||
        replacesLatest(
          { static: current.state.info.static, timeNs: current.hit.time },
          { static: state.info.static, timeNs: hit.time },
        );
      if (better) found.set(key, { hit, state });
    }
    const out = await Promise.all(
      [...found.values()].map(async ({ hit, state }): Promise<RecordedMessage> => {
        const m = await this.#readMessage(hit.ref, hit.offset);
        return {
          entityPath: state.info.entityPath,
          kind: state.info.kind,
          static: state.info.static,
          logTimeNs: m.logTime,
          receiveTimeNs: m.publishTime,
          bytes: m.data,
        };
      }),
    );
    return out.sort(compareLatestAt);
  }

  async *messagesInRange(startNs: bigint, endNs: bigint): AsyncGenerator<RecordedMessage, void, void> {
    const entries: { time: bigint; ref: ChunkRef; offset: number; state: ChannelState }[] = [];
    for (const state of this.#channels.values()) {
      if (state.info.static) continue;
      for (const ref of state.chunks) {
        if (ref.start > endNs || ref.end < startNs) continue;
        const idx = (await this.#loadMessageIndexes(ref)).get(state.id);
        if (!idx) continue;
        for (let i = lowerBound(idx.times, startNs); i < idx.times.length; i++) {
          const time = idx.times[i] as bigint;
          if (time > endNs) break;
          entries.push({ time, ref, offset: idx.offsets[i] as number, state });
        }
      }
    }
    entries.sort((a, b) =>
      a.time < b.time
        ? -1
        : a.time > b.time
          ? 1
          : Number(a.ref.recordsOffset - b.ref.recordsOffset) || a.offset - b.offset,
    );
    for (const e of entries) {
      const records = await this.#loadChunkRecords(e.ref);
      const m = parseMessageRecord(records, e.offset, e.ref);
      yield {
        entityPath: e.state.info.entityPath,
        kind: e.state.info.kind,
        static: false,
        logTimeNs: m.logTime,
        receiveTimeNs: m.publishTime,
        bytes: m.data,
      };
    }
  }

  /** The newest message of one channel at or before `timeNs`: walk its chunks backwards from t. */
  async #latestInChannel(state: ChannelState, timeNs: bigint): Promise<Hit | undefined> {
    let best: Hit | undefined;
    // Last chunk whose first message is at or before t.
    let lo = 0;
    let hi = state.chunks.length;
    while (lo < hi) {
      const mid = (lo + hi) >> 1;
      if ((state.chunks[mid] as ChunkRef).start <= timeNs) lo = mid + 1;
      else hi = mid;
    }
    for (let i = lo - 1; i >= 0; i--) {
      if (best && (state.maxEndUpTo[i] as bigint) < best.time) break;
      const ref = state.chunks[i] as ChunkRef;
      const idx = (await this.#loadMessageIndexes(ref)).get(state.id);
      if (!idx) continue;
      const k = upperBound(idx.times, timeNs) - 1;
      if (k < 0) continue;
      const time = idx.times[k] as bigint;
      if (!best || time > best.time || (time === best.time && ref.recordsOffset > best.ref.recordsOffset)) {
        best = { time, ref, offset: idx.offsets[k] as number };
      }
    }
    return best;
  }

  async #loadMessageIndexes(ref: ChunkRef): Promise<Map<number, ChannelChunkIndex>> {
    const key = ref.index.chunkStartOffset;
    const cached = this.#messageIndexes.get(key);
    if (cached) return cached;
    const out = new Map<number, ChannelChunkIndex>();
    const rebuilt = this.index.messageIndexes?.get(key);
    if (rebuilt) {
      for (const [channelId, records] of rebuilt) out.set(channelId, sortedIndex(records));
      this.#messageIndexes.set(key, out);
      return out;
    }
    let first: bigint | undefined;
    for (const offset of ref.index.messageIndexOffsets.values()) {
      if (first === undefined || offset < first) first = offset;
    }
    if (first !== undefined && ref.index.messageIndexLength > 0n) {
      const bytes = await this.#read(first, ref.index.messageIndexLength);
      const stream = new McapStreamReader({ noMagicPrefix: true });
      try {
        stream.append(bytes);
        for (let r = stream.nextRecord(); r; r = stream.nextRecord()) {
          if (r.type !== "MessageIndex") continue;
          out.set(r.channelId, sortedIndex(r.records));
        }
      } catch (error) {
        throw new RecordingError(
          "corrupt",
          `message index of the chunk at byte ${key}: ${errorMessage(error)}`,
          {
            cause: error,
          },
        );
      }
    }
    this.#messageIndexes.set(key, out);
    return out;
  }

  /** One message: read directly from an uncompressed chunk, else from the (cached) decompressed chunk. */
  async #readMessage(ref: ChunkRef, offset: number): Promise<MessageRecord> {
    if (ref.index.compression !== "" || this.#chunkCache.has(ref.index.chunkStartOffset)) {
      return parseMessageRecord(await this.#loadChunkRecords(ref), offset, ref);
    }
    const at = ref.recordsOffset + BigInt(offset);
    const head = await this.#read(at, BigInt(MESSAGE_HEADER));
    const length = new DataView(head.buffer, head.byteOffset, head.byteLength).getBigUint64(1, true);
    if (
      head[0] !== OPCODE_MESSAGE ||
      length < 22n ||
      BigInt(offset) + 9n + length > ref.index.uncompressedSize
    ) {
      throw new RecordingError(
        "corrupt",
        `no message record at offset ${offset} of the chunk at byte ${ref.index.chunkStartOffset}`,
      );
    }
    const whole = new Uint8Array(Number(9n + length));
    whole.set(head, 0);
    whole.set(
      await this.#read(at + BigInt(MESSAGE_HEADER), 9n + length - BigInt(MESSAGE_HEADER)),
      MESSAGE_HEADER,
    );
    return parseMessageRecord(whole, 0, ref);
  }

  async #loadChunkRecords(ref: ChunkRef): Promise<Uint8Array> {
    const key = ref.index.chunkStartOffset;
    const cached = this.#chunkCache.get(key);
    if (cached) {
      this.#chunkCache.delete(key);
      this.#chunkCache.set(key, cached);
      return cached;
    }
    const compressed = await this.#read(ref.recordsOffset, ref.index.compressedSize);
    const records = decompressChunk(ref.index.compression, compressed, ref.index.uncompressedSize);
    this.#chunkCache.set(key, records);
    this.#chunkCacheBytes += records.byteLength;
    for (const [k, v] of this.#chunkCache) {
      if (this.#chunkCacheBytes <= this.chunkCacheLimit || k === key) break;
      this.#chunkCache.delete(k);
      this.#chunkCacheBytes -= v.byteLength;
    }
    return records;
  }

  async #read(offset: bigint, size: bigint): Promise<Uint8Array> {
    try {
      return await this.source.read(offset, size);
    } catch (error) {
      throw new RecordingError("io", `reading ${size} bytes at ${offset}: ${errorMessage(error)}`, {
        cause: error,
      });
    }
  }
}

const MAX_U64 = (1n << 64n) - 1n;
const OPCODE_MESSAGE = 0x05;
/** opcode, length, channel id, sequence, log time, publish time. */
const MESSAGE_HEADER = 1 + 8 + 2 + 4 + 8 + 8;

interface MessageRecord {
  readonly channelId: number;
  readonly logTime: bigint;
  readonly publishTime: bigint;
  readonly data: Uint8Array;
}

/** The Message record at `offset` of a chunk's records (MCAP spec: opcode 0x05, fixed fields, data). */
function parseMessageRecord(records: Uint8Array, offset: number, ref: ChunkRef): MessageRecord {
  const view = new DataView(records.buffer, records.byteOffset, records.byteLength);
  if (offset + MESSAGE_HEADER > records.byteLength || records[offset] !== OPCODE_MESSAGE) {
    throw new RecordingError(
      "corrupt",
      `no message record at offset ${offset} of the chunk at byte ${ref.index.chunkStartOffset}`,
    );
  }
  const length = Number(view.getBigUint64(offset + 1, true));
  const end = offset + 9 + length;
  if (length < 22 || end > records.byteLength) {
    throw new RecordingError(
      "corrupt",
      `message record at offset ${offset} of the chunk at byte ${ref.index.chunkStartOffset} overruns it`,
    );
  }
  return {
    channelId: view.getUint16(offset + 9, true),
    logTime: view.getBigUint64(offset + 15, true),
    publishTime: view.getBigUint64(offset + 23, true),
    data: records.subarray(offset + MESSAGE_HEADER, end),
  };
}

/** A channel's message index entries sorted by log time (stable: file order among equal times). */
function sortedIndex(records: readonly (readonly [bigint, bigint])[]): ChannelChunkIndex {
  const order = records.map((_, i) => i);
  order.sort((a, b) => {
    const ta = (records[a] as readonly [bigint, bigint])[0];
    const tb = (records[b] as readonly [bigint, bigint])[0];
    return ta < tb ? -1 : ta > tb ? 1 : a - b;
  });
  const times = new BigUint64Array(order.length);
  const offsets = new Float64Array(order.length);
  order.forEach((from, to) => {
    const [time, offset] = records[from] as readonly [bigint, bigint];
    times[to] = time;
    offsets[to] = Number(offset);
  });
  return { times, offsets };
}

function utf8Length(s: string): number {
  return new TextEncoder().encode(s).byteLength;
}

/** First index with times[i] >= t. */
function lowerBound(times: BigUint64Array, t: bigint): number {
  let lo = 0;
  let hi = times.length;
  while (lo < hi) {
    const mid = (lo + hi) >> 1;
    if ((times[mid] as bigint) < t) lo = mid + 1;
    else hi = mid;
  }
  return lo;
}

/** First index with times[i] > t. */
function upperBound(times: BigUint64Array, t: bigint): number {
  let lo = 0;
  let hi = times.length;
  while (lo < hi) {
    const mid = (lo + hi) >> 1;
    if ((times[mid] as bigint) <= t) lo = mid + 1;
    else hi = mid;
  }
  return lo;
}
