import { readEnvelope } from "@depthroom/schema";
import { crc32 } from "@foxglove/crc";
import { McapChunkBuilder, McapRecordBuilder, type McapTypes } from "@mcap/core";
import { type ChunkCompression, compressChunk } from "./compression.ts";
import { RecordingError } from "./errors.ts";
import {
  channelKey,
  channelMetadata,
  END_TEMPORAL_END,
  END_TEMPORAL_START,
  logTimeOf,
  METADATA_END,
  METADATA_START,
  PROFILE,
  type RecordingStats,
  WIRE_MESSAGE_ENCODING,
  WIRE_SCHEMA_DATA,
  WIRE_SCHEMA_ENCODING,
  WIRE_SCHEMA_NAME,
} from "./format.ts";
import type { RecordingSink } from "./io.ts";
import { buildSummarySection, emptyStatistics } from "./summarySection.ts";

export interface RecordingWriterOptions {
  readonly recordingId?: string;
  readonly sessionId?: string;
  /** Wall time the recording starts, ns since the epoch (default: now). */
  readonly startedAtNs?: bigint;
  /** More key/values for the start metadata record. */
  readonly metadata?: Readonly<Record<string, string>>;
  /** A chunk is closed when it holds this many bytes (default 4 MiB)... */
  readonly chunkBytes?: number;
  /** ...or when a message arrives this long (receive time) after the chunk's first one (default 1 s). */
  readonly chunkDurationMs?: number;
  /** Chunk compression: "" (none, the default: RVL is already compressed) or "lz4". */
  readonly compression?: ChunkCompression;
}

export interface RecordingWriter {
  /**
   * Append one wire message (bytes from `encodeMessage`), stored verbatim. Synchronous: the message is
   * buffered in the open chunk; full chunks are handed to the sink in order. Throws `RecordingError`
   * (`bad-input` for bytes that are not a wire message, `closed`, or `io` after a sink failure).
   */
  append(bytes: Uint8Array, receiveTimeNs: bigint): void;
  /** Close the open chunk and wait until the sink has taken everything (call it when the stream idles). */
  flush(): Promise<void>;
  /** Write the end metadata, indexes and footer; the file is then a complete indexed MCAP. */
  close(stoppedAtNs?: bigint): Promise<RecordingStats>;
  /** Figures so far (messages in the open chunk included). */
  stats(): RecordingStats;
  /** Bytes handed to the sink (the file size so far). */
  readonly position: number;
}

const DEFAULT_CHUNK_BYTES = 4 << 20;
const DEFAULT_CHUNK_MS = 1000;

export function nowNs(): bigint {
  return BigInt(Date.now()) * 1_000_000n;
}

/**
 * A writer of Depthroom recordings to any byte sink: one schema, one channel per entity (and archetype
 * kind, static or not), messages chunked by size or time and indexed, metadata for the recording. A
 * crash loses at most the open chunk.
 */
export function createRecordingWriter(
  sink: RecordingSink,
  options: RecordingWriterOptions = {},
): RecordingWriter {
  return new Writer(sink, options);
}

