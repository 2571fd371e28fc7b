import {
  CollabRoot,
  getRecordingState,
  RECORDING_STATE_IDLE,
  type RecordingState,
  STATE_KEY,
  sameRecordingState,
  setRecordingState,
} from "@depthroom/schema";
import * as Y from "yjs";
import type { Logger } from "./log.ts";

/*
 * The red dot: the relay mirrors each session's recording state into the `recording` map of the
 * session's Y.Doc (schema collab/recording.ts) and is its only writer. The relay's own state (the
 * recorder it runs, the store's records) is the truth; the doc is a copy that clients read. Whenever a
 * peer changes the map (or a stale state loads from the store after a crash), the mirror writes the
 * truth back. A session whose doc nobody has open gets the write in its stored updates.
 */

/** What the mirror needs from the documents and the store. */
export interface MirrorDeps {
  /** The session's doc if a client has it open (y-websocket's in-memory doc), else undefined. */
  liveDoc(session: string): Y.Doc | undefined;
  loadDoc(session: string): Promise<Uint8Array[]>;
  appendDocUpdate(session: string, update: Uint8Array): Promise<void>;
  /** The relay's state of a session (null: never recorded). */
  truthOf(session: string): Promise<RecordingState | null>;
  readonly logger: Logger;
}

/** Transaction origin of the mirror's writes (peers' writes have other origins). */
const MIRROR = Symbol("recording state mirror");

export class RecordingStateMirror {
  readonly #truth = new Map<string, RecordingState | null>();
  readonly #chains = new Map<string, Promise<void>>();
  readonly #scheduled = new Set<string>();
  readonly #bound = new WeakSet<Y.Doc>();

  constructor(private readonly deps: MirrorDeps) {}

  /** The relay's state of a session changed: remember it and write it into the session's doc. */
  set(session: string, state: RecordingState | null): Promise<void> {
    this.#truth.set(session, state);
    return this.#sync(session);
  }

  /** Forget a session's cached truth (it is asked for again when needed). */
  invalidate(session: string): Promise<void> {
    this.#truth.delete(session);
    return this.#sync(session);
  }

  /** A session's doc came to life (a client opened it): watch its `recording` map and check it. */
  bind(session: string, doc: Y.Doc): void {
    if (this.#bound.has(doc)) return;
    this.#bound.add(doc);
    doc.getMap<unknown>(CollabRoot.recording).observe((_event, transaction) => {
      if (transaction.origin !== MIRROR) this.#schedule(session);
    });
    this.#schedule(session);
  }

  /** Wait for every pending write (shutdown, tests). */
  async settle(): Promise<void> {
    while (this.#chains.size > 0 || this.#scheduled.size > 0) {
      await Promise.all([...this.#chains.values()]);
      if (this.#scheduled.size > 0) await new Promise((resolve) => setImmediate(resolve));
    }
  }

  #schedule(session: string): void {
    if (this.#scheduled.has(session)) return;
    this.#scheduled.add(session);
    setImmediate(() => {
      this.#scheduled.delete(session);
      void this.#sync(session);
    });
  }

  /** Writes of one session run one after another, so a later truth is never overtaken by an earlier one. */
  #sync(session: string): Promise<void> {
    const previous = this.#chains.get(session) ?? Promise.resolve();
    const run = previous
      .then(() => this.#write(session))
      .catch((error: unknown) => {
        this.deps.logger.error("recording state mirror failed", { session, error: String(error) });
      });
    this.#chains.set(session, run);
    void run.finally(() => {
      if (this.#chains.get(session) === run) this.#chains.delete(session);
    });
    return run;
  }

  async #write(session: string): Promise<void> {
    if (!this.#truth.has(session)) this.#truth.set(session, await this.deps.truthOf(session));
    const truth = this.#truth.get(session) ?? null;
    const live = this.deps.liveDoc(session);
    if (live) {
      writeIfDifferent(live, truth);
      return;
    }
    const doc = new Y.Doc();
    try {
      const updates = await this.deps.loadDoc(session);
      if (updates.length > 0) Y.applyUpdate(doc, Y.mergeUpdates(updates));
      const before = Y.encodeStateVector(doc);
      if (!writeIfDifferent(doc, truth)) return;
      await this.deps.appendDocUpdate(session, Y.encodeStateAsUpdate(doc, before));
      // A client may have opened the doc after we read the store: give it the write too.
      const opened = this.deps.liveDoc(session);
      if (opened) writeIfDifferent(opened, this.#truth.get(session) ?? null);
    } finally {
      doc.destroy();
    }
  }
}

/** Write `truth` into the doc unless it already says so; true if it wrote. */
function writeIfDifferent(doc: Y.Doc, truth: RecordingState | null): boolean {
  const map = doc.getMap<unknown>(CollabRoot.recording);
  if (truth === null) {
    // Never recorded: leave an empty map alone; put back the idle state over anything a peer wrote.
    if (!map.has(STATE_KEY) || sameRecordingState(getRecordingState(doc), RECORDING_STATE_IDLE)) return false;
    setRecordingState(doc, RECORDING_STATE_IDLE, MIRROR);
    return true;
  }
  if (sameRecordingState(getRecordingState(doc), truth)) return false;
  setRecordingState(doc, truth, MIRROR);
  return true;
}
