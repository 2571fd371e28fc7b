import { crc32Final, crc32Init, crc32Update } from "@foxglove/crc";
import { McapRecordBuilder, type McapTypes, Opcode } from "@mcap/core";

/**
 * Everything a valid indexed MCAP file needs after its data section: DataEnd, the summary (schemas,
 * channels, statistics, metadata and chunk indexes), summary offsets, footer and closing magic. Used by
 * the writer's `close()` and by recovery, which appends it to the sound prefix of a crashed file.
 */
export interface SummaryInput {
  /** File offset where the returned bytes will start (the end of the data section). */
  readonly dataEndOffset: bigint;
  readonly schemas: Iterable<McapTypes.Schema>;
  readonly channels: Iterable<McapTypes.Channel>;
  readonly statistics: McapTypes.Statistics;
  readonly metadataIndexes: readonly McapTypes.MetadataIndex[];
  readonly chunkIndexes: readonly McapTypes.ChunkIndex[];
}

export function buildSummarySection(input: SummaryInput): Uint8Array {
  const b = new McapRecordBuilder();
  b.writeDataEnd({ dataSectionCrc: 0 });
  const summaryStart = input.dataEndOffset + BigInt(b.length);
  const offsets: McapTypes.SummaryOffset[] = [];
  const group = (opcode: Opcode, write: () => void) => {
    const start = b.length;
    write();
    const length = BigInt(b.length - start);
    if (length > 0n) {
      offsets.push({
        groupOpcode: opcode,
        groupStart: input.dataEndOffset + BigInt(start),
        groupLength: length,
      });
    }
  };
  group(Opcode.SCHEMA, () => {
    for (const schema of input.schemas) b.writeSchema(schema);
  });
  group(Opcode.CHANNEL, () => {
    for (const channel of input.channels) b.writeChannel(channel);
  });
  group(Opcode.STATISTICS, () => b.writeStatistics(input.statistics));
  group(Opcode.METADATA_INDEX, () => {
    for (const index of input.metadataIndexes) b.writeMetadataIndex(index);
  });
  group(Opcode.CHUNK_INDEX, () => {
    for (const index of input.chunkIndexes) b.writeChunkIndex(index);
  });
  const summaryOffsetStart = input.dataEndOffset + BigInt(b.length);
  for (const offset of offsets) b.writeSummaryOffset(offset);

  // The summary CRC covers summary start .. the footer's summaryOffsetStart field inclusive.
  const footerPrefix = new DataView(new ArrayBuffer(1 + 8 + 8 + 8));
  footerPrefix.setUint8(0, Opcode.FOOTER);
  footerPrefix.setBigUint64(1, 8n + 8n + 4n, true);
  footerPrefix.setBigUint64(9, summaryStart, true);
  footerPrefix.setBigUint64(17, summaryOffsetStart, true);
  let crc = crc32Init();
  crc = crc32Update(crc, b.buffer.subarray(Number(summaryStart - input.dataEndOffset)));
  crc = crc32Update(crc, footerPrefix);
  b.writeFooter({ summaryStart, summaryOffsetStart, summaryCrc: crc32Final(crc) });
  b.writeMagic();
  return b.buffer.slice();
}

export function emptyStatistics(): McapTypes.Statistics {
  return {
    messageCount: 0n,
    schemaCount: 0,
    channelCount: 0,
    attachmentCount: 0,
    metadataCount: 0,
    chunkCount: 0,
    messageStartTime: 0n,
    messageEndTime: 0n,
    channelMessageCounts: new Map(),
  };
}
