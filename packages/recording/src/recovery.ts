import { McapIndexedReader, McapRecordBuilder, type McapTypes } from "@mcap/core";
import { decompressHandlers } from "./compression.ts";
import { errorMessage, RecordingError } from "./errors.ts";
import {
  channelInfo,
  END_TEMPORAL_END,
  END_TEMPORAL_START,
  METADATA_END,
  type RecordingInfo,
  type RecordingStats,
  recordingInfoFrom,
} from "./format.ts";
import type { RecordingSink, RecordingSource } from "./io.ts";
import { McapScan, recordOffsetsInChunk, type ScanEnd, type SkippedRecord } from "./scan.ts";
import { buildSummarySection, emptyStatistics } from "./summarySection.ts";

/** What an indexed reader needs: the summary of a complete file, or one rebuilt from a crashed file. */
export interface RecordingIndex {
  readonly schemas: ReadonlyMap<number, McapTypes.Schema>;
  readonly channels: ReadonlyMap<number, McapTypes.Channel>;
  readonly chunkIndexes: readonly McapTypes.ChunkIndex[];
  readonly metadataIndexes: readonly McapTypes.MetadataIndex[];
  readonly metadata: ReadonlyMap<string, ReadonlyMap<string, string>>;
  readonly statistics: McapTypes.Statistics;
  /** Total bytes of the stored messages, when known (from a scan or the end metadata). */
  readonly messageBytes: number | undefined;
  /**
   * Message indexes rebuilt by a scan (chunk start offset -> channel -> [log time, offset in chunk]),
   * so a reader can seek in a file whose own indexes are missing or unreadable.
   */
  readonly messageIndexes?: ReadonlyMap<bigint, ReadonlyMap<number, readonly (readonly [bigint, bigint])[]>>;
}

export interface RecoveryResult {
  /** The file was already a complete indexed MCAP: nothing to finish. */
  readonly complete: boolean;
  readonly fileSize: number;
  /** Bytes [0, lastGoodOffset) are sound records; what follows is lost. */
  readonly lastGoodOffset: number;
  /** Messages that can be read. */
  readonly messages: number;
  readonly stats: RecordingStats;
  readonly info: RecordingInfo;
  /** What was wrong and what was lost, in words (empty for a complete file). */
  readonly problems: readonly string[];
  /** How the scan ended (undefined for a complete file). */
  readonly end: ScanEnd | undefined;
  /** The index of what is readable (used by `openRecording` on files without a summary). */
  readonly index: RecordingIndex;
  /** To finish the file: keep bytes [0, cutOffset) and append `tail` (empty when complete). */
  readonly cutOffset: number;
  readonly tail: Uint8Array;
}

/** Read the summary of a complete indexed file, or undefined if it has none. */
export async function readIndexedSummary(
  source: RecordingSource,
): Promise<{ reader: McapIndexedReader; index: RecordingIndex } | undefined> {
  let reader: McapIndexedReader;
  try {
    reader = await McapIndexedReader.Initialize({ readable: source, decompressHandlers });
  } catch {
    return undefined;
  }
  const metadata = new Map<string, ReadonlyMap<string, string>>();
  try {
    for await (const m of reader.readMetadata()) metadata.set(m.name, m.metadata);
  } catch {
    // metadata is optional; a foreign file's bad metadata index does not make it unreadable
  }
  const statistics = reader.statistics ?? statisticsFromChunks(reader.chunkIndexes, reader.channelsById.size);
  const bytesText = metadata.get(METADATA_END)?.get("bytes");
  const messageBytes = bytesText !== undefined && /^\d+$/.test(bytesText) ? Number(bytesText) : undefined;
  return {
    reader,
    index: {
      schemas: reader.schemasById,
      channels: reader.channelsById,
      chunkIndexes: reader.chunkIndexes,
      metadataIndexes: reader.metadataIndexes,
      metadata,
      statistics,
      messageBytes,
    },
  };
}

