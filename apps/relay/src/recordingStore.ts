import { type FileHandle, open, readFile, rename } from "node:fs/promises";
import type { RecordingStats } from "@depthroom/recording";
import {
  isRecordingId,
  isSessionId,
  type RecordingDescription,
  type RecordingOrigin,
  type RecordingStatus,
} from "@depthroom/schema";
import type { Logger } from "./log.ts";
import { encodeRecord, keepAside, readRecords, writeSynced } from "./updateLog.ts";

/*
 * Recording metadata in the relay store (`RelayStore` extends `RecordingCatalog`). The recording's
 * data is an MCAP file `<recordings dir>/<id>.mcap`, never in the store. `MemoryRecordingCatalog`
 * serves `MemoryStore`; `RecordingLogFile` is the embedded store's `recordings.log`.
 */

/**
 * One recording's metadata as stored: the API's description (defined once in @depthroom/schema)
 * without the per-caller links, plus the relay node that writes (wrote) it; on restart a node recovers
 * only its own recordings still marked "recording".
 */
export type RecordingRecord = Omit<RecordingDescription, "links"> & { readonly node: string };

/** The record of a live recording as it starts on `node`: being written, nothing in it yet. */
export function startingLiveRecord(
  start: Pick<RecordingRecord, "id" | "sessionId" | "title" | "node" | "startedAt">,
): RecordingRecord {
  return {
    id: start.id,
    sessionId: start.sessionId,
    title: start.title,
    origin: "live",
    status: "recording",
    node: start.node,
    startedAt: start.startedAt,
    stoppedAt: null,
    startTimeNs: null,
    endTimeNs: null,
    entities: [],
    frames: 0,
    bytes: 0,
    dropped: 0,
    recovered: false,
    problems: [],
  };
}

/** A record's figures from a writer's or a recovery's stats and the file's size: the one mapping. */
export function recordFigures(
  stats: RecordingStats,
  bytes: number,
): Pick<RecordingRecord, "startTimeNs" | "endTimeNs" | "entities" | "frames" | "bytes"> {
  return {
    startTimeNs: stats.startTimeNs?.toString() ?? null,
    endTimeNs: stats.endTimeNs?.toString() ?? null,
    entities: [...stats.entities],
    frames: stats.frames,
    bytes,
  };
}

/** The store's part for recordings: four calls, all async (a PostgreSQL table fits). */
export interface RecordingCatalog {
  /** Recordings in start order (oldest first); only those of `sessionId` when given. */
  listRecordings(sessionId?: string): Promise<RecordingRecord[]>;
  getRecording(id: string): Promise<RecordingRecord | undefined>;
  /** Create or replace the record with this id. */
  saveRecording(record: RecordingRecord): Promise<void>;
  /**
   * Forget a recording and its review room's document (`rec-<id>`, see `reviewRoomName`). No-op for
   * an unknown id. The .mcap file is the caller's.
   */
  deleteRecording(id: string): Promise<void>;
}

const byStart = (a: RecordingRecord, b: RecordingRecord) =>
  a.startedAt - b.startedAt || (a.id < b.id ? -1 : 1);

export class MemoryRecordingCatalog implements RecordingCatalog {
  readonly recordings = new Map<string, RecordingRecord>();

  async listRecordings(sessionId?: string): Promise<RecordingRecord[]> {
    const all = [...this.recordings.values()];
    return (sessionId === undefined ? all : all.filter((r) => r.sessionId === sessionId)).sort(byStart);
  }

  async getRecording(id: string): Promise<RecordingRecord | undefined> {
    return this.recordings.get(id);
  }

  async saveRecording(record: RecordingRecord): Promise<void> {
    this.recordings.set(record.id, checkRecordingRecord(record));
  }

  async deleteRecording(id: string): Promise<void> {
    this.recordings.delete(id);
  }
}

type LogEntry = { op: "put"; record: RecordingRecord } | { op: "delete"; id: string };

/**
 * `recordings.log` of the embedded store: an append-only log (updateLog.ts records) of JSON entries
 * `{ op: "put", record }` / `{ op: "delete", id }`, loaded into memory on first use and compacted then
 * (temporary file, fsync, rename) when it holds superseded entries or a torn tail.
 */
export class RecordingLogFile implements RecordingCatalog {
  #records: Map<string, RecordingRecord> | undefined;
  #loading: Promise<Map<string, RecordingRecord>> | undefined;
  #handle: FileHandle | null = null;
  #chain: Promise<void> = Promise.resolve();
  #closed = false;

  constructor(
    readonly path: string,
    private readonly logger?: Logger,
  ) {}