class Writer implements RecordingWriter {
  readonly #sink: RecordingSink;
  readonly #chunkBytes: number;
  readonly #chunkDurationNs: bigint;
  readonly #compression: ChunkCompression;
  readonly #records = new McapRecordBuilder();
  readonly #chunk = new McapChunkBuilder({ useMessageIndex: true });
  #chunkFirstReceiveNs = 0n;
  readonly #schema: McapTypes.Schema = {
    id: 1,
    name: WIRE_SCHEMA_NAME,
    encoding: WIRE_SCHEMA_ENCODING,
    data: WIRE_SCHEMA_DATA,
  };
  readonly #channels = new Map<string, McapTypes.Channel>();
  readonly #sequences = new Map<number, number>();
  readonly #entities = new Set<string>();
  readonly #statistics = emptyStatistics();
  readonly #chunkIndexes: McapTypes.ChunkIndex[] = [];
  readonly #metadataIndexes: McapTypes.MetadataIndex[] = [];
  #wireBytes = 0;
  /** Log-time range of the temporal messages (the timeline a review plays; statics belong to all times). */
  #temporalStartNs: bigint | undefined;
  #temporalEndNs: bigint | undefined;
  #position = 0;
  #pending: Promise<void> = Promise.resolve();
  #failure: RecordingError | undefined;
  #closed = false;

  constructor(sink: RecordingSink, options: RecordingWriterOptions) {
    this.#sink = sink;
    this.#chunkBytes = options.chunkBytes ?? DEFAULT_CHUNK_BYTES;
    this.#chunkDurationNs = BigInt(Math.round((options.chunkDurationMs ?? DEFAULT_CHUNK_MS) * 1e6));
    this.#compression = options.compression ?? "";
    if (!(this.#chunkBytes > 0) || this.#chunkDurationNs <= 0n) {
      throw new RecordingError("bad-input", "chunkBytes and chunkDurationMs must be > 0");
    }
    this.#records.writeMagic();
    this.#records.writeHeader({ profile: PROFILE, library: "@depthroom/recording" });
    this.#records.writeSchema(this.#schema);
    this.#statistics.schemaCount = 1;
    const start: Record<string, string> = { ...options.metadata };
    if (options.recordingId !== undefined) start.recordingId = options.recordingId;
    if (options.sessionId !== undefined) start.sessionId = options.sessionId;
    start.startedAtNs = String(options.startedAtNs ?? nowNs());
    this.#writeMetadata(METADATA_START, start);
    this.#emit();
  }

  get position(): number {
    return this.#position;
  }

  append(bytes: Uint8Array, receiveTimeNs: bigint): void {
    this.#check();
    let envelope: ReturnType<typeof readEnvelope>;
    try {
      envelope = readEnvelope(bytes);
    } catch (error) {
      throw new RecordingError("bad-input", `not a wire message: ${String(error)}`, { cause: error });
    }
    const key = channelKey(envelope.entityPath, envelope.kind, envelope.static);
    let channel = this.#channels.get(key);
    if (!channel) {
      channel = {
        id: this.#channels.size + 1,
        schemaId: this.#schema.id,
        topic: envelope.entityPath,
        messageEncoding: WIRE_MESSAGE_ENCODING,
        metadata: channelMetadata(envelope),
      };
      this.#channels.set(key, channel);
      this.#entities.add(envelope.entityPath);
      this.#statistics.channelCount++;
      // Channels go to the data section at once (not into the open chunk), so a later crash that tears
      // the chunk does not orphan the channel's messages in the chunks after it.
      this.#records.writeChannel(channel);
      this.#emit();
    }
    const logTime = logTimeOf(envelope, receiveTimeNs);
    const sequence = (this.#sequences.get(channel.id) ?? 0) + 1;
    this.#sequences.set(channel.id, sequence);
    if (this.#chunk.numMessages === 0) this.#chunkFirstReceiveNs = receiveTimeNs;
    this.#chunk.addMessage({
      channelId: channel.id,
      sequence,
      logTime,
      publishTime: receiveTimeNs,
      data: bytes,
    });
    if (!envelope.static) {
      if (this.#temporalStartNs === undefined || logTime < this.#temporalStartNs)
        this.#temporalStartNs = logTime;
      if (this.#temporalEndNs === undefined || logTime > this.#temporalEndNs) this.#temporalEndNs = logTime;
    }
    const s = this.#statistics;
    if (s.messageCount === 0n || logTime < s.messageStartTime) s.messageStartTime = logTime;
    if (s.messageCount === 0n || logTime > s.messageEndTime) s.messageEndTime = logTime;
    s.messageCount++;
    s.channelMessageCounts.set(channel.id, (s.channelMessageCounts.get(channel.id) ?? 0n) + 1n);
    this.#wireBytes += bytes.byteLength;
    if (
      this.#chunk.byteLength >= this.#chunkBytes ||
      receiveTimeNs - this.#chunkFirstReceiveNs >= this.#chunkDurationNs
    ) {
      this.#finishChunk();
    }
  }

  async flush(): Promise<void> {
    this.#check();
    this.#finishChunk();
    await this.#pending;
    if (this.#failure) throw this.#failure;
  }

  async close(stoppedAtNs: bigint = nowNs()): Promise<RecordingStats> {
    this.#check();
    this.#finishChunk();
    const stats = this.stats();
    this.#writeMetadata(METADATA_END, {
      stoppedAtNs: String(stoppedAtNs),
      frames: String(stats.frames),
      bytes: String(stats.bytes),
      entities: JSON.stringify(stats.entities),
      ...(stats.startTimeNs !== undefined && stats.endTimeNs !== undefined
        ? { [END_TEMPORAL_START]: String(stats.startTimeNs), [END_TEMPORAL_END]: String(stats.endTimeNs) }
        : {}),
    });
    this.#emit();
    const tail = buildSummarySection({
      dataEndOffset: BigInt(this.#position),
      schemas: [this.#schema],
      channels: this.#channels.values(),
      statistics: this.#statistics,
      metadataIndexes: this.#metadataIndexes,
      chunkIndexes: this.#chunkIndexes,
    });
    this.#enqueue(tail);
    this.#closed = true;
    await this.#pending;
    if (this.#failure) throw this.#failure;
    return stats;
  }

  stats(): RecordingStats {
    const s = this.#statistics;
    return {
      frames: Number(s.messageCount),
      bytes: this.#wireBytes,
      entities: [...this.#entities].sort(),
      startTimeNs: this.#temporalStartNs,
      endTimeNs: this.#temporalEndNs,
      chunks: s.chunkCount,
    };
  }

  #check(): void {
    if (this.#closed) throw new RecordingError("closed", "the recording writer is closed");
    if (this.#failure) throw this.#failure;
  }

  #writeMetadata(name: string, values: Record<string, string>): void {
    const offset = BigInt(this.#position + this.#records.length);
    const length = this.#records.writeMetadata({ name, metadata: new Map(Object.entries(values)) });
    this.#metadataIndexes.push({ offset, length, name });
    this.#statistics.metadataCount++;
  }

  #finishChunk(): void {
    const chunk = this.#chunk;
    if (chunk.numMessages === 0) return;
    const data = chunk.buffer;
    const records = compressChunk(this.#compression, data);
    const chunkStartOffset = BigInt(this.#position + this.#records.length);
    const chunkLength = this.#records.writeChunk({
      messageStartTime: chunk.messageStartTime,
      messageEndTime: chunk.messageEndTime,
      uncompressedSize: BigInt(data.byteLength),
      uncompressedCrc: crc32(data),
      compression: this.#compression,
      records,
    });
    const messageIndexStart = chunkStartOffset + chunkLength;
    const messageIndexOffsets = new Map<number, bigint>();
    let messageIndexLength = 0n;
    for (const index of chunk.indices) {
      if (index.records.length === 0) continue;
      messageIndexOffsets.set(index.channelId, messageIndexStart + messageIndexLength);
      messageIndexLength += this.#records.writeMessageIndex(index);
    }
    this.#chunkIndexes.push({
      messageStartTime: chunk.messageStartTime,
      messageEndTime: chunk.messageEndTime,
      chunkStartOffset,
      chunkLength,
      messageIndexOffsets,
      messageIndexLength,
      compression: this.#compression,
      compressedSize: BigInt(records.byteLength),
      uncompressedSize: BigInt(data.byteLength),
    });
    this.#statistics.chunkCount++;
    chunk.reset();
    this.#emit();
  }

  /** Hand the built records to the sink (copied: the builder's buffer is reused). */
  #emit(): void {
    if (this.#records.length === 0) return;
    const bytes = this.#records.buffer.slice();
    this.#records.reset();
    this.#enqueue(bytes);
  }

  #enqueue(bytes: Uint8Array): void {
    this.#position += bytes.byteLength;
    this.#pending = this.#pending.then(async () => {
      if (this.#failure) return;
      try {
        await this.#sink.write(bytes);
      } catch (error) {
        this.#failure = new RecordingError("io", `recording sink failed: ${String(error)}`, { cause: error });
      }
    });
  }
}