function statisticsFromChunks(
  chunks: readonly McapTypes.ChunkIndex[],
  channelCount: number,
): McapTypes.Statistics {
  const s = emptyStatistics();
  s.channelCount = channelCount;
  s.chunkCount = chunks.length;
  chunks.forEach((c, i) => {
    if (i === 0 || c.messageStartTime < s.messageStartTime) s.messageStartTime = c.messageStartTime;
    if (i === 0 || c.messageEndTime > s.messageEndTime) s.messageEndTime = c.messageEndTime;
  });
  return s;
}

export function statsOf(index: RecordingIndex): RecordingStats {
  const s = index.statistics;
  const entities = new Set<string>();
  for (const channel of index.channels.values()) {
    const info = channelInfo(channel);
    if (info) entities.add(info.entityPath);
  }
  const range = temporalRangeOf(index);
  return {
    frames: Number(s.messageCount),
    bytes: index.messageBytes ?? 0,
    entities: [...entities].sort(),
    startTimeNs: range?.startNs,
    endTimeNs: range?.endNs,
    chunks: index.chunkIndexes.length,
  };
}

/**
 * The log-time range of the temporal messages: from the scan's message indexes (a crashed file), else
 * from the end metadata the writer wrote, else (a file written before it did) the range of all messages.
 */
function temporalRangeOf(index: RecordingIndex): { startNs: bigint; endNs: bigint } | undefined {
  const temporal = new Set<number>();
  for (const channel of index.channels.values()) {
    const info = channelInfo(channel);
    if (info && !info.static) temporal.add(channel.id);
  }
  if (index.messageIndexes) {
    let startNs: bigint | undefined;
    let endNs: bigint | undefined;
    for (const byChannel of index.messageIndexes.values())
      for (const [channelId, records] of byChannel) {
        if (!temporal.has(channelId)) continue;
        for (const [time] of records) {
          if (startNs === undefined || time < startNs) startNs = time;
          if (endNs === undefined || time > endNs) endNs = time;
        }
      }
    return startNs === undefined || endNs === undefined ? undefined : { startNs, endNs };
  }
  const end = index.metadata.get(METADATA_END);
  const start = end?.get(END_TEMPORAL_START);
  const stop = end?.get(END_TEMPORAL_END);
  if (start !== undefined && stop !== undefined && /^\d{1,20}$/.test(start) && /^\d{1,20}$/.test(stop))
    return { startNs: BigInt(start), endNs: BigInt(stop) };
  // A complete file whose end metadata does not say (or says it holds no temporal message).
  if (end?.has("frames") && temporal.size === 0) return undefined;
  const s = index.statistics;
  return s.messageCount === 0n ? undefined : { startNs: s.messageStartTime, endNs: s.messageEndTime };
}

interface ScannedChunk {
  readonly offset: number;
  readonly length: number;
  readonly chunk: McapTypes.Chunk;
  /** Regenerated from the chunk's content: channel -> [logTime, offset in chunk]. */
  readonly indexes: Map<number, [bigint, bigint][]>;
  /** Message index records found right after the chunk in the file: channel -> file offset. */
  readonly found: Map<number, bigint>;
  foundLength: bigint;
}

/**
 * Work out what of a recording can be read, whether or not its writer finished it. A complete file is
 * reported as is; otherwise the data section is scanned up to the first torn or corrupt record, every
 * sound chunk is re-indexed, and `cutOffset` + `tail` say how to turn the file into a valid indexed
 * MCAP. Throws `RecordingError` `not-mcap` (or `truncated` inside the magic, `io`).
 */
