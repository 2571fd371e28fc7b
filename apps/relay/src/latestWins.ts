/*
 * Per-viewer latest-wins pacing by credits. A viewer holds credit for FRAME_CREDITS frames (granted by
 * each `subscribe`) and gives it back in batches as it takes them (`grant`). A frame goes out at once
 * while the viewer has credit and its connection's write buffers hold no more than about two frames
 * (`busyBytes`, at least `minBusyBytes`); otherwise it waits in its key's single pending slot (one
 * entity's archetype), where a newer frame replaces it (the replaced frame is dropped and counted).
 * Waiting frames go when credit comes back or the buffers drain (`resume`), oldest key first. Memory per
 * viewer is bounded by one pending frame per key however slow the viewer is, and nobody upstream waits.
 *
 * Credit alone does not bound what sits in the viewer's socket: a client can grant credit for frames it
 * never read. Hence the buffered-bytes bound beside it; past `maxBufferedBytes` the viewer is given up
 * (`FrameSink.tooSlow`): that takes traffic besides frames, or a client that never drains at all.
 */

import { FRAME_CREDITS } from "@depthroom/schema";

/** What the queue needs from a transport. */
export interface FrameSink {
  /** Send a frame (it spends one credit; the viewer gives credit back with `grant`). */
  sendFrame(bytes: Uint8Array): void;
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
  /** Frames a viewer may have been sent without giving their credit back (FRAME_CREDITS). */
  readonly credits: number;
}

export const DEFAULT_FLOW_LIMITS: FlowLimits = {
  maxBufferedBytes: 64 * 1024 * 1024,
  minBusyBytes: 64 * 1024,
  credits: FRAME_CREDITS,
};

export class LatestWinsQueue {
  /** The frame waiting per key; Map order is the order keys first waited, so no key starves. */
  readonly #pending = new Map<string, Uint8Array>();
  #credits: number;
  #closed = false;
  #dropped = 0;

  constructor(
    readonly sink: FrameSink,
    readonly counters: LatestWinsCounters,
    readonly flow: FlowLimits = DEFAULT_FLOW_LIMITS,
  ) {
    this.#credits = flow.credits;
    sink.watchDrain(() => this.resume());
  }

  /**
   * Offer the newest frame of `key`: sent now if the viewer has credit, the connection has room and no
   * older frame of that key waits; else it waits in the key's slot (replacing an older waiting frame).
   */
  offer(key: string, bytes: Uint8Array): void {
    if (this.#closed) return;
    const waiting = this.#pending.size > 0;
    if (!waiting && this.#credits > 0 && this.#hasRoom(bytes)) {
      this.#send(bytes);
      return;
    }
    if (this.#closed) return;
    if (waiting && this.#pending.has(key)) {
      this.#dropped++;
      this.counters.dropped();
    }
    this.#pending.set(key, bytes);
    // Something else waits (say, another key, for credit): this one may still fit behind it.
    if (waiting) this.resume();
  }

  /** The viewer gave back credit for `frames` frames (capped at the flow's credits): waiting frames go. */
  grant(frames: number): void {
    this.#credits = Math.min(this.flow.credits, this.#credits + frames);
    this.resume();
  }

  /** Send what waits, oldest key first, while there is credit and room (on credit, drain, offer). */
  resume(): void {
    for (const [key, bytes] of this.#pending) {
      if (this.#closed || this.#credits <= 0 || !this.#hasRoom(bytes)) return;
      this.#pending.delete(key);
      this.#send(bytes);
    }
  }

  /** Stop sending and let go of pending frames (the viewer left, or subscribed again). */
  close(): void {
    if (!this.#closed) this.sink.watchDrain(null);
    this.#closed = true;
    this.#pending.clear();
  }

  /** Frames sent whose credit has not come back. */
  get inFlight(): number {
    return this.flow.credits - this.#credits;
  }

  get pending(): number {
    return this.#pending.size;
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

  #send(bytes: Uint8Array): void {
    this.#credits--;
    this.counters.sent(bytes.byteLength);
    this.sink.sendFrame(bytes);
    const buffered = this.sink.bufferedBytes();
    if (buffered > this.flow.maxBufferedBytes) this.#giveUp(buffered);
  }

  #giveUp(buffered: number): void {
    this.close();
    this.sink.tooSlow(buffered);
  }
}
