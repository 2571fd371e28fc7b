import { mkdir, readdir, rm, stat } from "node:fs/promises";
import { join } from "node:path";
import { type ImportProblem, nowNs, RecordingError, type SkippedChannel } from "@depthroom/recording";
import { openRecordingFile, type RecordingFileReader, recoverRecordingFile } from "@depthroom/recording/node";
import {
  type BatchMessage,
  ErrorCode,
  isRecordingId,
  REVIEW_ROOM_PREFIX,
  type RecordingDescription,
  type RecordingState,
  reviewRoomName,
} from "@depthroom/schema";
import type * as Y from "yjs";
import type { Admission } from "./access.ts";
import type { Logger } from "./log.ts";
import { Recorder } from "./recorder.ts";
import { admitRecording, verifyToken } from "./recordingAccess.ts";
import { ImportQueue, type ImportQueueOptions, importProblemLines } from "./recordingImport.ts";
import { RecordingStateMirror } from "./recordingState.ts";
import type { RecordingCatalog, RecordingRecord } from "./recordingStore.ts";
import type { SessionRegistry } from "./sessionRegistry.ts";
import { newSessionId, type TokenSigner } from "./tokens.ts";

/*
 * The relay's recordings: start and stop recording a live session (the session's accepted messages,
 * tapped before fan-out, go verbatim into `<dir>/<id>.mcap`), recovery of recordings whose relay died,
 * import of MCAP files, and reads for review (latest-at, range) through a small cache of open readers.
 * Metadata lives in the store (`RecordingCatalog`); the relay mirrors each session's recording state
 * into the session's Y.Doc (recordingState.ts). HTTP is in recordingsHttp.ts.
 */

/** A refusal with a named code (the HTTP layer turns it into a status and `{ error }`). */
export class RecordingRefusal extends Error {
  constructor(
    readonly code: ErrorCode,
    message: string,
  ) {
    super(message);
  }
}

export interface RecordingsOptions {
  /** Where the .mcap files live (shared by the nodes of a cluster). */
  readonly dir: string;
  /**
   * This relay node's name. On start a node recovers its own interrupted recordings, and other nodes'
   * whose files nobody touched for 30 s (writers touch theirs every flush). Default "local".
   */
  readonly nodeId?: string;
  /** How often open recordings are flushed to disk (ms); a crash loses about this much. Default 1000. */
  readonly flushIntervalMs?: number;
  /** Bytes a recording may fall behind the disk before messages are dropped. Default 64 MiB. */
  readonly maxBacklogBytes?: number;
  /** Recordings kept open for reading at once (each caches up to 32 MiB of chunks). Default 4. */
  readonly maxOpenReaders?: number;
  /** How imports run (recordingImport.ts): default one at a time in a worker with a 512 MiB heap. */
  readonly imports?: ImportQueueOptions;
  /**
   * Scale-out (clusterBus.ts): which nodes are alive, and a claim so one node takes over a dead node's
   * running recording. Without it, another node's recording is recovered only at start, once its
   * file was not touched for 30 s.
   */
  readonly takeover?: RecordingTakeover;
}

/** What recordings need from the cluster to take over a dead node's recordings. */
export interface RecordingTakeover {
  nodeAlive(node: string): Promise<boolean>;
  claimTakeover(recordingId: string): Promise<boolean>;
}

/** How often a node looks for running recordings of dead nodes (ms). */
const TAKEOVER_SWEEP_MS = 2000;

/** What recordings need from the documents (DocServer). */
export interface RecordingDocs {
  /** A room's doc if a client has it open. */
  liveDoc(room: string): Y.Doc | undefined;
  /** Close every connection to a room with `code` and wait until its doc is persisted and gone. */
  closeRoom(room: string, code: ErrorCode, message: string): Promise<void>;
}

export interface RecordingsDeps {
  readonly store: RecordingCatalog & {
    loadDoc(name: string): Promise<Uint8Array[]>;
    appendDocUpdate(name: string, update: Uint8Array): Promise<void>;
  };
  readonly registry: SessionRegistry;
  readonly signer: TokenSigner;
  readonly logger: Logger;
}

