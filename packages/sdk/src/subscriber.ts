import {
  DecodeError,
  decodeMessage,
  type EntityInfo,
  type Envelope,
  entityArchetypeKey,
  FRAME_CREDITS,
  type LogMessage,
  loadUpZstdDecoder,
  type ProducerInfo,
  readEnvelope,
  type SubscribeRequest,
  type SubscribeResult,
} from "@depthroom/schema";
import {
  type ConnectionOptions,
  type ConnectionState,
  RelayConnection,
  type RelayEvents,
} from "./connection.ts";
import { afterPendingInput, installFrameFastPath, sendCredit, toBytes } from "./connectionFrames.ts";
import { Emitter } from "./emitter.ts";
import { SdkError, SdkErrorCode } from "./errors.ts";
import { FrameInbox, readSubscribeAnswer, type WaitingFrame, WaitingFrames } from "./subscriberCore.ts";
import { type RelayTarget, resolveTarget } from "./target.ts";

export interface SubscribeOptions extends ConnectionOptions {
  /** Only these entity paths and their descendants; all when absent. */
  readonly entities?: readonly string[];
  /**
   * Lazy frames: each frame goes to this callback undecoded, as its envelope (header, entity path,
   * timelines: read and checked) and its wire bytes, instead of to `onMessage` and the iterator; the
   * callback decodes (`decodeMessage(bytes)`) only the frames it wants, so frames it replaces by newer
   * ones cost no decode. It is called as each frame arrives, in order, and each frame's credit follows
   * its own callback (or promise): while the callback holds one entity's frame, that entity's newest
   * later frame waits here (latest wins), and the other entities' frames go on while credit lasts. The
   * relay keeps sending a held entity while the viewer has credit (this side replaces what waits: received,
   * not decoded); a held frame and its waiting one each keep a credit, so with FRAME_CREDITS / 2 or more
   * entities held at once the relay pauses every entity until one is released.
   */
  readonly onEnvelope?: OnEnvelope;
}

/** What arrives with each message besides the message itself. */
export interface FrameInfo {
  /** Size of the wire message in bytes (RVL-compressed depth counts compressed). */
  readonly byteLength: number;
  /** `Date.now()` when it arrived. */
  readonly receivedAt: number;
  /** Milliseconds this side spent decoding it (RVL included), `performance.now()` resolution. */
  readonly decodeMs: number;
}

/** Called for each decoded message; the frame's credit goes back to the relay after it returns (or its promise settles). */
export type OnMessage = (message: LogMessage, info: FrameInfo) => void | Promise<void>;

/** Called for each frame with `onEnvelope` (lazy frames), undecoded (`info.decodeMs` is 0); its credit follows it. */
export type OnEnvelope = (envelope: Envelope, bytes: Uint8Array, info: FrameInfo) => void | Promise<void>;

export interface SubscriptionStats {
  /** Frames handed over (to the callback or the iterator), and their bytes. */
  readonly received: number;
  readonly bytes: number;
  /** Frames replaced by a newer one of the same entity while they waited for the callback (latest wins). */
  readonly dropped: number;
  /** Frames that could not be decoded (each also raised a `problem`). */
  readonly undecodable: number;
  readonly reconnects: number;
}

/** The connection's events (`problem` also for a frame this side could not decode), and `subscribed`. */
export interface SubscriptionEvents extends RelayEvents {
  /** The relay accepted the subscription (again, after each reconnect). */
  subscribed: [entities: readonly EntityInfo[], producers: readonly ProducerInfo[]];
}

/**
 * Subscribe to a session's frames. Returns at once; `ready` settles when the relay accepted (or refused)
 * the subscription. Messages are decoded (RVL included) and handed to `onMessage` and/or the async
 * iterator (`for await (const m of subscription)`), one at a time; frames that arrive meanwhile wait, the
 * newest of each entity only (latest wins). A frame's credit goes back to the relay once it has been taken
 * or replaced (in batches, `FRAME_CREDITS`), which is what lets the relay pace a slow subscriber instead
 * of queuing for it.
 */
export function subscribe(
  target: RelayTarget,
  onMessage?: OnMessage,
  options: SubscribeOptions = {},
): Subscription {
  const resolved = resolveTarget(target);
  return new Subscription(
    new RelayConnection(resolved, { name: "sdk subscriber", ...options }),
    onMessage,
    options,
  );
}

/** Credit goes back to the relay in batches of this many frames: one message per batch, not per frame. */
const CREDIT_BATCH = FRAME_CREDITS / 2;

