/*
 * Per-viewer, per-entity latest-wins pacing. Each key (one entity's archetype) has at most one frame
 * in flight to the viewer; while it is in flight, a newer frame waits in a single pending slot and a
 * still newer one replaces it (the replaced frame is dropped and counted). Memory per viewer is bounded
 * by one pending frame per key, however slow the viewer is, and nobody upstream ever waits.
 *
 * Acks alone do not bound what sits in the viewer's socket: a client can ack frames it never read.
 * So a frame also waits (in the same pending slot) while the connection's write buffers hold more
 * than about two frames (`busyBytes`, at least `minBusyBytes`), and goes when they drain (`resume`)
 * or the next ack comes. Past `maxBufferedBytes` the viewer is given up (`FrameSink.tooSlow`): that
 * takes traffic besides frames, or a client that never drains at all.
 */

/** What the queue needs from a transport. */
export interface FrameSink {
  /** Send a frame; call `done` when the viewer has taken it (acked). */
  sendFrame(bytes: Uint8Array, done: () => void): void;
  /** Bytes given to the connection that it has not handed to the network yet (0 if it cannot tell). */
  bufferedBytes(): number;
  /** Call `listener` whenever the connection's write buffers empty; null stops it. */
  watchDrain(listener: (() => void) | null): void;
  /** The connection is past the hard cap: close it (the queue has already stopped). */
  tooSlow(bufferedBytes: number): void;
}

export interface LatestWinsCounters {
  /** A frame was handed to the sink. */
  sent(bytes: number): void;
  /** A pending frame was replaced by a newer one before it could be sent. */
  dropped(): void;
}

export interface FlowLimits {
  /** A viewer whose connection buffers more than this is disconnected. */
  readonly maxBufferedBytes: number;
  /** The least buffered bytes that make a viewer busy (the bound is two of the frame being offered). */
  readonly minBusyBytes: number;
}

export const DEFAULT_FLOW_LIMITS: FlowLimits = {
  maxBufferedBytes: 64 * 1024 * 1024,
  minBusyBytes: 64 * 1024,
};

class Slot {
  /** A frame of this key is in flight (sent, not acked). */
  busy = false;
  pending: Uint8Array | null = null;
  /** Bound once per slot so the hot path allocates nothing per frame. */
  readonly done: () => void;

  constructor(readonly queue: LatestWinsQueue) {
    this.done = () => queue.onDone(this);
  }
}

export class LatestWinsQueue {
  readonly #slots = new Map<string, Slot>();
  #closed = false;
  #dropped = 0;
  /** Some slot holds a frame that waits for the connection to drain, not for an ack. */
  #waiting = false;

  constructor(
    readonly sink: FrameSink,
    readonly counters: LatestWinsCounters,
    readonly flow: FlowLimits = DEFAULT_FLOW_LIMITS,
  ) {
    sink.watchDrain(() => this.resume());
  }

  /**
   * Offer the newest frame of `key`: sent now if nothing of that key is in flight and the connection
   * has room, else it waits in the key's slot (replacing an older waiting frame).
   */
  offer(key: string, bytes: Uint8Array): void {
    if (this.#closed) return;
    let slot = this.#slots.get(key);
    if (slot === undefined) {
      slot = new Slot(this);
      this.#slots.set(key, slot);
    }
    if (!slot.busy && this.#hasRoom(bytes)) {
      this.#send(slot, bytes);
      return;
    }
    if (this.#closed) return;
    if (slot.pending !== null) {
      this.#dropped++;
      this.counters.dropped();
    }
    slot.pending = bytes;
    if (!slot.busy) this.#waiting = true;
  }

  /** Called through a slot's `done` when the viewer took the in-flight frame. */
  onDone(slot: Slot): void {
    if (!slot.busy) return;
    slot.busy = false;
    if (this.#closed) return;
    const next = slot.pending;
    if (next !== null && this.#hasRoom(next)) {
      slot.pending = null;
      this.#send(slot, next);
    } else if (next !== null) {
      this.#waiting = true;
    }
    if (this.#waiting) this.resume();
  }

  /** The connection drained: send the frames that waited for room (not for an ack), oldest key first. */
  resume(): void {
    if (this.#closed || !this.#waiting) return;
    this.#waiting = false;
    for (const slot of this.#slots.values()) {
      const next = slot.pending;
      if (slot.busy || next === null) continue;
      if (!this.#hasRoom(next)) {
        this.#waiting = true;
        return;
      }
      slot.pending = null;
      this.#send(slot, next);
      if (this.#closed) return;
    }
  }

  /** Stop sending and let go of pending frames (the viewer left). */
  close(): void {
    if (!this.#closed) this.sink.watchDrain(null);
    this.#closed = true;
    for (const slot of this.#slots.values()) slot.pending = null;
    this.#slots.clear();
  }

  get inFlight(): number {
    let n = 0;
    for (const slot of this.#slots.values()) if (slot.busy) n++;
    return n;
  }

  get pending(): number {
    let n = 0;
    for (const slot of this.#slots.values()) if (slot.pending !== null) n++;
    return n;
  }

  /** Frames this viewer lost to newer ones. */
  get dropped(): number {
    return this.#dropped;
  }

  /** Whether the connection can take `bytes` now; gives the viewer up when it is past the hard cap. */
  #hasRoom(bytes: Uint8Array): boolean {
    const buffered = this.sink.bufferedBytes();
    if (buffered > this.flow.maxBufferedBytes) {
      this.#giveUp(buffered);
      return false;
    }
    return buffered <= Math.max(2 * bytes.byteLength, this.flow.minBusyBytes);
  }

  #send(slot: Slot, bytes: Uint8Array): void {
    slot.busy = true;
    this.counters.sent(bytes.byteLength);
    this.sink.sendFrame(bytes, slot.done);
    const buffered = this.sink.bufferedBytes();
    if (buffered > this.flow.maxBufferedBytes) this.#giveUp(buffered);
  }

  #giveUp(buffered: number): void {
    this.close();
    this.sink.tooSlow(buffered);
  }
}
