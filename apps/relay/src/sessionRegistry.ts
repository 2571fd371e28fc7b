import { ErrorCode, type Refusal } from "@depthroom/schema";
import type { RelayLimits } from "./limits.ts";
import { LiveSession, type SessionCounters } from "./session.ts";
import type { RelayStore, SessionRecord } from "./store.ts";
import { newSessionId } from "./tokens.ts";

/** Every known session (persisted) and the live state of those in use (in memory). */
export class SessionRegistry {
  readonly #records = new Map<string, SessionRecord>();
  readonly #live = new Map<string, LiveSession>();
  readonly #idleTimers = new Map<string, NodeJS.Timeout>();
  readonly #fetching = new Map<string, Promise<SessionRecord | undefined>>();
  readonly #createdListeners: ((record: SessionRecord) => void)[] = [];

  constructor(
    private readonly store: RelayStore,
    private readonly limits: RelayLimits,
    private readonly counters: SessionCounters,
  ) {}

  async load(): Promise<void> {
    for (const record of await this.store.loadSessions()) this.#records.set(record.id, record);
  }

  async create(title: string): Promise<{ ok: true; record: SessionRecord } | ({ ok: false } & Refusal)> {
    if (this.#records.size >= this.limits.maxSessions) {
      return {
        ok: false,
        code: ErrorCode.TooManySessions,
        message: `the relay holds ${this.limits.maxSessions} sessions`,
      };
    }
    const record: SessionRecord = { id: newSessionId(), title, createdAt: Date.now() };
    this.#records.set(record.id, record);
    try {
      await this.store.saveSession(record);
    } catch (error) {
      this.#records.delete(record.id);
      throw error;
    }
    for (const listener of this.#createdListeners) listener(record);
    return { ok: true, record };
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

  /** Stop the idle timers (shutdown). */
  close(): void {
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