export interface ImportResult {
  readonly record: RecordingRecord;
  readonly messages: number;
  readonly skipped: readonly SkippedChannel[];
  readonly problems: readonly ImportProblem[];
}

interface ActiveRecording {
  readonly record: RecordingRecord;
  readonly recorder: Recorder;
  readonly by: string;
}

const READER_IDLE_MS = 60_000;
/** A recording of another node whose file was not touched for this long is taken as abandoned. */
const ABANDONED_AFTER_MS = 30_000;

export class Recordings {
  readonly dir: string;
  readonly nodeId: string;
  readonly mirror: RecordingStateMirror;
  readonly #active = new Map<string, ActiveRecording>();
  readonly #starting = new Map<string, Promise<RecordingRecord>>();
  readonly #stopping = new Map<string, Promise<RecordingRecord>>();
  readonly #readers: ReaderCache;
  /** MCAP imports, one at a time, each in a worker thread. */
  readonly #imports: ImportQueue;
  /** Records of review rooms about to be opened (`prepareRoom`), so `admitRoom` answers synchronously. */
  readonly #rooms = new Map<string, RecordingRecord>();
  readonly #options: RecordingsOptions;
  #docs: RecordingDocs | undefined;
  #timer: NodeJS.Timeout | undefined;
  #takeoverTimer: NodeJS.Timeout | undefined;
  #sweeping: Promise<void> | undefined;
  #closed = false;

  constructor(
    options: RecordingsOptions,
    private readonly deps: RecordingsDeps,
  ) {
    this.#options = options;
    this.dir = options.dir;
    this.nodeId = options.nodeId ?? "local";
    this.#readers = new ReaderCache(options.maxOpenReaders ?? 4);
    this.#imports = new ImportQueue(options.imports);
    this.mirror = new RecordingStateMirror({
      liveDoc: (session) => this.#docs?.liveDoc(session),
      loadDoc: (session) => deps.store.loadDoc(session),
      appendDocUpdate: (session, update) => deps.store.appendDocUpdate(session, update),
      truthOf: (session) => this.#truthOf(session),
      logger: deps.logger,
    });
  }

  /** The documents, once the doc server exists (for the red dot and closing review rooms). */
  useDocuments(docs: RecordingDocs): void {
    this.#docs = docs;
  }

