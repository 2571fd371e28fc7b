import { isFrameKind } from "@depthroom/schema";
import type { EncodedLog } from "./encodeLog.ts";
import { LatestWinsQueue } from "./latestWins.ts";

/*
 * The producer's bookkeeping, without a socket: which logged message goes out next, how many publishes
 * are in flight, what a lost or refused publish does, and what is re-sent after a reconnect. The
 * producer (producer.ts) is the adapter that emits `publish` on the connection and reports each ack
 * here with `settle`.
 */

/** What became of one publish. */
export type PublishOutcome =
  /** The relay took it. */
  | { readonly kind: "acked" }
  /** The relay refused it (its answer names why). */
  | { readonly kind: "refused" }
  /** No answer: lost with the connection (it may go again after the reconnect) or not answered in time. */
  | { readonly kind: "lost"; readonly withConnection: boolean };

export interface PublishCounts {
  /** Messages the relay acknowledged. */
  sent: number;
  /** Of those, DepthImage messages (frames). */
  depthFrames: number;
  /** Replaced by a newer one of the same key before they could be sent, not answered in time, or cleared. */
  dropped: number;
  /** Refused by the relay. */
  rejected: number;
  /** Bytes of acknowledged messages. */
  bytes: number;
  /** Sent and not yet settled. */
  inFlight: number;
}

/**
 * State first, then frames: Pinholes, transforms and static data wait in one latest-wins queue and go
 * before depth and colour frames (their own latest-wins queue), and the latest state of every key is kept
 * to send again after a reconnect (the relay may have restarted and forgotten it). At most
 * `maxInFlight` publishes wait for their ack; everything else waits in one slot per key.
 */
export class PublishQueue {
  readonly counts: PublishCounts = {
    sent: 0,
    depthFrames: 0,
    dropped: 0,
    rejected: 0,
    bytes: 0,
    inFlight: 0,
  };
  private readonly state = new LatestWinsQueue<string, EncodedLog>();
  private readonly frames = new LatestWinsQueue<string, EncodedLog>();
  private readonly lastState = new Map<string, EncodedLog>();

  /**
   * `done` hears of each message nothing holds any more: acknowledged or refused by the relay (so sent
   * whole), or replaced before it was sent. Not of lost ones (socket.io may still hold their packet).
   */
  constructor(
    readonly maxInFlight: number,
    private readonly done: (message: EncodedLog) => void = () => {},
  ) {}

  /** Queue a logged message; a message of the same key still waiting is dropped (counted). */
  put(message: EncodedLog): void {
    const isState = isStateMessage(message);
    if (isState) this.lastState.set(message.key, message);
    const replaced = (isState ? this.state : this.frames).put(message.key, message);
    if (replaced) {
      this.counts.dropped++;
      this.done(replaced);
    }
  }

  /** The next message to publish, if a publish slot is free (it is then counted in flight). */
  next(): EncodedLog | undefined {
    if (this.counts.inFlight >= this.maxInFlight) return undefined;
    const message = this.state.take() ?? this.frames.take();
    if (message) this.counts.inFlight++;
    return message;
  }

  /** What became of a message `next()` gave out. */
  settle(message: EncodedLog, outcome: PublishOutcome): void {
    this.counts.inFlight--;
    switch (outcome.kind) {
      case "acked":
        this.counts.sent++;
        if (message.kind === "DepthImage") this.counts.depthFrames++;
        this.counts.bytes += message.bytes.length;
        this.done(message);
        return;
      case "refused":
        this.counts.rejected++;
        this.done(message);
        return;
      case "lost": {
        // Lost with the connection: it takes its slot back unless something newer took it (latest wins).
        const queue = isStateMessage(message) ? this.state : this.frames;
        if (outcome.withConnection && !queue.has(message.key)) {
          queue.put(message.key, message);
        } else {
          this.counts.dropped++; // not `done`: socket.io may still hold it (a packet buffered to go later)
        }
        return;
      }
      default:
        outcome satisfies never;
    }
  }

  /** After a reconnect: the latest state of every key goes again, unless a newer one already waits. */
  resendState(): void {
    for (const [key, message] of this.lastState) {
      if (!this.state.has(key)) this.state.put(key, message);
    }
  }

  /** Drop everything waiting (counted); returns how many. */
  clear(): number {
    const n = this.state.clear() + this.frames.clear();
    this.counts.dropped += n;
    return n;
  }

  /** Messages waiting for a publish slot. */
  get pending(): number {
    return this.state.size + this.frames.size;
  }

  /** Nothing waits and nothing is in flight. */
  get idle(): boolean {
    return this.pending === 0 && this.counts.inFlight === 0;
  }

  /** `next()` would give a message now. */
  get hasNext(): boolean {
    return this.counts.inFlight < this.maxInFlight && this.pending > 0;
  }

  /** A message put now would go out at once. */
  get hasRoom(): boolean {
    return this.pending === 0 && this.counts.inFlight < this.maxInFlight;
  }
}

function isStateMessage(message: EncodedLog): boolean {
  return message.static || !isFrameKind(message.kind);
}

/**
 * When unanswered publishes give up, without a timer per publish: publishes are added in the order they
 * were sent, each with its deadline; the producer arms one timer for `nextDeadline` and, when it fires,
 * takes the `overdue` ones. Answered ones are only marked (`answered`) and leave when they reach the
 * front, so the bookkeeping is O(1) per publish.
 */
export class AckDeadlines<T> {
  private readonly entries: DeadlineEntry<T>[] = [];
  private head = 0;
  /** The waiting entry of each item (an item sent again replaces its entry). */
  private readonly waiting = new Map<T, DeadlineEntry<T>>();

  /** `item` was sent now and gives up at `deadline` (ms, the caller's clock). */
  add(item: T, deadline: number): void {
    const entry = { item, deadline, answered: false };
    const previous = this.waiting.get(item);
    if (previous) previous.answered = true;
    this.entries.push(entry);
    this.waiting.set(item, entry);
  }

  /** `item` was answered: it no longer expires. Returns false if it was not waiting (it expired). */
  answered(item: T): boolean {
    const entry = this.waiting.get(item);
    if (!entry) return false;
    entry.answered = true;
    this.waiting.delete(item);
    this.dropAnswered();
    return true;
  }

  /** The items past their deadline at `now`, oldest first; they no longer wait. */
  overdue(now: number): T[] {
    const out: T[] = [];
    this.dropAnswered();
    for (
      let entry = this.entries[this.head];
      entry && entry.deadline <= now;
      entry = this.entries[this.head]
    ) {
      this.head++;
      if (entry.answered) continue;
      entry.answered = true;
      this.waiting.delete(entry.item);
      out.push(entry.item);
    }
    this.dropAnswered();
    return out;
  }

  /** The earliest deadline still waiting, if any. */
  get nextDeadline(): number | undefined {
    this.dropAnswered();
    return this.entries[this.head]?.deadline;
  }

  /** Items waiting for an answer. */
  get size(): number {
    return this.waiting.size;
  }

  /** Answered entries leave from the front; the array is compacted as they do. */
  private dropAnswered(): void {
    while (this.entries[this.head]?.answered) this.head++;
    if (this.head === this.entries.length) {
      this.entries.length = 0;
      this.head = 0;
    } else if (this.head > 64 && this.head * 2 > this.entries.length) {
      this.entries.splice(0, this.head);
      this.head = 0;
    }
  }
}

interface DeadlineEntry<T> {
  readonly item: T;
  readonly deadline: number;
  answered: boolean;
}
