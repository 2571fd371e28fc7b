import {
  type ArchetypeKind,
  compareLatestAt,
  DecodeError,
  type EntityInfo,
  ErrorCode,
  entityArchetypeKey,
  firstIssue,
  type ProducerEvent,
  type ProducerInfo,
  type PublishResult,
  readEnvelope,
  SubscribeRequestSchema,
  type SubscribeResult,
} from "@depthroom/schema";
import {
  DEFAULT_FLOW_LIMITS,
  type FlowLimits,
  type FrameSink,
  type LatestWinsCounters,
  LatestWinsQueue,
} from "./latestWins.ts";
import { type RelayLimits, TokenBucket } from "./limits.ts";
import { RepeatedHeader } from "./repeatedHeader.ts";

/*
 * One session's live state, without a network: the latest message of every entity, the producers,
 * and the viewers with their latest-wins queues. Transports (socket.io) adapt their sockets to
 * `ViewerPort` and call `publish` / `subscribe`; the tests drive it with plain objects.
 */

/** What the session needs from a viewer's connection. */
export interface ViewerPort extends FrameSink {
  readonly id: string;
  producerEvent(event: ProducerEvent): void;
}

export interface SessionCounters extends LatestWinsCounters {
  accepted(bytes: number): void;
  reject(reason: string): void;
  /** Sees every accepted message of the session, the exact bytes, before fan-out (recordings tap here). */
  tap?(session: string, bytes: Uint8Array): void;
}

interface LatestEntry {
  readonly key: string;
  readonly entityPath: string;
  readonly kind: ArchetypeKind;
  bytes: Uint8Array;
  static: boolean;
  lastSeen: number;
  messages: number;
}

interface Viewer {
  readonly port: ViewerPort;
  queue: LatestWinsQueue | null;
  /** Entity path prefixes; null = everything. */
  filter: readonly string[] | null;
}

/** What the relay reads of a message's header. */
interface HeaderRead {
  readonly kind: ArchetypeKind;
  readonly entityPath: string;
  readonly static: boolean;
  /** `entityArchetypeKey(entityPath, kind)`. */
  readonly key: string;
}

interface Producer {
  readonly info: ProducerInfo;
  readonly bucket: TokenBucket;
  refusalStreak: number;
  /** Its last accepted header: a message repeating it is not read again (repeatedHeader.ts). */
  readonly header: RepeatedHeader<HeaderRead>;
}

const OK: PublishResult = { ok: true };

export class LiveSession {
  readonly #latest = new Map<string, LatestEntry>();
  readonly #viewers = new Map<string, Viewer>();
  readonly #producers = new Map<string, Producer>();
  readonly #flow: FlowLimits;

  constructor(
    readonly id: string,
    private readonly limits: RelayLimits,
    private readonly counters: SessionCounters,
    private readonly now: () => number = Date.now,
  ) {
    this.#flow = { ...DEFAULT_FLOW_LIMITS, maxBufferedBytes: limits.maxViewerBufferedBytes };
  }

  /* Producers */