export async function recoverRecording(source: RecordingSource): Promise<RecoveryResult> {
  const fileSize = Number(await source.size());
  const indexed = await readIndexedSummary(source);
  if (indexed) {
    const { index } = indexed;
    return {
      complete: true,
      fileSize,
      lastGoodOffset: fileSize,
      messages: Number(index.statistics.messageCount),
      stats: statsOf(index),
      info: recordingInfoFrom(index.metadata),
      problems: [],
      end: undefined,
      index,
      cutOffset: fileSize,
      tail: new Uint8Array(0),
    };
  }

  const problems: string[] = [];
  // A record that fails its check (a chunk's CRC, its compression) but whose length is sound is
  // skipped and named: every chunk after it that checks out is kept.
  const scan = new McapScan(source, {
    skipCorrupt: true,
    onSkip: (skipped) => problems.push(describeSkipped(skipped)),
  });
  const chunks: ScannedChunk[] = [];
  const metadataIndexes: McapTypes.MetadataIndex[] = [];
  const metadata = new Map<string, ReadonlyMap<string, string>>();
  const statistics = emptyStatistics();
  let messageBytes = 0;
  let lastGoodOffset = 0;
  /** The chunk whose message indexes may follow, while only message indexes follow it. */
  let open: ScannedChunk | undefined;
  let lastTopLevelIsIndexOfLastChunk = false;

  for await (const { offset, length, records } of scan.records()) {
    const top = records[0];
    lastGoodOffset = offset + length;
    if (!top) continue;
    if (
      top.type === "MessageIndex" &&
      open &&
      BigInt(offset) === BigInt(open.offset + open.length) + open.foundLength
    ) {
      open.found.set(top.channelId, BigInt(offset));
      open.foundLength += BigInt(length);
      lastTopLevelIsIndexOfLastChunk = true;
      continue;
    }
    open = undefined;
    lastTopLevelIsIndexOfLastChunk = false;
    if (top.type === "Chunk") {
      const inner = records.slice(1);
      const offsets = recordOffsetsInChunk(top, inner);
      if (!offsets) {
        problems.push(`chunk at byte ${offset}: its records could not be located (padded writer?); skipped`);
        continue;
      }
      const indexes = new Map<number, [bigint, bigint][]>();
      inner.forEach((r, i) => {
        if (r.type !== "Message") return;
        let list = indexes.get(r.channelId);
        if (!list) {
          list = [];
          indexes.set(r.channelId, list);
        }
        list.push([r.logTime, BigInt(offsets[i] as number)]);
        if (statistics.messageCount === 0n || r.logTime < statistics.messageStartTime)
          statistics.messageStartTime = r.logTime;
        if (statistics.messageCount === 0n || r.logTime > statistics.messageEndTime)
          statistics.messageEndTime = r.logTime;
        statistics.messageCount++;
        statistics.channelMessageCounts.set(
          r.channelId,
          (statistics.channelMessageCounts.get(r.channelId) ?? 0n) + 1n,
        );
        messageBytes += r.data.byteLength;
      });
      if (indexes.size === 0) continue;
      open = { offset, length, chunk: top, indexes, found: new Map(), foundLength: 0n };
      chunks.push(open);
    } else if (top.type === "Metadata") {
      metadataIndexes.push({ offset: BigInt(offset), length: BigInt(length), name: top.name });
      metadata.set(top.name, top.metadata);
    }
  }
  const end = scan.end as ScanEnd;
  if (end.kind !== "eof") problems.push(end.detail);
  const lost = fileSize - lastGoodOffset;
  if (lost > 0 && end.kind !== "data-end") problems.push(`${lost} bytes at the end are lost`);
  if (end.kind === "data-end") lastGoodOffset = end.offset;

  // Chunks whose message indexes are missing or partial get regenerated ones. For the last chunk with
  // only its own (partial) indexes after it, cut right after the chunk so the new indexes are adjacent.
  let cutOffset = lastGoodOffset;
  const appendix = new McapRecordBuilder();
  const chunkIndexes: McapTypes.ChunkIndex[] = [];
  const last = chunks[chunks.length - 1];
  const needsIndexes = (c: ScannedChunk) =>
    c.found.size !== c.indexes.size || [...c.indexes.keys()].some((id) => !c.found.has(id));
  if (
    last &&
    needsIndexes(last) &&
    (lastTopLevelIsIndexOfLastChunk || cutOffset === last.offset + last.length)
  ) {
    cutOffset = last.offset + last.length;
  }
  for (const c of chunks) {
    let messageIndexOffsets = c.found;
    let messageIndexLength = c.foundLength;
    if (needsIndexes(c)) {
      if (c !== last || cutOffset !== c.offset + c.length) {
        problems.push(`chunk at byte ${c.offset} had no complete message index; a new one is appended`);
      }
      messageIndexOffsets = new Map();
      messageIndexLength = 0n;
      for (const [channelId, records] of c.indexes) {
        messageIndexOffsets.set(channelId, BigInt(cutOffset + appendix.length));
        messageIndexLength += appendix.writeMessageIndex({ channelId, records });
      }
    }
    chunkIndexes.push({
      messageStartTime: c.chunk.messageStartTime,
      messageEndTime: c.chunk.messageEndTime,
      chunkStartOffset: BigInt(c.offset),
      chunkLength: BigInt(c.length),
      messageIndexOffsets,
      messageIndexLength,
      compression: c.chunk.compression,
      compressedSize: BigInt(c.chunk.records.byteLength),
      uncompressedSize: c.chunk.uncompressedSize,
    });
  }
  statistics.schemaCount = scan.schemas.size;
  statistics.channelCount = scan.channels.size;
  statistics.chunkCount = chunkIndexes.length;
  statistics.metadataCount = metadataIndexes.length;
  const index: RecordingIndex = {
    schemas: scan.schemas,
    channels: scan.channels,
    chunkIndexes,
    metadataIndexes,
    metadata,
    statistics,
    messageBytes,
    messageIndexes: new Map(chunks.map((c) => [BigInt(c.offset), c.indexes])),
  };
  const summary = buildSummarySection({
    dataEndOffset: BigInt(cutOffset + appendix.length),
    schemas: scan.schemas.values(),
    channels: scan.channels.values(),
    statistics,
    metadataIndexes,
    chunkIndexes,
  });
  const tail = new Uint8Array(appendix.length + summary.byteLength);
  tail.set(appendix.buffer, 0);
  tail.set(summary, appendix.length);
  return {
    complete: false,
    fileSize,
    lastGoodOffset,
    messages: Number(statistics.messageCount),
    stats: statsOf(index),
    info: recordingInfoFrom(metadata),
    problems,
    end,
    index,
    cutOffset,
    tail,
  };
}

