import { ErrorCode, type Refusal } from "@depthroom/schema";
import type { RelayLimits } from "./limits.ts";
import { LiveSession, type SessionCounters } from "./session.ts";
import type { RelayStore, SessionRecord } from "./store.ts";
import { newSessionId } from "./tokens.ts";

export type SessionEnd = "deleted" | "expired";

/**
 * Every known session (persisted) and the live state of those in use (in memory). Sessions end: an
 * edit token deletes one (`delete`), and one nobody was connected to for `sessionIdleExpiryMs` expires
 * (a sweep, single-node stores only); either way its record and document go, its recordings stay, and
 * `maxSessions` counts the sessions that remain.
 */
export class SessionRegistry {
  readonly #records = new Map<string, SessionRecord>();
  readonly #live = new Map<string, LiveSession>();
  readonly #idleTimers = new Map<string, NodeJS.Timeout>();
  readonly #fetching = new Map<string, Promise<SessionRecord | undefined>>();
  readonly #createdListeners: ((record: SessionRecord) => void)[] = [];
  readonly #endedListeners: ((id: string, end: SessionEnd, here: boolean) => void)[] = [];
  /** Open connections (frames and documents) per session, and when each session last had one. */
  readonly #connections = new Map<string, number>();
  readonly #lastActive = new Map<string, number>();
  readonly #expiry: NodeJS.Timeout | undefined;

  constructor(
    private readonly store: RelayStore,
    private readonly limits: RelayLimits,
    private readonly counters: SessionCounters,
    private readonly now: () => number = Date.now,
  ) {
    if (store.loadSession === undefined) {
      const every = Math.min(Math.max(limits.sessionIdleExpiryMs / 4, 50), 60_000);
      this.#expiry = setInterval(() => void this.expireIdle(), every);
      this.#expiry.unref();
    }
  }

  async load(): Promise<void> {
    const now = this.now();
    for (const record of await this.store.loadSessions()) {
      this.#records.set(record.id, record);
      // Activity is not persisted: a restart gives every session a fresh idle period.
      this.#lastActive.set(record.id, now);
    }
  }

