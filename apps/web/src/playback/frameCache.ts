import {
  type ArchetypeKind,
  type BatchMessage,
  entityArchetypeKey,
  readEnvelope,
  replacesLatest,
} from "@depthroom/schema";

/*
 * What a review client keeps of a recording: encoded wire messages (decoded only when shown), in
 * segments of time it has read. A segment covers [from, to]: `base` is the latest message of each entity
 * at `from` (a latest-at answer), `byEntity` the messages after it, in log-time order (range answers,
 * appended while playing). So the frame of each entity at any t in [from, to] is known without asking
 * the relay. Pure data, no I/O: the feed (recordingFeed.ts) fills it.
 */

export interface CachedMessage {
  readonly entityPath: string;
  readonly kind: ArchetypeKind;
  readonly static: boolean;
  /** Log time, ns, as the relay's answer says (the first timestamp timeline, else its receive time);
   *  static messages hold -1 (they belong to all times). */
  readonly timeNs: bigint;
  /** The `frame` sequence timeline, if any. */
  readonly frame: number | undefined;
  readonly bytes: Uint8Array;
}

/**
 * What the cache keeps one latest message of: an entity's archetype (an entity path may hold several,
 * e.g. a camera's Transform3D and its Pinhole), the schema's `entityArchetypeKey`, as the relay's does.
 */
export function componentKey(m: Pick<CachedMessage, "entityPath" | "kind">): string {
  return entityArchetypeKey(m.entityPath, m.kind);
}

/** Read a message of a latest-at or range answer. Throws the schema's DecodeError on bad bytes. */
export function cacheMessage(message: BatchMessage): CachedMessage {
  const envelope = readEnvelope(message.bytes);
  let frame: number | undefined;
  for (const t of envelope.timelines)
    if (t.timeline === "frame" && t.kind === "sequence") {
      frame = Number(t.value);
      break;
    }
  return {
    entityPath: envelope.entityPath,
    kind: envelope.kind,
    static: envelope.static,
    timeNs: envelope.static ? -1n : message.logTimeNs,
    frame,
    bytes: message.bytes,
  };
}

/** The messages of a latest-at or range answer, as cached messages. */
export function cacheBatch(batch: readonly BatchMessage[]): CachedMessage[] {
  return batch.map(cacheMessage);
}

export interface Segment {
  /** Moves up when eviction forgets what is behind the cursor (the segment stays the same object, so
   *  a read-ahead in flight for it still lands). */
  from: bigint;
  to: bigint;
  /** By `componentKey`. */
  base: ReadonlyMap<string, CachedMessage>;
  /** By `componentKey`. */
  byEntity: Map<string, CachedMessage[]>;
  bytes: number;
  usedAt: number;
}

/** Index of the last message with time <= t, or -1. */
function lastAtOrBefore(messages: readonly CachedMessage[], t: bigint): number {
  let lo = 0;
  let hi = messages.length;
  while (lo < hi) {
    const mid = (lo + hi) >>> 1;
    if ((messages[mid] as CachedMessage).timeNs <= t) lo = mid + 1;
    else hi = mid;
  }
  return lo - 1;
}

export class FrameCache {
  private segments: Segment[] = [];
  private useCounter = 0;

  constructor(readonly maxBytes = 96 * 1024 * 1024) {}

  get size(): { segments: number; bytes: number } {
    return { segments: this.segments.length, bytes: this.segments.reduce((n, s) => n + s.bytes, 0) };
  }

  /** The segment that covers t, if any (the most recently used one when several do). */
  covering(t: bigint): Segment | undefined {
    let found: Segment | undefined;
    for (const s of this.segments)
      if (s.from <= t && t <= s.to && (!found || s.usedAt > found.usedAt)) found = s;
    if (found) found.usedAt = ++this.useCounter;
    return found;
  }

  has(segment: Segment): boolean {
    return this.segments.includes(segment);
  }

  /** The latest message of each entity's archetype at or before t in a segment (statics included). */
  at(segment: Segment, t: bigint): CachedMessage[] {
    const out = new Map(segment.base);
    for (const [key, messages] of segment.byEntity) {
      const i = lastAtOrBefore(messages, t);
      if (i < 0) continue;
      const current = out.get(key);
      const next = messages[i] as CachedMessage;
      if (current === undefined || replacesLatest(current, next)) out.set(key, next);
    }
    return [...out.values()];
  }

