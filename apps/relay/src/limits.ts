import { MAX_RECORD_BYTES } from "./updateLog.ts";

/** Limits that keep one peer from hurting the others. All are per relay process. */
export interface RelayLimits {
  /** Largest wire message a producer may publish (bytes). */
  readonly maxMessageBytes: number;
  /** Distinct (entity path, archetype) pairs one session may hold. */
  readonly maxEntitiesPerSession: number;
  /** Sessions in the registry. */
  readonly maxSessions: number;
  /** Sustained messages per second per producer connection (token bucket refill rate). */
  readonly maxMessagesPerSecond: number;
  /** Token bucket size: how many messages a producer may send in a burst. */
  readonly messageBurst: number;
  /** Consecutive refused messages after which a producer is disconnected. */
  readonly maxRefusalStreak: number;
  /**
   * Largest session document (bytes of its encoded state, as compaction stores it); updates that would
   * pass it are refused. At most the store's record bound (updateLog.ts MAX_RECORD_BYTES).
   */
  readonly maxDocumentBytes: number;
  /**
   * Bytes a viewer's connection may buffer (written, not yet sent to the network) before the relay
   * disconnects it (close code TooSlow). Frames already wait while it buffers about two frames.
   */
  readonly maxViewerBufferedBytes: number;
  /** Largest y-websocket message (bytes). */
  readonly maxDocMessageBytes: number;
  /** Sustained y-websocket messages per second per connection (burst: twice that). */
  readonly maxDocMessagesPerSecond: number;
  /** Sustained y-websocket messages per second from one client address, all its connections (burst: twice). */
  readonly maxDocMessagesPerSecondPerAddress: number;
  /**
   * Sustained awareness bytes per second per doc connection (burst: twice that, which is also the
   * largest awareness message accepted: a larger one closes the connection, unparsed).
   */
  readonly maxAwarenessBytesPerSecond: number;
  /** Sustained awareness bytes per second from one client address, all its connections (burst: twice). */
  readonly maxAwarenessBytesPerSecondPerAddress: number;
  /** Awareness clientIDs one doc connection may own (a y-websocket provider has one). */
  readonly maxAwarenessClientsPerConnection: number;
  /** Largest awareness state, in bytes of JSON (UTF-8); larger states are dropped before parsing. */
  readonly maxAwarenessStateBytes: number;
  /**
   * A session nobody was connected to for this long (ms) is deleted, its document with it (its
   * recordings stay); counted from the relay's start for sessions it loaded. Single-node stores only.
   */
  readonly sessionIdleExpiryMs: number;
  /** `POST /api/sessions` per client address per minute, sustained (burst: twice that). */
  readonly maxSessionCreatesPerMinutePerAddress: number;
  /** A session's live state (latest frames) is dropped after nobody was connected for this long (ms). */
  readonly idleSessionMs: number;
}

export const DEFAULT_LIMITS: RelayLimits = {
  maxMessageBytes: 16 * 1024 * 1024,
  maxEntitiesPerSession: 256,
  maxSessions: 10_000,
  maxMessagesPerSecond: 300,
  messageBurst: 600,
  maxRefusalStreak: 100,
  maxDocumentBytes: 128 * 1024 * 1024,
  maxViewerBufferedBytes: 64 * 1024 * 1024,
  maxDocMessageBytes: 8 * 1024 * 1024,
  maxDocMessagesPerSecond: 200,
  maxDocMessagesPerSecondPerAddress: 1000,
  maxAwarenessBytesPerSecond: 512 * 1024,
  maxAwarenessBytesPerSecondPerAddress: 2 * 1024 * 1024,
  maxAwarenessClientsPerConnection: 1,
  maxAwarenessStateBytes: 16 * 1024,
  idleSessionMs: 10 * 60 * 1000,
  sessionIdleExpiryMs: 30 * 24 * 3600 * 1000,
  maxSessionCreatesPerMinutePerAddress: 30,
};

export function resolveLimits(partial: Partial<RelayLimits> = {}): RelayLimits {
  const limits = { ...DEFAULT_LIMITS, ...partial };
  for (const [name, value] of Object.entries(limits)) {
    if (!Number.isFinite(value) || value <= 0)
      throw new RangeError(`limits.${name} must be a positive number`);
  }
  if (limits.maxDocumentBytes > MAX_RECORD_BYTES)
    throw new RangeError(
      `limits.maxDocumentBytes must be at most ${MAX_RECORD_BYTES} (the store's record bound)`,
    );
  return limits;
}

/** Token bucket: `take()` is false when the caller is over its rate. */
export class TokenBucket {
  #tokens: number;
  #last: number;

  constructor(
    readonly ratePerSecond: number,
    readonly capacity: number,
    now: number,
  ) {
    this.#tokens = capacity;
    this.#last = now;
  }

  /** Whether the bucket has refilled completely by `now` (its owner has been quiet). */
  full(now: number): boolean {
    return this.#tokens + ((now - this.#last) * this.ratePerSecond) / 1000 >= this.capacity;
  }

  /** Take `cost` tokens (default one); false, and nothing taken, when there are not enough. */
  take(now: number, cost = 1): boolean {
    const elapsed = now - this.#last;
    if (elapsed > 0) {
      this.#tokens = Math.min(this.capacity, this.#tokens + (elapsed * this.ratePerSecond) / 1000);
      this.#last = now;
    }
    if (this.#tokens < cost) return false;
    this.#tokens -= cost;
    return true;
  }
}