  /** Create the directory, recover this node's interrupted recordings, start the flush timer. */
  async open(): Promise<void> {
    await mkdir(this.dir, { recursive: true });
    const tempPrefix = this.#tempPrefix();
    for (const name of await readdir(this.dir)) {
      if (name.startsWith(tempPrefix)) await rm(join(this.dir, name), { force: true });
    }
    for (const record of await this.deps.store.listRecordings()) {
      if (record.status !== "recording") continue;
      // Ours (this node died while writing it), or another node's that nobody has touched for long
      // (writers touch their files every flush interval).
      if (record.node === this.nodeId || (await this.#abandoned(record))) await this.#recover(record);
    }
    const interval = this.#options.flushIntervalMs ?? 1000;
    this.#timer = setInterval(() => this.#tick(), interval);
    this.#timer.unref();
    if (this.#options.takeover) {
      this.#takeoverTimer = setInterval(() => {
        this.#sweeping ??= this.#takeOver().finally(() => {
          this.#sweeping = undefined;
        });
      }, TAKEOVER_SWEEP_MS);
      this.#takeoverTimer.unref();
    }
  }

  /**
   * Running recordings of nodes whose cluster heartbeat stopped: one surviving node claims each,
   * recovers its file to the last valid chunk and marks it ended (the red dot goes off).
   */
  async #takeOver(): Promise<void> {
    if (!this.#options.takeover || this.#closed) return;
    try {
      for (const record of await this.deps.store.listRecordings()) await this.#takeOverOne(record);
    } catch (error) {
      this.deps.logger.error("recording takeover failed", { error: message(error) });
    }
  }

  /** Take over one running recording if its node is dead and this node wins the claim; its new record. */
  async #takeOverOne(record: RecordingRecord): Promise<RecordingRecord | undefined> {
    const takeover = this.#options.takeover;
    if (!takeover || record.status !== "recording" || record.node === this.nodeId) return undefined;
    if (await takeover.nodeAlive(record.node)) return undefined;
    if (!(await takeover.claimTakeover(record.id))) return undefined;
    this.deps.logger.warn("taking over a recording of a dead node", {
      session: record.sessionId,
      recording: record.id,
      node: record.node,
    });
    await this.#recover(
      record,
      `relay node "${record.node}" stopped while writing it; node "${this.nodeId}" recovered it`,
    );
    return this.deps.store.getRecording(record.id);
  }

  path(id: string): string {
    return join(this.dir, `${id}.mcap`);
  }

  /** Where an upload of this node may be spooled before it is imported. */
  tempPath(): string {
    return join(this.dir, `${this.#tempPrefix()}${newSessionId()}.part`);
  }

  /**
   * Before the upgrade of `/yjs/rec-<id>`: look the recording up (the store is async), so that
   * `admitRoom` can answer when the doc server asks.
   */
  async prepareRoom(room: string): Promise<void> {
    const id = room.startsWith(REVIEW_ROOM_PREFIX) ? room.slice(REVIEW_ROOM_PREFIX.length) : undefined;
    if (!isRecordingId(id)) return;
    const record = await this.get(id).catch(() => undefined);
    if (this.#rooms.size > 1000) this.#rooms.clear();
    if (record) this.#rooms.set(id, record);
    else this.#rooms.delete(id);
  }

  /**
   * The doc server's admission of a room that is not a session: a review room `rec-<id>` takes a token
   * of the recording's session or the recording's own token (view: read-only; edit: read and write).
   * Undefined for other names (sessions).
   */
  admitRoom(room: string, token: string | null): Admission | undefined {
    if (!room.startsWith(REVIEW_ROOM_PREFIX)) return undefined;
    const verified = verifyToken(this.deps.signer, token);
    if (!verified.ok) return verified;
    const id = room.slice(REVIEW_ROOM_PREFIX.length);
    const record = isRecordingId(id) ? this.#rooms.get(id) : undefined;
    if (!record) return { ok: false, code: ErrorCode.RecordingNotFound, message: "no such recording" };
    const admission = admitRecording(verified.claims, record, "read");
    if (!admission.ok) return admission;
    return {
      ok: true,
      role: admission.role,
      record: { id: reviewRoomName(record.id), title: record.title, createdAt: record.startedAt },
      exp: verified.claims.exp,
    };
  }

  /** The session fan-out's tap: every accepted message of every session (hot path). */
  tap(session: string, bytes: Uint8Array): void {
    const active = this.#active.get(session);
    if (active !== undefined) active.recorder.append(bytes, BigInt(Date.now()) * 1_000_000n);
  }

  /** The session's active recording, if this node writes one. */
  activeOf(session: string): RecordingRecord | undefined {
    return this.#active.get(session)?.record;
  }

  /** Start recording a session; if one is running already, that one (created: false). */
  async start(
    sessionId: string,
    options: { title: string; by: string },
  ): Promise<{ record: RecordingRecord; created: boolean }> {
    if (this.#closed) throw new RecordingRefusal(ErrorCode.GoingAway, "the relay is shutting down");
    const running = this.#active.get(sessionId);
    if (running) return { record: running.record, created: false };
    const pending = this.#starting.get(sessionId);
    if (pending) return { record: await pending, created: false };
    const starting = this.#start(sessionId, options).finally(() => this.#starting.delete(sessionId));
    this.#starting.set(sessionId, starting);
    return { record: await starting, created: true };
  }

  async #start(sessionId: string, { title, by }: { title: string; by: string }): Promise<RecordingRecord> {
    const id = newSessionId();
    const startedAt = Date.now();
    const record: RecordingRecord = {
      id,
      sessionId,
      title,
      origin: "live",
      status: "recording",
      node: this.nodeId,
      startedAt,
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
    // The record first: if the relay dies from here on, recovery on restart finds the file.
    await this.deps.store.saveRecording(record);
    let recorder: Recorder;
    try {
      recorder = await Recorder.create(this.path(id), {
        recordingId: id,
        sessionId,
        startedAtNs: BigInt(startedAt) * 1_000_000n,
        ...(this.#options.maxBacklogBytes ? { maxBacklogBytes: this.#options.maxBacklogBytes } : {}),
      });
    } catch (error) {
      await this.deps.store.deleteRecording(id).catch(() => undefined);
      throw error;
    }
    // What the session holds now (the static Pinhole sent once, the current frames), then everything new.
    const receivedNs = nowNs();
    for (const bytes of this.deps.registry.peekLive(sessionId)?.latestMessages() ?? []) {
      recorder.append(bytes, receivedNs);
    }
    const active: ActiveRecording = { record, recorder, by };
    this.#active.set(sessionId, active);
    void this.mirror.set(sessionId, activeState(active));
    this.deps.logger.info("recording started", { session: sessionId, recording: id });
    return record;
  }

  /** Stop a recording (idempotent: a stopped one is returned as it is). */
  async stop(id: string, by: string): Promise<RecordingRecord> {
    const stopping = this.#stopping.get(id);
    if (stopping) return stopping;
    const record = await this.#get(id);
    const active = this.#active.get(record.sessionId);
    if (!active || active.record.id !== id) {
      if (record.status === "stopped") return record;
      // Its node is gone (no heartbeat): take it over now rather than at the next sweep.
      const recovered = await this.#takeOverOne(record);
      if (recovered) return recovered;
      throw new RecordingRefusal(
        ErrorCode.RecordingActive,
        `the recording is being written by relay node "${record.node}"`,
      );
    }
    const finishing = this.#finish(active, by, []).finally(() => this.#stopping.delete(id));
    this.#stopping.set(id, finishing);
    return finishing;
  }

  async #finish(active: ActiveRecording, by: string, problems: string[]): Promise<RecordingRecord> {
    const { record, recorder } = active;
    if (this.#active.get(record.sessionId) === active) this.#active.delete(record.sessionId);
    const path = this.path(record.id);
    let stats: ReturnType<Recorder["stats"]>;
    try {
      stats = await recorder.close(nowNs());
    } catch (error) {
      problems.push(`writing the recording failed: ${message(error)}`);
      this.deps.logger.error("recording write failed", { recording: record.id, error: message(error) });
      try {
        const recovered = await recoverRecordingFile(path);
        stats = recovered.stats;
        problems.push(...recovered.problems);
      } catch {
        stats = recorder.stats();
      }
    }
    if (recorder.dropped > 0) {
      problems.push(`${recorder.dropped} messages were not recorded: the disk fell behind`);
    }
    const stopped: RecordingRecord = {
      ...record,
      status: "stopped",
      stoppedAt: Date.now(),
      startTimeNs: stats.startTimeNs?.toString() ?? null,
      endTimeNs: stats.endTimeNs?.toString() ?? null,
      entities: [...stats.entities],
      frames: stats.frames,
      bytes: await fileSize(path),
      dropped: recorder.dropped,
      problems,
    };
    await this.deps.store.saveRecording(stopped);
    void this.mirror.set(record.sessionId, {
      active: false,
      recordingId: record.id,
      startedAt: record.startedAt,
      stoppedAt: stopped.stoppedAt,
      by,
    });
    this.deps.logger.info("recording stopped", {
      session: record.sessionId,
      recording: record.id,
      frames: stopped.frames,
      bytes: stopped.bytes,
    });
    return stopped;
  }

  /** A recording's record, with live figures while it is being written. */
  async get(id: string): Promise<RecordingRecord | undefined> {
    const record = await this.deps.store.getRecording(id);
    return record && this.#withLiveFigures(record);
  }

  async list(sessionId?: string): Promise<RecordingRecord[]> {
    return (await this.deps.store.listRecordings(sessionId)).map((r) => this.#withLiveFigures(r));
  }

  /** Delete a recording: stop it if it runs, close its review room, remove the file and the record. */
  async delete(id: string): Promise<void> {
    const record = await this.#get(id);
    if (this.#active.get(record.sessionId)?.record.id === id) await this.stop(id, "");
    await this.#readers.evict(id);
    this.#rooms.delete(id);
    await this.#docs?.closeRoom(reviewRoomName(id), ErrorCode.RecordingNotFound, "the recording was deleted");
    await rm(this.path(id), { force: true });
    await this.deps.store.deleteRecording(id);
    if (record.origin === "live") void this.mirror.invalidate(record.sessionId);
    this.deps.logger.info("recording deleted", { session: record.sessionId, recording: id });
  }

  /**
   * Import an MCAP file (ROS 2, Foxglove or Depthroom; spooled at `sourcePath`) as a new recording of
   * the session. Refuses with `bad-message` when nothing could be imported; the caller removes the file.
   */
  async importFile(sessionId: string, sourcePath: string, title: string): Promise<ImportResult> {
    const id = newSessionId();
    const path = this.path(id);
    const startedAt = Date.now();
    const outcome = await this.#imports.run({
      sourcePath,
      path,
      recordingId: id,
      sessionId,
      startedAt,
      title,
    });
    if (!outcome.ok) {
      await rm(path, { force: true });
      if (outcome.refused) throw new RecordingRefusal(ErrorCode.BadMessage, outcome.message);
      throw new Error(outcome.message);
    }
    const { stats, messages } = outcome;
    const record: RecordingRecord = {
      id,
      sessionId,
      title,
      origin: "import",
      status: "stopped",
      node: this.nodeId,
      startedAt,
      stoppedAt: Date.now(),
      startTimeNs: stats.startTimeNs?.toString() ?? null,
      endTimeNs: stats.endTimeNs?.toString() ?? null,
      entities: [...stats.entities],
      frames: stats.frames,
      bytes: await fileSize(path),
      dropped: 0,
      recovered: false,
      problems: importProblemLines(outcome.skipped, outcome.problems),
    };
    try {
      await this.deps.store.saveRecording(record);
    } catch (error) {
      await rm(path, { force: true });
      throw error;
    }
    this.deps.logger.info("recording imported", { session: sessionId, recording: id, messages });
    return { record, messages, skipped: outcome.skipped, problems: outcome.problems };
  }

  /**
   * The latest message of each entity at or before `timeNs` (static first, parents before children),
   * each with its log time.
   */
  async latestAt(record: RecordingRecord, timeNs: bigint): Promise<BatchMessage[]> {
    this.#readable(record);
    return this.#readers.use(record.id, this.path(record.id), async (reader) =>
      (await reader.latestAt(timeNs)).map((m) => ({ logTimeNs: m.logTimeNs, bytes: m.bytes })),
    );
  }

  /**
   * Temporal messages with `from <= log time <= to`, in log-time order, up to about `maxBytes`: when
   * cut, the answer ends at a time boundary and `next` is the log time to ask from next.
   */
  async range(
    record: RecordingRecord,
    from: bigint,
    to: bigint,
    maxBytes: number,
  ): Promise<{ messages: BatchMessage[]; next: bigint | undefined }> {
    this.#readable(record);
    return this.#readers.use(record.id, this.path(record.id), async (reader) => {
      const messages: BatchMessage[] = [];
      let bytes = 0;
      for await (const m of reader.messagesInRange(from, to)) {
        if (bytes + m.bytes.byteLength > maxBytes && messages.length > 0) {
          // Cut at a time boundary: drop what we took of this message's time, unless that is everything.
          let keep = messages.length;
          while (keep > 0 && messages[keep - 1]?.logTimeNs === m.logTimeNs) keep--;
          if (keep > 0) {
            messages.length = keep;
            return { messages, next: m.logTimeNs };
          }
        }
        messages.push({ logTimeNs: m.logTimeNs, bytes: m.bytes });
        bytes += m.bytes.byteLength;
      }
      return { messages, next: undefined };
    });
  }

  /** Finish every running recording (shutdown), close readers. Idempotent. */
  async close(): Promise<void> {
    if (this.#closed) return;
    this.#closed = true;
    if (this.#timer) clearInterval(this.#timer);
    if (this.#takeoverTimer) clearInterval(this.#takeoverTimer);
    await this.#sweeping;
    await Promise.all(this.#starting.values()).catch(() => undefined);
    for (const active of [...this.#active.values()]) await this.#finish(active, "", []);
    await Promise.all(this.#stopping.values()).catch(() => undefined);
    await this.#readers.close();
    await this.mirror.settle();
  }

  /** Describe a record for the HTTP API. */
  describe(record: RecordingRecord): RecordingDescription {
    return {
      id: record.id,
      sessionId: record.sessionId,
      title: record.title,
      status: record.status,
      origin: record.origin,
      startedAt: record.startedAt,
      stoppedAt: record.stoppedAt,
      startTimeNs: record.startTimeNs,
      endTimeNs: record.endTimeNs,
      entities: record.entities,
      frames: record.frames,
      bytes: record.bytes,
      dropped: record.dropped,
      recovered: record.recovered,
      problems: record.problems,
    };
  }

  async #get(id: string): Promise<RecordingRecord> {
    const record = await this.deps.store.getRecording(id);
    if (!record) throw new RecordingRefusal(ErrorCode.RecordingNotFound, "no such recording");
    return record;
  }

  #readable(record: RecordingRecord): void {
    if (record.status !== "stopped") {
      throw new RecordingRefusal(
        ErrorCode.RecordingActive,
        "the recording is still being written: stop it first",
      );
    }
  }

  #withLiveFigures(record: RecordingRecord): RecordingRecord {
    const active = this.#active.get(record.sessionId);
    if (!active || active.record.id !== record.id) return record;
    const stats = active.recorder.stats();
    return {
      ...record,
      startTimeNs: stats.startTimeNs?.toString() ?? null,
      endTimeNs: stats.endTimeNs?.toString() ?? null,
      entities: [...stats.entities],
      frames: stats.frames,
      bytes: active.recorder.bytesWritten,
      dropped: active.recorder.dropped,
    };
  }

  async #truthOf(session: string): Promise<RecordingState | null> {
    const active = this.#active.get(session);
    if (active) return activeState(active);
    const live = (await this.deps.store.listRecordings(session)).filter((r) => r.origin === "live");
    const last = live[live.length - 1];
    if (!last) return null;
    if (last.status === "recording") {
      // Written by another node (this node's own are recovered at start).
      return { active: true, recordingId: last.id, startedAt: last.startedAt, stoppedAt: null, by: "" };
    }
    return {
      active: false,
      recordingId: last.id,
      startedAt: last.startedAt,
      stoppedAt: last.stoppedAt,
      by: "",
    };
  }

  #tick(): void {
    for (const active of this.#active.values()) {
      if (active.recorder.failure) {
        void this.#finish(active, "", []).catch((error: unknown) =>
          this.deps.logger.error("stopping a failed recording", {
            recording: active.record.id,
            error: message(error),
          }),
        );
      } else {
        void active.recorder.flush();
        active.recorder.heartbeat();
      }
    }
    void this.#readers.sweep(READER_IDLE_MS);
  }

  async #abandoned(record: RecordingRecord): Promise<boolean> {
    try {
      return Date.now() - (await stat(this.path(record.id))).mtimeMs > ABANDONED_AFTER_MS;
    } catch {
      return Date.now() - record.startedAt > ABANDONED_AFTER_MS;
    }
  }

  async #recover(record: RecordingRecord, why?: string): Promise<void> {
    const { logger, store } = this.deps;
    const path = this.path(record.id);
    let modifiedAt: number;
    try {
      modifiedAt = Math.round((await stat(path)).mtimeMs);
    } catch {
      // The relay died between writing the record and creating the file: nothing was recorded.
      await store.deleteRecording(record.id);
      logger.warn("interrupted recording had no file", { recording: record.id });
      return;
    }
    try {
      const result = await recoverRecordingFile(path);
      const stats = result.stats;
      await store.saveRecording({
        ...record,
        status: "stopped",
        stoppedAt: Math.max(record.startedAt, modifiedAt),
        startTimeNs: stats.startTimeNs?.toString() ?? null,
        endTimeNs: stats.endTimeNs?.toString() ?? null,
        entities: [...stats.entities],
        frames: stats.frames,
        bytes: await fileSize(path),
        recovered: true,
        problems: [...record.problems, ...(why ? [why] : []), ...result.problems],
      });
      logger.warn("interrupted recording recovered", {
        session: record.sessionId,
        recording: record.id,
        frames: stats.frames,
        problems: result.problems.length,
      });
    } catch (error) {
      if (error instanceof RecordingError && error.code === "not-mcap") {
        // Killed before the header reached the disk: an empty file.
        await rm(path, { force: true });
        await store.deleteRecording(record.id);
        logger.warn("interrupted recording was empty", { recording: record.id });
        return;
      }
      await store.saveRecording({
        ...record,
        status: "stopped",
        stoppedAt: modifiedAt,
        recovered: true,
        problems: [...record.problems, ...(why ? [why] : []), `could not be recovered: ${message(error)}`],
      });
      logger.error("interrupted recording could not be recovered", {
        recording: record.id,
        error: message(error),
      });
    }
    void this.mirror.invalidate(record.sessionId);
  }

  #tempPrefix(): string {
    return `.import-${this.nodeId.replace(/[^A-Za-z0-9_-]/g, "_")}-`;
  }
}

