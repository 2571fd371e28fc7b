import type { FileHandle } from "node:fs/promises";
import { chmod, mkdir, open, readFile, rename, rm, writeFile } from "node:fs/promises";
import { dirname, join } from "node:path";
import type { Logger } from "./log.ts";
import { RecordingLogFile, type RecordingRecord } from "./recordingStore.ts";
import { DocumentTooLargeError, type RelayStore, type SessionRecord } from "./store.ts";
import { encodeRecord, keepAside, MAX_RECORD_BYTES, readRecords, writeSynced } from "./updateLog.ts";

/*
 * The embedded store: plain files in the data directory, nothing to install.
 *   <dir>/sessions.log        one record per session (JSON); `{ id, deleted: true }` forgets one
 *   <dir>/docs/<name>.ylog    one record per Yjs update; rewritten as a single state record on compaction
 *   <dir>/recordings.log      recordings' metadata (recordingStore.ts; the .mcap files live elsewhere)
 * Every file is an append-only log of length-prefixed, CRC-checked records (updateLog.ts). Writes to one
 * file are chained so they land in call order; compaction writes a temporary file, syncs it and renames
 * it over the log, so a crash leaves either the old log or the new one.
 * One bound for writing and reading a record (`maxRecordBytes`): a document write over it is refused
 * with `DocumentTooLargeError` and the log stays as it was. A log that cannot be read to its end (torn
 * by a crash, or damaged) is copied aside whole before it is rewritten with the records before the
 * damage, and the copy's path is logged (updateLog.ts `keepAside`).
 */

export interface FileStoreOptions {
  /** Where damaged logs are reported. */
  readonly logger?: Logger;
  /** Largest record written or read (default MAX_RECORD_BYTES); tests set a small one. */
  readonly maxRecordBytes?: number;
}

const DOC_NAME = /^[A-Za-z0-9_-]{1,128}$/;

interface LogFile {
  handle: FileHandle | null;
  /** The tail of this file's write chain. */
  chain: Promise<void>;
}

export class FileStore implements RelayStore {
  readonly #files = new Map<string, LogFile>();
  readonly #recordings: RecordingLogFile;
  #closed = false;

  readonly #logger: Logger | undefined;
  readonly #maxRecordBytes: number;

  private constructor(
    readonly dir: string,
    options: FileStoreOptions,
  ) {
    this.#logger = options.logger;
    this.#maxRecordBytes = options.maxRecordBytes ?? MAX_RECORD_BYTES;
    this.#recordings = new RecordingLogFile(join(dir, "recordings.log"), options.logger);
  }

  static async open(dir: string, options: FileStoreOptions = {}): Promise<FileStore> {
    await mkdir(join(dir, "docs"), { recursive: true });
    return new FileStore(dir, options);
  }

  async loadSessions(): Promise<SessionRecord[]> {
    const records = await this.#load(join(this.dir, "sessions.log"), { kind: "sessions" });
    const sessions = new Map<string, SessionRecord>();
    for (const record of records) {
      const parsed = parseSessionRecord(record);
      if (parsed === undefined) continue;
      if (typeof parsed === "string") sessions.delete(parsed);
      else sessions.set(parsed.id, parsed);
    }
    return [...sessions.values()];
  }

