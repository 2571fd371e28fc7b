import { MemoryRecordingCatalog, type RecordingCatalog } from "./recordingStore.ts";

/*
 * Persistence behind one small async interface: the session registry, every session's Yjs document,
 * and recordings' metadata (`RecordingCatalog`, recordingStore.ts). `FileStore` (fileStore.ts) is the embedded default; `MemoryStore` serves unit tests; a
 * PostgreSQL store can implement the same interface for scale-out.
 */

/**
 * A document write the store will not take: its one record (an update, or the whole state on
 * compaction) is over the store's bound. Nothing was written; what was stored before is intact.
 */
export class DocumentTooLargeError extends RangeError {
  override readonly name = "DocumentTooLargeError";
  constructor(
    readonly doc: string,
    readonly bytes: number,
    readonly maxBytes: number,
  ) {
    super(`document ${doc}: ${bytes} bytes in one write, over the store's ${maxBytes}-byte bound`);
  }
}

export interface SessionRecord {
  readonly id: string;
  readonly title: string;
  /** Wall-clock ms. */
  readonly createdAt: number;
}

export interface RelayStore extends RecordingCatalog {
  /** Every session ever created (in creation order). */
  loadSessions(): Promise<SessionRecord[]>;
  saveSession(record: SessionRecord): Promise<void>;
  /** Forget a session (deleted, or expired) and its document; its recordings stay. */
  deleteSession(id: string): Promise<void>;
  /**
   * One session by id, for stores shared by several relay nodes (a session another node created since
   * `loadSessions`); single-node stores leave it out.
   */
  loadSession?(id: string): Promise<SessionRecord | undefined>;
  /** The stored updates of a document, oldest first (empty when it has none). */
  loadDoc(name: string): Promise<Uint8Array[]>;
  /** Append one Yjs update. Writes of one document are applied in call order. */
  appendDocUpdate(name: string, update: Uint8Array): Promise<void>;
  /** Replace a document's stored updates by one update holding its whole state (compaction). */
  writeDocState(name: string, state: Uint8Array): Promise<void>;
  /** Finish pending writes and release files or connections. */
  close(): Promise<void>;
}

export class MemoryStore extends MemoryRecordingCatalog implements RelayStore {
  readonly sessions: SessionRecord[] = [];
  readonly docs = new Map<string, Uint8Array[]>();

  async loadSessions(): Promise<SessionRecord[]> {
    return [...this.sessions];
  }

  async saveSession(record: SessionRecord): Promise<void> {
    this.sessions.push(record);
  }

  async deleteSession(id: string): Promise<void> {
    const index = this.sessions.findIndex((s) => s.id === id);
    if (index >= 0) this.sessions.splice(index, 1);
    this.docs.delete(id);
  }

  async loadDoc(name: string): Promise<Uint8Array[]> {
    return [...(this.docs.get(name) ?? [])];
  }

  async appendDocUpdate(name: string, update: Uint8Array): Promise<void> {
    const updates = this.docs.get(name) ?? [];
    updates.push(update);
    this.docs.set(name, updates);
  }

  async writeDocState(name: string, state: Uint8Array): Promise<void> {
    this.docs.set(name, [state]);
  }

  override async deleteRecording(id: string): Promise<void> {
    await super.deleteRecording(id);
    this.docs.delete(`rec-${id}`);
  }

  async close(): Promise<void> {}
}