  addProducer(info: ProducerInfo): void {
    const limits = this.limits;
    this.#producers.set(info.id, {
      info,
      bucket: new TokenBucket(limits.maxMessagesPerSecond, limits.messageBurst, this.now()),
      refusalStreak: 0,
      header: new RepeatedHeader<HeaderRead>(),
    });
    this.#tellViewers({ type: "joined", producer: info });
  }

  removeProducer(id: string): void {
    const producer = this.#producers.get(id);
    if (!producer) return;
    this.#producers.delete(id);
    this.#tellViewers({ type: "left", producer: producer.info });
  }

  /** Consecutive refused messages of a producer (the adapter disconnects it past a limit). */
  refusalStreak(producerId: string): number {
    return this.#producers.get(producerId)?.refusalStreak ?? 0;
  }

  /** Take one wire message from a producer: keep it as its entity's latest and offer it to viewers. */
  publish(producerId: string, bytes: Uint8Array): PublishResult {
    const producer = this.#producers.get(producerId);
    if (!producer) return this.#refuse(undefined, ErrorCode.Forbidden, "not a producer of this session");
    if (!(bytes instanceof Uint8Array))
      return this.#refuse(producer, ErrorCode.BadMessage, "a frame must be binary");
    if (bytes.byteLength > this.limits.maxMessageBytes) {
      return this.#refuse(
        producer,
        ErrorCode.MessageTooLarge,
        `${bytes.byteLength} bytes exceeds the relay's limit of ${this.limits.maxMessageBytes}`,
      );
    }
    const now = this.now();
    if (!producer.bucket.take(now)) {
      return this.#refuse(
        producer,
        ErrorCode.RateLimited,
        `more than ${this.limits.maxMessagesPerSecond} messages/s`,
      );
    }
    let read = producer.header.match(bytes);
    if (read === undefined) {
      try {
        const envelope = readEnvelope(bytes);
        read = {
          kind: envelope.kind,
          entityPath: envelope.entityPath,
          static: envelope.static,
          key: entityArchetypeKey(envelope.entityPath, envelope.kind),
        };
      } catch (error) {
        if (error instanceof DecodeError) return this.#refuse(producer, error.code, error.message);
        return this.#refuse(producer, ErrorCode.BadMessage, String(error));
      }
      producer.header.remember(bytes, read);
    }
    const { key, entityPath, kind, static: isStatic } = read;
    let entry = this.#latest.get(key);
    if (entry === undefined) {
      if (this.#latest.size >= this.limits.maxEntitiesPerSession) {
        return this.#refuse(
          producer,
          ErrorCode.TooManyEntities,
          `the session already holds ${this.limits.maxEntitiesPerSession} entities`,
        );
      }
      entry = {
        key,
        entityPath,
        kind,
        bytes,
        static: isStatic,
        lastSeen: now,
        messages: 0,
      };
      this.#latest.set(key, entry);
    }
    entry.bytes = bytes;
    entry.static = isStatic;
    entry.lastSeen = now;
    entry.messages++;
    producer.refusalStreak = 0;
    this.counters.accepted(bytes.byteLength);
    this.counters.tap?.(this.id, bytes);
    for (const viewer of this.#viewers.values()) {
      if (viewer.queue !== null && matches(viewer.filter, entityPath)) viewer.queue.offer(key, bytes);
    }
    return OK;
  }

  /* Viewers */

  /** A viewer connected: it hears about producers from now on, frames once it subscribes. */
  addViewer(port: ViewerPort): void {
    this.#viewers.set(port.id, { port, queue: null, filter: null });
  }

  /** Start (or restart, with a new filter) a viewer's frames: the latest of every entity first. */
  subscribe(viewerId: string, request: unknown): SubscribeResult {
    const viewer = this.#viewers.get(viewerId);
    if (!viewer) return { ok: false, code: ErrorCode.Forbidden, message: "not a viewer of this session" };
    const filter = readFilter(request);
    if (!filter.ok) {
      this.counters.reject(ErrorCode.BadMessage);
      return { ok: false, code: ErrorCode.BadMessage, message: filter.message };
    }
    viewer.queue?.close();
    viewer.filter = filter.prefixes;
    const queue = new LatestWinsQueue(viewer.port, this.counters, this.#flow);
    viewer.queue = queue;
    const current = [...this.#latest.values()].filter((e) => matches(viewer.filter, e.entityPath));
    // Static data first (it holds for all times), then parents before children (a Pinhole before its image).
    current.sort(compareLatestAt);
    for (const entry of current) queue.offer(entry.key, entry.bytes);
    return { ok: true, entities: this.entities(), producers: this.producers() };
  }

  /** A viewer gave back credit for `frames` frames (a `credit` event, already checked). */
  grant(viewerId: string, frames: number): void {
    this.#viewers.get(viewerId)?.queue?.grant(frames);
  }

  removeViewer(id: string): void {
    const viewer = this.#viewers.get(id);
    if (!viewer) return;
    viewer.queue?.close();
    this.#viewers.delete(id);
  }

  /** The latest message of every entity, in subscription order (static first, parents before children). */
  latestMessages(): Uint8Array[] {
    const current = [...this.#latest.values()];
    current.sort(compareLatestAt);
    return current.map((e) => e.bytes);
  }

  /* Description */

  entities(): EntityInfo[] {
    return [...this.#latest.values()].map((e) => ({
      entityPath: e.entityPath,
      kind: e.kind,
      lastSeen: e.lastSeen,
      messages: e.messages,
    }));
  }

  producers(): ProducerInfo[] {
    return [...this.#producers.values()].map((p) => p.info);
  }

  get viewerCount(): number {
    return this.#viewers.size;
  }

  /** Nobody connected. */
  get idle(): boolean {
    return this.#viewers.size === 0 && this.#producers.size === 0;
  }

  get producerCount(): number {
    return this.#producers.size;
  }

  /** Frames waiting in viewers' pending slots (bounded by viewers x entities). */
  get pendingFrames(): number {
    let n = 0;
    for (const viewer of this.#viewers.values()) n += viewer.queue?.pending ?? 0;
    return n;
  }

  #tellViewers(event: ProducerEvent): void {
    for (const viewer of this.#viewers.values()) viewer.port.producerEvent(event);
  }

  #refuse(producer: Producer | undefined, code: ErrorCode, message: string): PublishResult {
    if (producer) producer.refusalStreak++;
    this.counters.reject(code);
    return { ok: false, code, message };
  }
}

function matches(filter: readonly string[] | null, entityPath: string): boolean {
  if (filter === null) return true;
  for (const prefix of filter) {
    // The prefix itself or a descendant: `world/cam` matches `world/cam/depth`, not `world/camera`.
    if (
      entityPath === prefix ||
      (entityPath.startsWith(prefix) && entityPath.charCodeAt(prefix.length) === 47)
    ) {
      return true;
    }
  }
  return false;
}

function readFilter(
  request: unknown,
): { ok: true; prefixes: readonly string[] | null } | { ok: false; message: string } {
  const parsed = SubscribeRequestSchema.safeParse(request);
  if (!parsed.success)
    return { ok: false, message: `subscribe { entities? }: ${firstIssue(parsed.error).message}` };
  return { ok: true, prefixes: parsed.data?.entities ?? null };
}
