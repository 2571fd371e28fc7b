import { mkdir, readdir, rm } from "node:fs/promises";
import { join } from "node:path";
import { nowNs } from "@depthroom/recording";
import { recoverRecordingFile } from "@depthroom/recording/node";
import {
  ErrorCode,
  listMeasurements,
  type Measurement,
  REVIEW_ROOM_PREFIX,
  type RecordingDescription,
  type RecordingState,
  reviewRoomName,
} from "@depthroom/schema";
import * as Y from "yjs";
import type { Admission } from "./access.ts";
import type { RelayExtension } from "./extension.ts";
import type { Logger } from "./log.ts";
import { Recorder } from "./recorder.ts";
import { type ImportQueueOptions, type ImportResult, RecordingImports } from "./recordingImport.ts";
import { RecordingReads } from "./recordingReads.ts";
import { fileSize, RecordingRecovery, type RecordingTakeover } from "./recordingRecovery.ts";
import { RecordingRefusal } from "./recordingRefusal.ts";
import { RecordingStateMirror } from "./recordingState.ts";
import {
  type RecordingCatalog,
  type RecordingRecord,
  recordFigures,
  startingLiveRecord,
} from "./recordingStore.ts";
import { ReviewRooms } from "./reviewRooms.ts";
import type { SessionRegistry } from "./sessionRegistry.ts";
import { newSessionId, type TokenSigner } from "./tokens.ts";

/*
 * The relay's recordings, as one relay extension: the lifecycle of live recordings here (start, stop,
 * the tap of a session's accepted messages before fan-out, flushes, the red dot mirrored into the
 * session's Y.Doc by recordingState.ts), and four parts beside it:
 *   recordingImport.ts    MCAP imports, one at a time in a worker thread
 *   recordingReads.ts     latest-at and range reads through a cache of open readers
 *   recordingRecovery.ts  interrupted recordings: at start, and a dead cluster node's while running
 *   reviewRooms.ts        admission to a recording's review room document
 * Metadata lives in the store (`RecordingCatalog`); the files are `<dir>/<id>.mcap`. HTTP is in
 * recordingsHttp.ts. At about 450 lines this file is over the 400 the house aims at: what is left is
 * the one state machine of a live recording (starting, active, stopping, its maps read by every
 * step) plus one-line delegations to the parts; split further, those maps would cross files.
 */

export type { ImportResult } from "./recordingImport.ts";
export type { RecordingTakeover } from "./recordingRecovery.ts";
export { RecordingRefusal } from "./recordingRefusal.ts";

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

interface ActiveRecording {
  readonly record: RecordingRecord;
  readonly recorder: Recorder;
  readonly by: string;
}

export class Recordings implements RelayExtension {
  readonly name = "recordings";
  readonly dir: string;
  readonly nodeId: string;
  readonly mirror: RecordingStateMirror;
  /** Latest-at and range reads through a cache of open readers (recordingReads.ts). */
  readonly reads: RecordingReads;
  readonly #active = new Map<string, ActiveRecording>();
  readonly #starting = new Map<string, Promise<RecordingRecord>>();
  readonly #stopping = new Map<string, Promise<RecordingRecord>>();
  readonly #imports: RecordingImports;
  readonly #recovery: RecordingRecovery;
  readonly #rooms: ReviewRooms;
  readonly #options: RecordingsOptions;
  #docs: RecordingDocs | undefined;
  #timer: NodeJS.Timeout | undefined;
  #closed = false;