function activeState(active: ActiveRecording): RecordingState {
  return {
    active: true,
    recordingId: active.record.id,
    startedAt: active.record.startedAt,
    stoppedAt: null,
    by: active.by,
  };
}

async function fileSize(path: string): Promise<number> {
  try {
    return (await stat(path)).size;
  } catch {
    return 0;
  }
}

function message(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}

/** Open recordings for reading, shared by concurrent requests; least recently used ones are closed. */
class ReaderCache {
  readonly #entries = new Map<
    string,
    { reader: Promise<RecordingFileReader>; users: number; lastUsed: number }
  >();

  constructor(private readonly max: number) {}

  async use<T>(id: string, path: string, read: (reader: RecordingFileReader) => Promise<T>): Promise<T> {
    let entry = this.#entries.get(id);
    const fresh = !entry;
    if (!entry) {
      const opened = {
        reader: openRecordingFile(path, { chunkCacheBytes: 32 << 20 }),
        users: 0,
        lastUsed: 0,
      };
      opened.reader.catch(() => {
        if (this.#entries.get(id) === opened) this.#entries.delete(id);
      });
      this.#entries.set(id, opened);
      entry = opened;
    }
    entry.users++;
    entry.lastUsed = Date.now();
    if (fresh) await this.#trim();
    try {
      return await read(await entry.reader);
    } catch (error) {
      if (error instanceof RecordingError) {
        throw new RecordingRefusal(ErrorCode.Internal, `the recording cannot be read: ${error.message}`);
      }
      throw error;
    } finally {
      entry.users--;
      entry.lastUsed = Date.now();
    }
  }

  async evict(id: string): Promise<void> {
    const entry = this.#entries.get(id);
    if (!entry) return;
    this.#entries.delete(id);
    await entry.reader.then((r) => r.close()).catch(() => undefined);
  }

  /** Close readers idle for `idleMs`. */
  async sweep(idleMs: number): Promise<void> {
    const now = Date.now();
    for (const [id, entry] of this.#entries) {
      if (entry.users === 0 && now - entry.lastUsed > idleMs) await this.evict(id);
    }
  }

  async close(): Promise<void> {
    for (const id of [...this.#entries.keys()]) await this.evict(id);
  }

  async #trim(): Promise<void> {
    while (this.#entries.size > this.max) {
      let oldest: [string, number] | undefined;
      for (const [id, entry] of this.#entries) {
        if (entry.users === 0 && (!oldest || entry.lastUsed < oldest[1])) oldest = [id, entry.lastUsed];
      }
      if (!oldest) return;
      await this.evict(oldest[0]);
    }
  }
}