  async deleteSession(id: string): Promise<void> {
    const tombstone = new TextEncoder().encode(JSON.stringify({ id, deleted: true }));
    await this.#append(join(this.dir, "sessions.log"), tombstone);
    const path = this.#docPath(id);
    await this.#enqueue(path, async (file) => {
      await file.handle?.close();
      file.handle = null;
      await rm(path, { force: true });
    });
    this.#files.delete(path);
  }

  saveSession(record: SessionRecord): Promise<void> {
    const payload = new TextEncoder().encode(JSON.stringify(record));
    return this.#append(join(this.dir, "sessions.log"), payload);
  }

  async loadDoc(name: string): Promise<Uint8Array[]> {
    const path = this.#docPath(name);
    await this.#fileOf(path).chain;
    return this.#load(path, { kind: "document", doc: name });
  }

  appendDocUpdate(name: string, update: Uint8Array): Promise<void> {
    const path = this.#docPath(name);
    if (update.byteLength > this.#maxRecordBytes) return this.#tooLarge(name, update);
    return this.#append(path, update);
  }

  writeDocState(name: string, state: Uint8Array): Promise<void> {
    const path = this.#docPath(name);
    if (state.byteLength > this.#maxRecordBytes) return this.#tooLarge(name, state);
    return this.#rewrite(path, [state]);
  }

  #tooLarge(name: string, bytes: Uint8Array): Promise<never> {
    return Promise.reject(new DocumentTooLargeError(name, bytes.byteLength, this.#maxRecordBytes));
  }

  /** A log's records; a log that ends in damage is kept aside whole, then rewritten without it. */
  async #load(path: string, fields: Record<string, unknown>): Promise<Uint8Array[]> {
    const read = readRecords(await readIfExists(path), this.#maxRecordBytes);
    if (read.discardedBytes > 0) {
      await keepAside(path, read, this.#logger, fields);
      await this.#rewrite(path, read.records);
    }
    return read.records;
  }

  listRecordings(sessionId?: string): Promise<RecordingRecord[]> {
    return this.#recordings.listRecordings(sessionId);
  }

  getRecording(id: string): Promise<RecordingRecord | undefined> {
    return this.#recordings.getRecording(id);
  }

  saveRecording(record: RecordingRecord): Promise<void> {
    return this.#recordings.saveRecording(record);
  }

  async deleteRecording(id: string): Promise<void> {
    await this.#recordings.deleteRecording(id);
    // The review room's document goes with it.
    const path = this.#docPath(`rec-${id}`);
    await this.#enqueue(path, async (file) => {
      await file.handle?.close();
      file.handle = null;
      await rm(path, { force: true });
    });
    this.#files.delete(path);
  }

  async close(): Promise<void> {
    this.#closed = true;
    await this.#recordings.close();
    for (const file of this.#files.values()) {
      await file.chain;
      await file.handle?.close();
      file.handle = null;
    }
    this.#files.clear();
  }

  #docPath(name: string): string {
    if (!DOC_NAME.test(name)) throw new RangeError(`bad document name "${name.slice(0, 40)}"`);
    return join(this.dir, "docs", `${name}.ylog`);
  }

  #fileOf(path: string): LogFile {
    let file = this.#files.get(path);
    if (!file) {
      file = { handle: null, chain: Promise.resolve() };
      this.#files.set(path, file);
    }
    return file;
  }

  #enqueue(path: string, task: (file: LogFile) => Promise<void>): Promise<void> {
    if (this.#closed) return Promise.reject(new Error("store closed"));
    const file = this.#fileOf(path);
    const run = file.chain.then(() => task(file));
    // The chain goes on after a failed write; the caller sees the failure.
    file.chain = run.catch(() => {});
    return run;
  }

  #append(path: string, payload: Uint8Array): Promise<void> {
    const record = encodeRecord(payload, this.#maxRecordBytes);
    return this.#enqueue(path, async (file) => {
      file.handle ??= await open(path, "a");
      await file.handle.write(record);
    });
  }

  #rewrite(path: string, payloads: readonly Uint8Array[]): Promise<void> {
    const body = Buffer.concat(payloads.map((payload) => encodeRecord(payload, this.#maxRecordBytes)));
    return this.#enqueue(path, async (file) => {
      const temporary = `${path}.tmp`;
      await writeSynced(temporary, body);
      await file.handle?.close();
      file.handle = null;
      await rename(temporary, path);
    });
  }
}

async function readIfExists(path: string): Promise<Uint8Array> {
  try {
    return await readFile(path);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === "ENOENT") return new Uint8Array(0);
    throw error;
  }
}

/** A session record, or the id of a deleted session (its tombstone), or undefined if unreadable. */
function parseSessionRecord(bytes: Uint8Array): SessionRecord | string | undefined {
  try {
    const value = JSON.parse(new TextDecoder().decode(bytes)) as Partial<SessionRecord> & {
      deleted?: unknown;
    };
    if (typeof value.id === "string" && value.deleted === true) return value.id;
    if (
      typeof value.id !== "string" ||
      typeof value.title !== "string" ||
      typeof value.createdAt !== "number"
    ) {
      return undefined;
    }
    return { id: value.id, title: value.title, createdAt: value.createdAt };
  } catch {
    return undefined;
  }
}

/** Read the server secret from `<dir>/secret`, creating it (32 random bytes, mode 0600) if absent. */
export function loadOrCreateSecret(dir: string, create: () => string): Promise<string> {
  return loadOrCreateFile(join(dir, "secret"), create);
}

/** The admin token's file: `<dir>/admin-token` (mode 0600). */
export function adminTokenPath(dir: string): string {
  return join(dir, "admin-token");
}

/**
 * Read a secret of at least 32 characters from `path`, creating it with `create()` (mode 0600) if absent.
 * A file that is there but shorter is an error naming it, never silently replaced (that would invalidate
 * every link signed with it, or drop the token an operator wrote).
 */
export async function loadOrCreateFile(path: string, create: () => string): Promise<string> {
  try {
    const text = (await readFile(path, "utf8")).trim();
    if (text.length >= 32) return text;
    throw new Error(
      `${path} holds ${text.length} characters; a secret needs at least 32: put a longer one there, or delete the file to have one generated`,
    );
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== "ENOENT") throw error;
  }
  const secret = create();
  await writeSecretFile(path, secret);
  return secret;
}

/** Write a secret to `path`, readable by this user only (0600, also when the file existed). */
export async function writeSecretFile(path: string, secret: string): Promise<void> {
  await mkdir(dirname(path), { recursive: true });
  await writeFile(path, `${secret}\n`, { mode: 0o600 });
  await chmod(path, 0o600);
}
