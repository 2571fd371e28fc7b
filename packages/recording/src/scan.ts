import { McapRecordBuilder, McapStreamReader, type McapTypes } from "@mcap/core";
import { decompressHandlers, MAX_RECORDS_PER_CHUNK } from "./compression.ts";
import { errorMessage, RecordingError } from "./errors.ts";
import { type RecordingSource, WindowedReader } from "./io.ts";

/*
 * A sequential scan of an MCAP file's top-level records, each with its file offset, that survives a
 * torn tail and (optionally) skips a corrupt record. Parsing is `@mcap/core`'s stream reader, fed one
 * top-level record at a time so offsets are known. Used by recovery, by import, and by the reader of
 * files without a summary.
 */

const MAGIC = [0x89, 0x4d, 0x43, 0x41, 0x50, 0x30, 0x0d, 0x0a];
export const MAGIC_LENGTH = MAGIC.length;
const RECORD_HEADER = 9;
const OPCODE_CHUNK = 0x06;
const OPCODE_DATA_END = 0x0f;
const OPCODE_FOOTER = 0x02;
/** A single record larger than this is taken as garbage (a real chunk is megabytes). */
const MAX_RECORD_BYTES = 1 << 30;

export interface ScannedRecord {
  /** File offset of the top-level record, and its full length (opcode and length field included). */
  readonly offset: number;
  readonly length: number;
  /** The top-level record; for a chunk, followed by the records inside it, in order. */
  readonly records: readonly McapTypes.TypedMcapRecord[];
}

export interface SkippedRecord {
  readonly offset: number;
  readonly length: number;
  readonly reason: string;
  /** For a chunk: the log-time range its header declares (what was lost with it), if readable. */
  readonly logTimes?: { readonly start: bigint; readonly end: bigint };
}

/**
 * How the scan ended: `data-end` (the data section closed normally), `eof` (the file ends on a record
 * boundary without a DataEnd record), `torn` (the file ends inside a record), `corrupt` (a record's
 * header is garbage, so nothing after it can be located).
 */
export interface ScanEnd {
  readonly kind: "data-end" | "eof" | "torn" | "corrupt";
  /** Where the sound data section ends: the offset of the torn or bad record, or of DataEnd. */
  readonly offset: number;
  readonly fileSize: number;
  readonly detail: string;
}

export interface ScanOptions {
  /** Skip a record whose length is sound but whose content is not (bad CRC, bad compression); default false. */
  readonly skipCorrupt?: boolean;
  /** Called with each skipped record. */
  readonly onSkip?: (skipped: SkippedRecord) => void;
  /**
   * Schemas and channels known beforehand (from the file's summary): then a skipped chunk that held a
   * channel's only definition does not make that channel unreadable in the chunks after it.
   */
  readonly known?: { schemas: Iterable<McapTypes.Schema>; channels: Iterable<McapTypes.Channel> };
}

/** Throws `RecordingError` `not-mcap` if the source does not start with the MCAP magic. */
export async function checkMagic(reader: WindowedReader): Promise<void> {
  const head = await reader.read(0, MAGIC_LENGTH);
  if (reader.size === 0) throw new RecordingError("not-mcap", "the file is empty");
  const matches = head.length === MAGIC_LENGTH && MAGIC.every((b, i) => head[i] === b);
  if (!matches) {
    const prefix = head.length < MAGIC_LENGTH && MAGIC.slice(0, head.length).every((b, i) => head[i] === b);
    throw prefix
      ? new RecordingError("truncated", `the file ends after ${head.length} bytes, inside the MCAP magic`)
      : new RecordingError("not-mcap", "not an MCAP file (it does not start with the MCAP magic)");
  }
}

export class McapScan {
  #end: ScanEnd | undefined;
  readonly #schemas = new Map<number, McapTypes.Schema>();
  readonly #channels = new Map<number, McapTypes.Channel>();

  constructor(
    readonly source: RecordingSource,
    readonly options: ScanOptions = {},
  ) {
    for (const schema of options.known?.schemas ?? []) this.#schemas.set(schema.id, schema);
    for (const channel of options.known?.channels ?? []) this.#channels.set(channel.id, channel);
  }

  /** How the scan ended; set once `records()` has finished. */
  get end(): ScanEnd | undefined {
    return this.#end;
  }
  get schemas(): ReadonlyMap<number, McapTypes.Schema> {
    return this.#schemas;
  }
  get channels(): ReadonlyMap<number, McapTypes.Channel> {
    return this.#channels;
  }