export class Subscription extends Emitter<SubscriptionEvents> implements AsyncIterable<LogMessage> {
  /** Resolves when the relay first accepts the subscription; rejects with `SdkError` if it never will. */
  readonly ready: Promise<void>;
  private resolveReady!: () => void;
  private rejectReady!: (error: SdkError) => void;
  private counts = { received: 0, bytes: 0, dropped: 0, undecodable: 0 };
  /** A frame is with the callback (or waits for the iterator's pull): frames arriving now wait. */
  private busy = false;
  /** Lazy frames: the keys (entity and kind) whose frame the callback holds. */
  private readonly held = new Set<string>();
  /** Frames waiting for the callback, the newest per entity. */
  private readonly waiting = new WaitingFrames((bytes) => {
    const { entityPath, kind } = readEnvelope(bytes);
    return entityArchetypeKey(entityPath, kind);
  });
  /** `handOverWaiting` is scheduled. */
  private scheduled = false;
  /** Frames taken or replaced whose credit has not been sent back yet. */
  private unsentCredit = 0;
  /** Frames received on this connection whose credit has not been sent back (the relay's view). */
  private owed = 0;
  private latestEntities: readonly EntityInfo[] = [];
  private latestProducers: readonly ProducerInfo[] = [];
  /** Async-iterator state: the frame waiting to be pulled (the subscription is busy until it is). */
  private readonly inbox = new FrameInbox<LogMessage>();
  private iterating = false;

  /** @internal Use `subscribe()`. */
  constructor(
    private readonly connection: RelayConnection,
    private readonly onMessage: OnMessage | undefined,
    private readonly options: SubscribeOptions,
  ) {
    super();
    this.ready = new Promise<void>((resolve, reject) => {
      this.resolveReady = resolve;
      this.rejectReady = reject;
    });
    this.ready.catch(() => {});
    connection.relayTo<SubscriptionEvents>((event, ...args) => this.emit(event, ...args));
    connection.on("state", (state, error) => {
      if (state === "closed") this.finish(error);
    });
    connection.on("welcome", () => {
      // A new connection: the relay grants fresh credit at the subscribe; older waiting frames go (the
      // subscription's first frames are the latest of every entity).
      this.owed = 0;
      this.unsentCredit = 0;
      this.waiting.clear();
      this.requestFrames();
    });
    // Frames beside socket.io-client's decoder (connectionFrames.ts); through it if that cannot be set up.
    installFrameFastPath(connection.socket, (bytes) => this.onFrame(bytes));
    connection.socket.on("frame", (payload) => this.onFrame(payload));
  }

  get state(): ConnectionState {
    return this.connection.state;
  }

  /** Why the subscription closed, if it closed by a failure. */
  get error(): SdkError | undefined {
    return this.connection.error;
  }

  get stats(): SubscriptionStats {
    return { ...this.counts, reconnects: this.connection.reconnects };
  }

  /** Entities and producers as of the latest subscribe answer. */
  get entities(): readonly EntityInfo[] {
    return this.latestEntities;
  }
  get producers(): readonly ProducerInfo[] {
    return this.latestProducers;
  }

  close(): void {
    this.connection.close();
  }

  [Symbol.asyncIterator](): AsyncIterator<LogMessage> {
    this.iterating = true;
    return {
      next: () => this.inbox.pull(),
      return: async () => {
        this.iterating = false;
        this.inbox.release();
        return { done: true, value: undefined };
      },
    };
  }

  private requestFrames(): void {
    const request: SubscribeRequest = this.options.entities ? { entities: this.options.entities } : {};
    this.connection.socket
      .timeout(10_000)
      .emit("subscribe", request, (error: Error | null, result: SubscribeResult) => {
        const answer = readSubscribeAnswer(error, result);
        if (answer.kind === "no-answer") return; // the next welcome asks again
        if (answer.kind === "accepted") {
          this.latestEntities = answer.entities;
          this.latestProducers = answer.producers;
          this.emit("subscribed", this.latestEntities, this.latestProducers);
          this.resolveReady();
          return;
        }
        this.emit("problem", answer.refusal);
        if (answer.final) {
          const failure = new SdkError(
            answer.refusal.code,
            `subscription refused: ${answer.refusal.message}`,
          );
          this.rejectReady(failure);
          this.finish(failure);
          this.connection.close();
        }
      });
  }

  private onFrame(payload: unknown): void {
    this.owed++;
    const bytes = toBytes(payload);
    if (!bytes) {
      this.undecodable(new SdkError(SdkErrorCode.BadMessage, "frame: not binary"));
      return;
    }
    const frame: WaitingFrame = { bytes, receivedAt: Date.now() };
    if (this.options.onEnvelope) {
      this.onLazyFrame(this.options.onEnvelope, frame);
      return;
    }
    // Handed over after the input already received, so only the newest frame of each entity is decoded.
    if (this.waiting.put(frame)) this.replaced();
    this.schedule();
  }

  private schedule(): void {
    if (this.scheduled || this.busy || this.waiting.size === 0) return;
    this.scheduled = true;
    afterPendingInput(this.handOverWaiting);
  }

  /** Bound once: the scheduled step that hands the waiting frames over, one at a time. */
  private readonly handOverWaiting = () => {
    this.scheduled = false;
    while (!this.busy) {
      const frame = this.waiting.take();
      if (!frame) return;
      this.take(frame);
    }
  };