  constructor(
    options: RecordingsOptions,
    private readonly deps: RecordingsDeps,
  ) {
    this.#options = options;
    this.dir = options.dir;
    this.nodeId = options.nodeId ?? "local";
    const pathOf = (id: string) => this.path(id);
    this.reads = new RecordingReads(pathOf, options.maxOpenReaders ?? 4);
    this.#imports = new RecordingImports(
      { nodeId: this.nodeId, pathOf, store: deps.store, logger: deps.logger },
      options.imports,
    );
    this.#recovery = new RecordingRecovery({
      nodeId: this.nodeId,
      store: deps.store,
      logger: deps.logger,
      pathOf,
      takeover: options.takeover,
      recovered: (session) => void this.mirror.invalidate(session),
    });
    this.#rooms = new ReviewRooms(deps.signer, (id) => this.get(id));
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

  /** Create the directory, recover interrupted recordings, start the flush timer (and takeovers). */
  async open(): Promise<void> {
    await mkdir(this.dir, { recursive: true });
    const tempPrefix = this.#tempPrefix();
    for (const name of await readdir(this.dir)) {
      if (name.startsWith(tempPrefix)) await rm(join(this.dir, name), { force: true });
    }
    await this.#recovery.recoverAtStart();
    const interval = this.#options.flushIntervalMs ?? 1000;
    this.#timer = setInterval(() => this.#tick(), interval);
    this.#timer.unref();
    this.#recovery.startTakeovers();
  }

  path(id: string): string {
    return join(this.dir, `${id}.mcap`);
  }

  /** Where an upload of this node may be spooled before it is imported. */
  tempPath(): string {
    return join(this.dir, `${this.#tempPrefix()}${newSessionId()}.part`);
  }

  // Relay extension hooks.

  /** Every accepted message of every session (hot path): into the session's running recording. */
  onPublish(session: string, bytes: Uint8Array): void {
    const active = this.#active.get(session);
    if (active !== undefined) active.recorder.append(bytes, BigInt(Date.now()) * 1_000_000n);
  }

  /** Before the upgrade of `/yjs/rec-<id>`: look the recording up, so `admitRoom` can answer. */
  prepareRoom(room: string): Promise<void> {
    return this.#rooms.prepare(room);
  }

  /** A review room `rec-<id>` (reviewRooms.ts); undefined for other names (sessions). */
  admitRoom(room: string, token: string | null): Admission | undefined {
    return this.#rooms.admit(room, token);
  }

  /** A session's document was loaded: the red dot is kept in it. */
  onDocLoaded(room: string, doc: Y.Doc): void {
    if (!room.startsWith(REVIEW_ROOM_PREFIX)) this.mirror.bind(room, doc);
  }

  // Lifecycle.

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
    const record = startingLiveRecord({ id, sessionId, title, node: this.nodeId, startedAt });
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
      const recovered = await this.#recovery.takeOver(record);
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
      ...recordFigures(stats, await fileSize(path)),
      status: "stopped",
      stoppedAt: Date.now(),
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

  /**
   * The complete measurements of a recording's review room (issue 20), oldest first: from the open
   * document if a client has it, else from the stored updates (every update is stored as it comes).
   */
  async measurements(id: string): Promise<Measurement[]> {
    const room = reviewRoomName(id);
    const live = this.#docs?.liveDoc(room);
    if (live) return listMeasurements(live).filter((m) => m.complete);
    const updates = await this.deps.store.loadDoc(room);
    if (updates.length === 0) return [];
    const doc = new Y.Doc();
    try {
      Y.applyUpdate(doc, Y.mergeUpdates(updates));
      return listMeasurements(doc).filter((m) => m.complete);
    } finally {
      doc.destroy();
    }
  }

  async list(sessionId?: string): Promise<RecordingRecord[]> {
    return (await this.deps.store.listRecordings(sessionId)).map((r) => this.#withLiveFigures(r));
  }

  /** Delete a recording: stop it if it runs, close its review room, remove the file and the record. */
  async delete(id: string): Promise<void> {
    const record = await this.#get(id);
    if (this.#active.get(record.sessionId)?.record.id === id) await this.stop(id, "");
    await this.reads.evict(id);
    this.#rooms.forget(id);
    await this.#docs?.closeRoom(reviewRoomName(id), ErrorCode.RecordingNotFound, "the recording was deleted");
    await rm(this.path(id), { force: true });
    await this.deps.store.deleteRecording(id);
    if (record.origin === "live") void this.mirror.invalidate(record.sessionId);
    this.deps.logger.info("recording deleted", { session: record.sessionId, recording: id });
  }

  // The other parts, behind the one object recordingsHttp.ts uses.

  /** Import an MCAP file as a new recording of the session (recordingImport.ts). */
  importFile(sessionId: string, sourcePath: string, title: string): Promise<ImportResult> {
    return this.#imports.importFile(sessionId, sourcePath, title);
  }

  /** Finish every running recording (shutdown), close readers. Idempotent. */
  async close(): Promise<void> {
    if (this.#closed) return;
    this.#closed = true;
    if (this.#timer) clearInterval(this.#timer);
    await this.#recovery.close();
    await Promise.all(this.#starting.values()).catch(() => undefined);
    for (const active of [...this.#active.values()]) await this.#finish(active, "", []);
    await Promise.all(this.#stopping.values()).catch(() => undefined);
    await this.reads.close();
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

  #withLiveFigures(record: RecordingRecord): RecordingRecord {
    const active = this.#active.get(record.sessionId);
    if (!active || active.record.id !== record.id) return record;
    return {
      ...record,
      ...recordFigures(active.recorder.stats(), active.recorder.bytesWritten),
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
    void this.reads.sweep();
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

function message(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}
