import { crc32 } from "node:zlib";

/*
 * The record format of the embedded store's append-only files:
 *   record = u32 LE payload length, u32 LE CRC-32 of the payload, payload
 * A torn or corrupted tail (a crash mid-write) ends the log: `readRecords` returns the records before
 * it and where the valid part ends, so the caller can rewrite the file without the tail.
 */

const HEADER_BYTES = 8;
/** No single record may exceed this (guards the allocation when a length field is garbage). */
export const MAX_RECORD_BYTES = 256 * 1024 * 1024;

export function encodeRecord(payload: Uint8Array): Buffer {
  const out = Buffer.allocUnsafe(HEADER_BYTES + payload.byteLength);
  out.writeUInt32LE(payload.byteLength, 0);
  out.writeUInt32LE(crc32(payload), 4);
  out.set(payload, HEADER_BYTES);
  return out;
}

export interface ReadRecords {
  readonly records: Uint8Array[];
  /** Bytes of the file that hold whole, valid records. */
  readonly validBytes: number;
  /** Bytes after the last valid record (a torn write or corruption); 0 for a clean log. */
  readonly discardedBytes: number;
}

export function readRecords(file: Uint8Array): ReadRecords {
  const view = new DataView(file.buffer, file.byteOffset, file.byteLength);
  const records: Uint8Array[] = [];
  let pos = 0;
  while (pos + HEADER_BYTES <= file.byteLength) {
    const length = view.getUint32(pos, true);
    const checksum = view.getUint32(pos + 4, true);
    const end = pos + HEADER_BYTES + length;
    if (length > MAX_RECORD_BYTES || end > file.byteLength) break;
    const payload = file.subarray(pos + HEADER_BYTES, end);
    if (crc32(payload) !== checksum) break;
    records.push(payload);
    pos = end;
  }
  return { records, validBytes: pos, discardedBytes: file.byteLength - pos };
}
