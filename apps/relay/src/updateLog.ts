import { copyFile, open } from "node:fs/promises";
import { crc32 } from "node:zlib";
import type { Logger } from "./log.ts";

/*
 * The record format of the embedded store's append-only files:
 *   record = u32 LE payload length, u32 LE CRC-32 of the payload, payload
 * A torn tail (a crash mid-write) or a record that cannot be read ends the log: `readRecords` returns
 * the records before it, where the valid part ends and why it ended. Writer and reader share one bound
 * (`maxRecordBytes`): `encodeRecord` refuses a payload the reader would refuse. A caller that rewrites
 * a log without its unreadable part keeps the original first (`keepAside`).
 */

const HEADER_BYTES = 8;
/** No single record may exceed this, written or read (a garbage length field ends the log). */
export const MAX_RECORD_BYTES = 256 * 1024 * 1024;

/** A payload over the record bound: refused before anything is written. */
export class RecordTooLargeError extends RangeError {
  override readonly name = "RecordTooLargeError";
  constructor(
    readonly bytes: number,
    readonly maxBytes: number,
  ) {
    super(`a record of ${bytes} bytes is over the ${maxBytes}-byte bound`);
  }
}

export function encodeRecord(payload: Uint8Array, maxRecordBytes = MAX_RECORD_BYTES): Buffer {
  if (payload.byteLength > maxRecordBytes) throw new RecordTooLargeError(payload.byteLength, maxRecordBytes);
  const out = Buffer.allocUnsafe(HEADER_BYTES + payload.byteLength);
  out.writeUInt32LE(payload.byteLength, 0);
  out.writeUInt32LE(crc32(payload), 4);
  out.set(payload, HEADER_BYTES);
  return out;
}

/**
 * Why a log ended before its last byte: `torn` (the last record runs past the end of the file: a crash
 * mid-append), `too-large` (a length over the bound), `checksum` (a record whose CRC does not match).
 */
export type LogDamage = "torn" | "too-large" | "checksum";

export interface ReadRecords {
  readonly records: Uint8Array[];
  /** Bytes of the file that hold whole, valid records. */
  readonly validBytes: number;
  /** Bytes after the last valid record (a torn write or corruption); 0 for a clean log. */
  readonly discardedBytes: number;
  /** Why the log ended early; undefined for a clean log. */
  readonly damage?: LogDamage;
}

export function readRecords(file: Uint8Array, maxRecordBytes = MAX_RECORD_BYTES): ReadRecords {
  const view = new DataView(file.buffer, file.byteOffset, file.byteLength);
  const records: Uint8Array[] = [];
  let pos = 0;
  let damage: LogDamage | undefined;
  while (pos < file.byteLength) {
    if (pos + HEADER_BYTES > file.byteLength) {
      damage = "torn";
      break;
    }
    const length = view.getUint32(pos, true);
    const checksum = view.getUint32(pos + 4, true);
    const end = pos + HEADER_BYTES + length;
    if (length > maxRecordBytes) {
      damage = "too-large";
      break;
    }
    if (end > file.byteLength) {
      damage = "torn";
      break;
    }
    const payload = file.subarray(pos + HEADER_BYTES, end);
    if (crc32(payload) !== checksum) {
      damage = "checksum";
      break;
    }
    records.push(payload);
    pos = end;
  }
  return {
    records,
    validBytes: pos,
    discardedBytes: file.byteLength - pos,
    ...(damage ? { damage } : {}),
  };
}

/**
 * Copy a damaged log to `<path>.unreadable-<time>` before its caller rewrites it with the records it
 * could read, and log what happened and how to undo it. A torn tail (the usual outcome of a crash) is a
 * warning; anything else is an error. Returns the copy's path.
 */
export async function keepAside(
  path: string,
  read: ReadRecords,
  logger: Logger | undefined,
  fields: Record<string, unknown>,
): Promise<string> {
  const aside = `${path}.unreadable-${new Date().toISOString().replace(/[:.]/g, "-")}`;
  await copyFile(path, aside);
  const what = read.damage === "torn" ? "log ends in a torn record" : "log unreadable past a record";
  logger?.[read.damage === "torn" ? "warn" : "error"](`${fields.kind ?? "log"} ${what}; moved aside`, {
    ...fields,
    path,
    movedTo: aside,
    damage: read.damage,
    keptRecords: read.records.length,
    keptBytes: read.validBytes,
    unreadBytes: read.discardedBytes,
    recover: `the ${read.records.length} records before byte ${read.validBytes} are loaded and the file now holds only them; the whole original is ${aside}: to return to it, stop the relay and move it back to ${path}`,
  });
  return aside;
}

/**
 * Write a compacted log's `body` to `path` (a temporary beside the log) and sync it to disk before it
 * is closed, so that renaming it over the log afterwards never leaves a half-written log behind.
 */
export async function writeSynced(path: string, body: Uint8Array): Promise<void> {
  const handle = await open(path, "w");
  try {
    await handle.write(body);
    await handle.sync();
  } finally {
    await handle.close();
  }
}