/** A skipped record in words: where, why, and for a chunk the log times of the messages lost with it. */
function describeSkipped(skipped: SkippedRecord): string {
  const lost = skipped.logTimes
    ? `; its messages logged from ${skipped.logTimes.start} to ${skipped.logTimes.end} are lost`
    : "; what it held is lost";
  return `${skipped.reason} (${skipped.length} bytes, skipped)${lost}`;
}

/**
 * Write a finished copy of a recording to `sink`: the sound prefix of the source, re-indexed. A
 * complete file is copied as is. (In place on disk: `recoverRecordingFile` in `@depthroom/recording/node`.)
 */
export async function finishRecording(source: RecordingSource, sink: RecordingSink): Promise<RecoveryResult> {
  const result = await recoverRecording(source);
  const step = 8 << 20;
  for (let at = 0; at < result.cutOffset; at += step) {
    const n = Math.min(step, result.cutOffset - at);
    let bytes: Uint8Array;
    try {
      bytes = await source.read(BigInt(at), BigInt(n));
    } catch (error) {
      throw new RecordingError("io", `reading bytes ${at}..${at + n}: ${errorMessage(error)}`, {
        cause: error,
      });
    }
    await sink.write(bytes.slice());
  }
  if (result.tail.byteLength > 0) await sink.write(result.tail);
  return result;
}
