/// <reference path="./lz4js.d.ts" />
import { crc32 } from "@foxglove/crc";
import { McapRecordBuilder } from "@mcap/core";
import lz4 from "lz4js";

/*
 * MCAP files built to hurt a reader, for tests and the hostile-input harness (not part of the
 * package's API: `@depthroom/recording/testing`).
 */

/** A file of one zstd chunk that declares `uncompressedBytes` of zeros, in about size/32 Ki bytes. */
export function zstdChunkBomb(uncompressedBytes = 128 * 1024 * 1024): Uint8Array {
  return fileWithChunk({
    compression: "zstd",
    records: zstdRunOfZeros(uncompressedBytes),
    uncompressedSize: BigInt(uncompressedBytes),
    uncompressedCrc: 0,
  });
}

/**
 * A file of one lz4 chunk holding `count` records of an unknown opcode with `recordBytes` of zeros
 * each (default 0: empty records, 9 bytes apiece).
 */
export function manyRecordsChunk(count = 1_000_000, recordBytes = 0): Uint8Array {
  const stride = 9 + recordBytes;
  const inner = new Uint8Array(count * stride);
  const view = new DataView(inner.buffer);
  for (let i = 0; i < count; i++) {
    inner[i * stride] = 0x80;
    view.setUint32(i * stride + 1, recordBytes, true);
  }
  return fileWithChunk({
    compression: "lz4",
    records: lz4.compress(inner),
    uncompressedSize: BigInt(inner.byteLength),
    uncompressedCrc: crc32(inner),
  });
}

function fileWithChunk(chunk: {
  compression: string;
  records: Uint8Array;
  uncompressedSize: bigint;
  uncompressedCrc: number;
}): Uint8Array {
  const b = new McapRecordBuilder();
  b.writeMagic();
  b.writeHeader({ profile: "", library: "depthroom hostile test" });
  b.writeChunk({ messageStartTime: 0n, messageEndTime: 0n, ...chunk });
  b.writeDataEnd({ dataSectionCrc: 0 });
  b.writeFooter({ summaryStart: 0n, summaryOffsetStart: 0n, summaryCrc: 0 });
  b.writeMagic();
  return b.buffer.slice();
}

/**
 * A zstd frame of `bytes` zeros made of RLE blocks (RFC 8878 3.1.1.2: a 3-byte block header, then the
 * byte to repeat), 128 KiB per block, window 128 KiB.
 */
function zstdRunOfZeros(bytes: number): Uint8Array {
  const block = 128 * 1024;
  const blocks = Math.max(1, Math.ceil(bytes / block));
  const out = new Uint8Array(4 + 1 + 1 + blocks * 4);
  new DataView(out.buffer).setUint32(0, 0xfd2fb528, true);
  out[4] = 0x00; // frame header descriptor: no content size, no checksum, no dictionary, window byte follows
  out[5] = 7 << 3; // window descriptor: 2^(10+7) = 128 KiB
  let at = 6;
  for (let i = 0; i < blocks; i++) {
    const size = Math.min(block, bytes - i * block);
    const last = i === blocks - 1 ? 1 : 0;
    const header = last | (1 << 1) | (size << 3);
    out[at] = header & 0xff;
    out[at + 1] = (header >> 8) & 0xff;
    out[at + 2] = (header >> 16) & 0xff;
    out[at + 3] = 0;
    at += 4;
  }
  return out;
}