  async create(title: string): Promise<{ ok: true; record: SessionRecord } | ({ ok: false } & Refusal)> {
    if (this.#records.size >= this.limits.maxSessions) {
      return {
        ok: false,
        code: ErrorCode.TooManySessions,
        message: `the relay holds ${this.limits.maxSessions} sessions`,
      };
    }
    const record: SessionRecord = { id: newSessionId(), title, createdAt: this.now() };
    this.#records.set(record.id, record);
    this.#lastActive.set(record.id, record.createdAt);
    try {
      await this.store.saveSession(record);
    } catch (error) {
      this.#records.delete(record.id);
      throw error;
    }
    for (const listener of this.#createdListeners) listener(record);
    return { ok: true, record };
  }

  /**
   * A connection to session `id` opened (frames or document): the session is not idle until the
   * returned release is called.
   */
  hold(id: string): () => void {
    this.#connections.set(id, (this.#connections.get(id) ?? 0) + 1);
    this.#lastActive.set(id, this.now());
    let released = false;
    return () => {
      if (released) return;
      released = true;
      const left = (this.#connections.get(id) ?? 1) - 1;
      if (left > 0) this.#connections.set(id, left);
      else this.#connections.delete(id);
      if (this.#records.has(id)) this.#lastActive.set(id, this.now());
    };
  }

  /** End a session: forget its record, live state and document (recordings stay); tell the listeners. */
  async delete(id: string, end: SessionEnd = "deleted"): Promise<boolean> {
    if (!this.#end(id, end, true)) return false;
    await this.store.deleteSession(id);
    return true;
  }

  /** Scale-out: a session another node deleted (the cluster bus heard of it): forget it, store untouched. */
  forget(id: string): boolean {
    return this.#end(id, "deleted", false);
  }

  /**
   * Hear of every session that ends (deleted or expired), to close its connections; `here`: it ended on
   * this node (the cluster bus tells the others), not one another node ended.
   */
  onEnded(listener: (id: string, end: SessionEnd, here: boolean) => void): void {
    this.#endedListeners.push(listener);
  }

  #end(id: string, end: SessionEnd, here: boolean): boolean {
    if (!this.#records.delete(id)) return false;
    this.#lastActive.delete(id);
    const timer = this.#idleTimers.get(id);
    if (timer) clearTimeout(timer);
    this.#idleTimers.delete(id);
    this.#live.delete(id);
    for (const listener of this.#endedListeners) listener(id, end, here);
    return true;
  }

  /** Delete the sessions nobody was connected to for `sessionIdleExpiryMs`; returns their ids. */
  async expireIdle(): Promise<string[]> {
    const cutoff = this.now() - this.limits.sessionIdleExpiryMs;
    const expired: string[] = [];
    for (const [id, record] of this.#records) {
      if (this.#connections.has(id)) continue;
      if ((this.#lastActive.get(id) ?? record.createdAt) > cutoff) continue;
      expired.push(id);
    }
    for (const id of expired) {
      try {
        await this.delete(id, "expired");
      } catch {
        // The store failed; the record is gone from memory, so the sweep does not retry forever.
      }
    }
    return expired;
  }

  /** Scale-out: hear of every session this node creates (the cluster bus tells the other nodes). */
  onCreated(listener: (record: SessionRecord) => void): void {
    this.#createdListeners.push(listener);
  }

  /** Scale-out: a session another node created and stored (the cluster bus heard of it). */
  learn(record: SessionRecord): void {
    if (!this.#records.has(record.id)) this.#records.set(record.id, record);
  }

  get(id: string): SessionRecord | undefined {
    return this.#records.get(id);
  }

  /** Whether `fetch` can find sessions this registry has not loaded (a store shared by several nodes). */
  get fetches(): boolean {
    return this.store.loadSession !== undefined;
  }

  /**
   * A session another node created since `load` (stores shared by several nodes, `loadSession`): read
   * from the store once and kept. Concurrent calls for one id share one query.
   */
  async fetch(id: string): Promise<SessionRecord | undefined> {
    const known = this.#records.get(id);
    if (known || !this.store.loadSession) return known;
    let pending = this.#fetching.get(id);
    if (!pending) {
      pending = this.store.loadSession(id).finally(() => this.#fetching.delete(id));
      this.#fetching.set(id, pending);
    }
    const record = await pending;
    if (record && !this.#records.has(id)) this.#records.set(id, record);
    return this.#records.get(id);
  }

  /** The live state of a known session, created on first use. */
  live(id: string): LiveSession {
    const timer = this.#idleTimers.get(id);
    if (timer) {
      clearTimeout(timer);
      this.#idleTimers.delete(id);
    }
    let session = this.#live.get(id);
    if (!session) {
      session = new LiveSession(id, this.limits, this.counters);
      this.#live.set(id, session);
    }
    return session;
  }

  /**
   * A connection of the session left: once nobody has been connected for `idleSessionMs`, drop its
   * live state (the latest frames), so memory follows the sessions in use, not all sessions ever seen.
   */
  release(id: string): void {
    const session = this.#live.get(id);
    if (!session?.idle || this.#idleTimers.has(id)) return;
    const timer = setTimeout(() => {
      this.#idleTimers.delete(id);
      if (this.#live.get(id) === session && session.idle) this.#live.delete(id);
    }, this.limits.idleSessionMs);
    timer.unref();
    this.#idleTimers.set(id, timer);
  }

  /** Stop the idle timers and the expiry sweep (shutdown). */
  close(): void {
    if (this.#expiry) clearInterval(this.#expiry);
    for (const timer of this.#idleTimers.values()) clearTimeout(timer);
    this.#idleTimers.clear();
  }

  peekLive(id: string): LiveSession | undefined {
    return this.#live.get(id);
  }

  pendingFrames(): number {
    let n = 0;
    for (const session of this.#live.values()) n += session.pendingFrames;
    return n;
  }

  get size(): number {
    return this.#records.size;
  }

  get liveSize(): number {
    return this.#live.size;
  }
}
