/*
 * Per-viewer, per-entity latest-wins pacing. Each key (one entity's archetype) has at most one frame
 * in flight to the viewer; while it is in flight, a newer frame waits in a single pending slot and a
 * still newer one replaces it (the replaced frame is dropped and counted). Memory per viewer is bounded
 * by one pending frame per key, however slow the viewer is, and nobody upstream ever waits.
 */

/** The one thing the queue needs from a transport: send a frame and call `done` when it is taken. */
export interface FrameSink {
  sendFrame(bytes: Uint8Array, done: () => void): void;
}

export interface LatestWinsCounters {
  /** A frame was handed to the sink. */
  sent(bytes: number): void;
  /** A pending frame was replaced by a newer one before it could be sent. */
  dropped(): void;
}

class Slot {
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

  constructor(
    readonly sink: FrameSink,
    readonly counters: LatestWinsCounters,
  ) {}

  /** Offer the newest frame of `key`: sent now if nothing of that key is in flight, else it waits. */
  offer(key: string, bytes: Uint8Array): void {
    if (this.#closed) return;
    let slot = this.#slots.get(key);
    if (slot === undefined) {
      slot = new Slot(this);
      this.#slots.set(key, slot);
    }
    if (!slot.busy) {
      this.#send(slot, bytes);
    } else {
      if (slot.pending !== null) {
        this.#dropped++;
        this.counters.dropped();
      }
      slot.pending = bytes;
    }
  }

  /** Called through a slot's `done` when the viewer took the in-flight frame. */
  onDone(slot: Slot): void {
    if (!slot.busy) return;
    slot.busy = false;
    if (this.#closed) return;
    const next = slot.pending;
    if (next !== null) {
      slot.pending = null;
      this.#send(slot, next);
    }
  }

  /** Stop sending and let go of pending frames (the viewer left). */
  close(): void {
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

  #send(slot: Slot, bytes: Uint8Array): void {
    slot.busy = true;
    this.counters.sent(bytes.byteLength);
    this.sink.sendFrame(bytes, slot.done);
  }
}