  async listRecordings(sessionId?: string): Promise<RecordingRecord[]> {
    const all = [...(await this.#load()).values()];
    return (sessionId === undefined ? all : all.filter((r) => r.sessionId === sessionId)).sort(byStart);
  }

  async getRecording(id: string): Promise<RecordingRecord | undefined> {
    return (await this.#load()).get(id);
  }

  async saveRecording(record: RecordingRecord): Promise<void> {
    const checked = checkRecordingRecord(record);
    const records = await this.#load();
    await this.#append({ op: "put", record: checked });
    records.set(checked.id, checked);
  }

  async deleteRecording(id: string): Promise<void> {
    const records = await this.#load();
    if (!records.has(id)) return;
    await this.#append({ op: "delete", id });
    records.delete(id);
  }

  async close(): Promise<void> {
    this.#closed = true;
    await this.#chain;
    await this.#handle?.close();
    this.#handle = null;
  }

  #load(): Promise<Map<string, RecordingRecord>> {
    if (this.#records) return Promise.resolve(this.#records);
    this.#loading ??= (async () => {
      let bytes: Uint8Array;
      try {
        bytes = await readFile(this.path);
      } catch (error) {
        if ((error as NodeJS.ErrnoException).code !== "ENOENT") throw error;
        bytes = new Uint8Array(0);
      }
      const read = readRecords(bytes);
      const entries = read.records;
      // A damaged log is copied aside whole before compaction rewrites it without the damage.
      if (read.discardedBytes > 0) await keepAside(this.path, read, this.logger, { kind: "recordings" });
      const records = new Map<string, RecordingRecord>();
      for (const payload of entries) {
        const entry = parseEntry(payload);
        if (entry?.op === "put") records.set(entry.record.id, entry.record);
        else if (entry?.op === "delete") records.delete(entry.id);
      }
      if (read.discardedBytes > 0 || entries.length > records.size) await this.#compact(records);
      this.#records = records;
      return records;
    })();
    return this.#loading;
  }

  #enqueue(task: () => Promise<void>): Promise<void> {
    if (this.#closed) return Promise.reject(new Error("store closed"));
    const run = this.#chain.then(task);
    this.#chain = run.catch(() => {});
    return run;
  }

  #append(entry: LogEntry): Promise<void> {
    const record = encodeRecord(new TextEncoder().encode(JSON.stringify(entry)));
    return this.#enqueue(async () => {
      this.#handle ??= await open(this.path, "a");
      await this.#handle.write(record);
    });
  }

  #compact(records: ReadonlyMap<string, RecordingRecord>): Promise<void> {
    const body = Buffer.concat(
      [...records.values()].map((record) =>
        encodeRecord(new TextEncoder().encode(JSON.stringify({ op: "put", record }))),
      ),
    );
    return this.#enqueue(async () => {
      const temporary = `${this.path}.tmp`;
      await writeSynced(temporary, body);
      await this.#handle?.close();
      this.#handle = null;
      await rename(temporary, this.path);
    });
  }
}

function parseEntry(payload: Uint8Array): LogEntry | undefined {
  try {
    const value = JSON.parse(new TextDecoder().decode(payload)) as {
      op?: unknown;
      id?: unknown;
      record?: unknown;
    };
    if (value.op === "delete" && isRecordingId(value.id)) return { op: "delete", id: value.id };
    if (value.op === "put") return { op: "put", record: checkRecordingRecord(value.record) };
  } catch {
    // A bad entry is skipped (the log is ours; this only happens after manual edits).
  }
  return undefined;
}

const isCount = (x: unknown): x is number => typeof x === "number" && Number.isSafeInteger(x) && x >= 0;
const isNs = (x: unknown): x is string | null =>
  x === null || (typeof x === "string" && /^\d{1,20}$/.test(x));

/** Validate a record (from a file, a database row or our own code); throws TypeError naming the field. */
export function checkRecordingRecord(value: unknown): RecordingRecord {
  const r = value as Record<string, unknown>;
  const fail = (field: string): never => {
    throw new TypeError(`bad recording record: ${field}`);
  };
  if (typeof value !== "object" || value === null) fail("not an object");
  if (!isRecordingId(r.id)) fail("id");
  if (!isSessionId(r.sessionId)) fail("sessionId");
  if (typeof r.title !== "string") fail("title");
  if (r.origin !== "live" && r.origin !== "import") fail("origin");
  if (r.status !== "recording" && r.status !== "stopped") fail("status");
  if (typeof r.node !== "string") fail("node");
  if (!isCount(r.startedAt)) fail("startedAt");
  if (r.stoppedAt !== null && !isCount(r.stoppedAt)) fail("stoppedAt");
  if (!isNs(r.startTimeNs)) fail("startTimeNs");
  if (!isNs(r.endTimeNs)) fail("endTimeNs");
  if (!Array.isArray(r.entities) || !r.entities.every((e) => typeof e === "string")) fail("entities");
  if (!isCount(r.frames)) fail("frames");
  if (!isCount(r.bytes)) fail("bytes");
  if (!isCount(r.dropped)) fail("dropped");
  if (typeof r.recovered !== "boolean") fail("recovered");
  if (!Array.isArray(r.problems) || !r.problems.every((p) => typeof p === "string")) fail("problems");
  return {
    id: r.id as string,
    sessionId: r.sessionId as string,
    title: r.title as string,
    origin: r.origin as RecordingOrigin,
    status: r.status as RecordingStatus,
    node: r.node as string,
    startedAt: r.startedAt as number,
    stoppedAt: r.stoppedAt as number | null,
    startTimeNs: r.startTimeNs as string | null,
    endTimeNs: r.endTimeNs as string | null,
    entities: [...(r.entities as string[])],
    frames: r.frames as number,
    bytes: r.bytes as number,
    dropped: r.dropped as number,
    recovered: r.recovered as boolean,
    problems: [...(r.problems as string[])],
  };
}