  /** Decode one frame and hand it over (to the callback, then the iterator); busy until it is taken. */
  private take(frame: WaitingFrame): void {
    const { bytes, receivedAt } = frame;
    let message: LogMessage;
    const started = performance.now();
    try {
      message = decodeMessage(bytes);
    } catch (error) {
      if (error instanceof DecodeError && error.problem === "codec-not-loaded") {
        this.afterDecoderLoads(frame);
        return;
      }
      this.undecodable(error);
      return;
    }
    const info = this.count(bytes, receivedAt, performance.now() - started);
    // Busy until the callback's promise settled and the iterator, if any, pulled the message; no promise
    // of ours per frame (the callback's own is followed with one `then`, the inbox calls `release`).
    this.busy = true;
    const async = this.afterCallback(
      () => this.onMessage?.(message, info),
      () => (this.iterating ? this.inbox.offer(message, this.release) : this.release()),
    );
    if (async) return;
    if (this.iterating) {
      this.inbox.offer(message, this.release);
    } else {
      // The common case: a callback that returned, nobody iterating (the caller takes the next).
      this.busy = false;
      this.taken();
    }
  }

  /**
   * up-zstd's decoder is WebAssembly: where the platform cannot compile it at once (a browser page's main
   * thread) the first frame finds it not loaded. The subscription waits for it (busy: later frames wait,
   * latest wins), then decodes that frame; only a loader that fails makes the frame undecodable.
   */
  private afterDecoderLoads(frame: WaitingFrame): void {
    this.busy = true;
    loadUpZstdDecoder().then(
      () => {
        this.busy = false;
        if (this.connection.state === "closed") return; // closed meanwhile: no callback after close()
        this.take(frame);
        this.schedule();
      },
      (error: unknown) => {
        this.busy = false;
        this.undecodable(error);
        this.schedule();
      },
    );
  }

  /** Bound once: the frame with the callback (and iterator) was taken: credit, and the next may go. */
  private readonly release = () => {
    this.busy = false;
    this.taken();
    this.schedule();
  };

  /**
   * Lazy frames: only the envelope is read here (a bad one is undecodable), the body is the callback's.
   * Each frame goes as it comes, unless the callback still holds a frame of its entity: then it waits,
   * the newest only, and goes when that one is let go.
   */
  private onLazyFrame(onEnvelope: OnEnvelope, frame: WaitingFrame): void {
    let envelope: Envelope;
    try {
      envelope = readEnvelope(frame.bytes);
    } catch (error) {
      this.undecodable(error);
      return;
    }
    const key = entityArchetypeKey(envelope.entityPath, envelope.kind);
    if (this.held.has(key)) {
      if (this.waiting.put(frame, key)) this.replaced();
      return;
    }
    const info = this.count(frame.bytes, frame.receivedAt, 0);
    const async = this.afterCallback(
      () => onEnvelope(envelope, frame.bytes, info),
      () => {
        this.held.delete(key);
        this.taken();
        for (let next = this.waiting.take(this.isHeld); next; next = this.waiting.take(this.isHeld)) {
          this.onLazyFrame(onEnvelope, next);
        }
      },
    );
    if (async) this.held.add(key);
    else this.taken();
  }

  private readonly isHeld = (key: string) => this.held.has(key);

  /** A waiting frame was replaced by a newer one of its entity (latest wins). */
  private replaced(): void {
    this.counts.dropped++;
    this.taken();
  }

  /**
   * A frame was taken, replaced or refused: its credit goes back to the relay, in batches of half the
   * credit, or at once when the relay has none left (this side owes it every frame it was given).
   */
  private taken(): void {
    this.unsentCredit++;
    if (this.unsentCredit >= CREDIT_BATCH || this.owed >= FRAME_CREDITS) {
      sendCredit(this.connection.socket, this.unsentCredit);
      this.owed = Math.max(0, this.owed - this.unsentCredit);
      this.unsentCredit = 0;
    }
  }

  private undecodable(error: unknown): void {
    this.counts.undecodable++;
    this.taken();
    const text = error instanceof Error ? error.message : String(error);
    this.emit("problem", { code: SdkErrorCode.BadMessage, message: `undecodable frame: ${text}` });
  }

  /** Count a frame handed over; what goes with it to the callback. */
  private count(bytes: Uint8Array, receivedAt: number, decodeMs: number): FrameInfo {
    this.counts.received++;
    this.counts.bytes += bytes.length;
    return { byteLength: bytes.length, receivedAt, decodeMs };
  }

  /**
   * Run `callback`; when it returned a promise (or thenable), run `settled` once that settles and return
   * true; else return false (the caller goes on at once). A throw or rejection is logged, not passed on.
   */
  private afterCallback(callback: () => unknown, settled: () => void): boolean {
    let result: unknown;
    try {
      result = callback();
    } catch (error) {
      console.error("depthroom: the subscriber's callback threw", error);
    }
    if (typeof (result as PromiseLike<void> | undefined)?.then !== "function") return false;
    Promise.resolve(result).then(settled, (error) => {
      console.error("depthroom: the subscriber's callback threw", error);
      settled();
    });
    return true;
  }

  private finish(error: SdkError | undefined): void {
    this.rejectReady(
      error ?? new SdkError(SdkErrorCode.Closed, "closed before the relay accepted the subscription"),
    );
    this.inbox.end(error);
  }
}