  /** A latest-at answer for time t: a segment [t, t]. */
  addLatestAt(t: bigint, messages: readonly CachedMessage[]): Segment {
    const base = new Map<string, CachedMessage>();
    let bytes = 0;
    for (const m of messages) {
      base.set(componentKey(m), m);
      bytes += m.bytes.byteLength;
    }
    const segment: Segment = { from: t, to: t, base, byEntity: new Map(), bytes, usedAt: ++this.useCounter };
    this.segments.push(segment);
    return segment;
  }

  /**
   * A range answer right after a segment: messages in (segment.to, to], in log-time order. Segments the
   * extension now overlaps are dropped (this one holds their times from now on).
   */
  extend(segment: Segment, to: bigint, messages: readonly CachedMessage[]): void {
    for (const m of messages) {
      if (m.static || m.timeNs <= segment.to || m.timeNs > to) continue;
      const key = componentKey(m);
      let list = segment.byEntity.get(key);
      if (!list) {
        list = [];
        segment.byEntity.set(key, list);
      }
      list.push(m);
      segment.bytes += m.bytes.byteLength;
    }
    const before = segment.to;
    segment.to = to;
    this.segments = this.segments.filter((s) => s === segment || !(s.from > before && s.from <= to));
  }

  /** The first depth-image time after t in the segment covering t, if it holds one. */
  nextFrameTime(t: bigint): bigint | undefined {
    const segment = this.covering(t);
    if (!segment) return undefined;
    let best: bigint | undefined;
    for (const [, messages] of segment.byEntity) {
      for (let j = lastAtOrBefore(messages, t) + 1; j < messages.length; j++) {
        const m = messages[j] as CachedMessage;
        if (m.kind !== "DepthImage") continue;
        if (best === undefined || m.timeNs < best) best = m.timeNs;
        break;
      }
    }
    return best;
  }

  /** The last depth-image time before t known from the segment covering t (its base included). */
  previousFrameTime(t: bigint): bigint | undefined {
    const segment = this.covering(t);
    if (!segment) return undefined;
    let best: bigint | undefined;
    const consider = (m: CachedMessage | undefined) => {
      if (
        m &&
        !m.static &&
        m.kind === "DepthImage" &&
        m.timeNs < t &&
        (best === undefined || m.timeNs > best)
      )
        best = m.timeNs;
    };
    for (const m of segment.base.values()) consider(m);
    for (const [, messages] of segment.byEntity) {
      for (let i = lastAtOrBefore(messages, t - 1n); i >= 0; i--) {
        const m = messages[i] as CachedMessage;
        if (m.kind === "DepthImage") {
          consider(m);
          break;
        }
      }
    }
    return best;
  }

  /**
   * Keep at most `maxBytes`: drop the least recently used segments other than the one at `keep`; if that
   * one alone is too big, forget what it holds from before `keep - behindNs` (its base moves up, in
   * place). It trims only once another `behindNs` has gone by since the last trim, not on every frame.
   */
  evict(keep: bigint, behindNs: bigint): void {
    let total = this.size.bytes;
    if (total <= this.maxBytes) return;
    const current = this.covering(keep);
    const others = this.segments.filter((s) => s !== current).sort((a, b) => a.usedAt - b.usedAt);
    for (const s of others) {
      if (total <= this.maxBytes) break;
      this.segments = this.segments.filter((x) => x !== s);
      total -= s.bytes;
    }
    if (total > this.maxBytes && current && keep - behindNs > current.from + behindNs) {
      const from = keep - behindNs;
      const base = new Map(this.at(current, from).map((m) => [componentKey(m), m]));
      const byEntity = new Map<string, CachedMessage[]>();
      let bytes = 0;
      for (const m of base.values()) bytes += m.bytes.byteLength;
      for (const [key, messages] of current.byEntity) {
        const kept = messages.slice(lastAtOrBefore(messages, from) + 1);
        for (const m of kept) bytes += m.bytes.byteLength;
        if (kept.length > 0) byEntity.set(key, kept);
      }
      current.from = from;
      current.base = base;
      current.byEntity = byEntity;
      current.bytes = bytes;
    }
  }
}