  /** The data section's records in file order. Throws `RecordingError` (`not-mcap`, `io`). */
  async *records(): AsyncGenerator<ScannedRecord, void, void> {
    const size = Number(await this.source.size());
    const reader = new WindowedReader(this.source, size);
    await checkMagic(reader);
    let stream = this.#newStream();
    let offset = MAGIC_LENGTH;
    for (;;) {
      if (offset === size) {
        this.#end = { kind: "eof", offset, fileSize: size, detail: "the file ends without a DataEnd record" };
        return;
      }
      const head = await reader.read(offset, RECORD_HEADER);
      if (head.length < RECORD_HEADER) {
        this.#end = torn(offset, size, head.length);
        return;
      }
      const opcode = head[0] as number;
      const contentLength = new DataView(head.buffer, head.byteOffset, RECORD_HEADER).getBigUint64(1, true);
      if (opcode === 0 || contentLength > BigInt(MAX_RECORD_BYTES)) {
        this.#end = {
          kind: "corrupt",
          offset,
          fileSize: size,
          detail: `garbage at byte ${offset} (opcode ${opcode}, length ${contentLength})`,
        };
        return;
      }
      const length = RECORD_HEADER + Number(contentLength);
      if (offset + length > size) {
        this.#end = torn(offset, size, size - offset, opcode, length);
        return;
      }
      if (opcode === OPCODE_DATA_END || opcode === OPCODE_FOOTER) {
        this.#end = { kind: "data-end", offset, fileSize: size, detail: "the data section ends normally" };
        return;
      }
      const bytes = await reader.read(offset, length);
      let records: McapTypes.TypedMcapRecord[];
      try {
        stream.append(bytes);
        records = [];
        for (let r = stream.nextRecord(); r; r = stream.nextRecord()) {
          // The chunk itself, then the records inside it.
          if (records.length > MAX_RECORDS_PER_CHUNK) {
            throw new Error(`more than ${MAX_RECORDS_PER_CHUNK} records in one chunk (refused)`);
          }
          records.push(r);
        }
        if (stream.bytesRemaining() !== 0) throw new Error("the record did not parse to its end");
      } catch (error) {
        const reason = `${opcode === OPCODE_CHUNK ? "chunk" : `record (opcode ${opcode})`} at byte ${offset}: ${errorMessage(error)}`;
        if (!this.options.skipCorrupt) {
          this.#end = { kind: "corrupt", offset, fileSize: size, detail: reason };
          return;
        }
        this.options.onSkip?.({
          offset,
          length,
          reason,
          ...(opcode === OPCODE_CHUNK && length >= RECORD_HEADER + 16 ? { logTimes: chunkTimes(bytes) } : {}),
        });
        stream = this.#newStream();
        offset += length;
        continue;
      }
      for (const r of records) {
        if (r.type === "Schema") this.#schemas.set(r.id, r);
        else if (r.type === "Channel") this.#channels.set(r.id, r);
      }
      yield { offset, length, records };
      offset += length;
    }
  }

  /** A fresh stream reader that knows the schemas and channels seen so far. */
  #newStream(): McapStreamReader {
    const stream = new McapStreamReader({ includeChunks: true, noMagicPrefix: true, decompressHandlers });
    if (this.#channels.size > 0 || this.#schemas.size > 0) {
      const b = new McapRecordBuilder();
      for (const s of this.#schemas.values()) b.writeSchema(s);
      for (const c of this.#channels.values()) b.writeChannel(c);
      stream.append(b.buffer);
      while (stream.nextRecord()) {
        // prime: drain the replayed schema and channel records
      }
    }
    return stream;
  }
}

/** A chunk record's declared message start and end times (they come first in its content). */
function chunkTimes(record: Uint8Array): { start: bigint; end: bigint } {
  const view = new DataView(record.buffer, record.byteOffset, record.byteLength);
  return { start: view.getBigUint64(RECORD_HEADER, true), end: view.getBigUint64(RECORD_HEADER + 8, true) };
}

function torn(offset: number, size: number, have: number, opcode?: number, length?: number): ScanEnd {
  const what =
    opcode === OPCODE_CHUNK
      ? "a chunk"
      : opcode === undefined
        ? "a record header"
        : `a record (opcode ${opcode})`;
  return {
    kind: "torn",
    offset,
    fileSize: size,
    detail:
      length === undefined
        ? `the file ends inside ${what} at byte ${offset}`
        : `the file ends inside ${what} at byte ${offset}: ${have} of its ${length} bytes are present`,
  };
}

/**
 * The in-chunk offset of each record inside a chunk, recomputed from the parsed records (an MCAP
 * chunk is records back to back). Returns undefined if the sizes do not add up (a padded writer).
 */
export function recordOffsetsInChunk(
  chunk: McapTypes.Chunk,
  inner: readonly McapTypes.TypedMcapRecord[],
): number[] | undefined {
  const b = new McapRecordBuilder();
  const offsets: number[] = [];
  let at = 0;
  for (const r of inner) {
    offsets.push(at);
    b.reset();
    switch (r.type) {
      case "Message":
        at += RECORD_HEADER + 22 + r.data.byteLength;
        continue;
      case "Schema":
        b.writeSchema(r);
        break;
      case "Channel":
        b.writeChannel(r);
        break;
      case "Unknown":
        at += RECORD_HEADER + r.data.byteLength;
        continue;
      default:
        return undefined;
    }
    at += b.length;
  }
  return BigInt(at) === chunk.uncompressedSize ? offsets : undefined;
}
