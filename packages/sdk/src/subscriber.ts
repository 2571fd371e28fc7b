import {
  decodeMessage,
  type EntityInfo,
  type Envelope,
  type LogMessage,
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
import { installFrameFastPath, toBytes } from "./connectionFrames.ts";
import { Emitter } from "./emitter.ts";
import { SdkError, SdkErrorCode } from "./errors.ts";
import { FrameInbox, readSubscribeAnswer } from "./subscriberCore.ts";
import { type RelayTarget, resolveTarget } from "./target.ts";

export interface SubscribeOptions extends ConnectionOptions {
  /** Only these entity paths and their descendants; all when absent. */
  readonly entities?: readonly string[];
  /**
   * Lazy frames: each frame goes to this callback undecoded, as its envelope (header, entity path,
   * timelines: read and checked) and its wire bytes, instead of to `onMessage` and the iterator; the
   * callback decodes (`decodeMessage(bytes)`) only the frames it wants, so frames it replaces by newer
   * ones cost no decode. It is called as each frame arrives, in order, and each frame's ack follows its
   * own callback (or promise): holding one entity's frame holds that entity at the relay, not the others.
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

/** Called for each decoded message; the relay gets the frame's ack after it returns (or its promise settles). */
export type OnMessage = (message: LogMessage, info: FrameInfo) => void | Promise<void>;

/** Called for each frame with `onEnvelope` (lazy frames), undecoded (`info.decodeMs` is 0); its ack follows it. */
export type OnEnvelope = (envelope: Envelope, bytes: Uint8Array, info: FrameInfo) => void | Promise<void>;

export interface SubscriptionStats {
  readonly received: number;
  readonly bytes: number;
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
 * iterator (`for await (const m of subscription)`); each frame is acknowledged once it has been taken,
 * which is what lets the relay pace a slow subscriber (latest wins) instead of queuing for it.
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

export class Subscription extends Emitter<SubscriptionEvents> implements AsyncIterable<LogMessage> {
  /** Resolves when the relay first accepts the subscription; rejects with `SdkError` if it never will. */
  readonly ready: Promise<void>;
  private resolveReady!: () => void;
  private rejectReady!: (error: SdkError) => void;
  private counts = { received: 0, bytes: 0, undecodable: 0 };
  private chain: Promise<void> = Promise.resolve();
  /** Steps of `chain` not yet finished (see `order`). */
  private unfinished = 0;
  private latestEntities: readonly EntityInfo[] = [];
  private latestProducers: readonly ProducerInfo[] = [];
  /** Async-iterator state: frames waiting to be pulled (at most one per entity: each waits for its ack). */
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
    connection.on("welcome", () => this.requestFrames());
    // Frames beside socket.io-client's decoder (connectionFrames.ts); through it if that cannot be set up.
    installFrameFastPath(connection.socket, (bytes, ack) => this.onFrame(bytes, ack));
    connection.socket.on("frame", (payload, ack) => this.onFrame(payload, ack));
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

  private onFrame(payload: unknown, ack: unknown): void {
    const done = typeof ack === "function" ? (ack as () => void) : () => {};
    const bytes = toBytes(payload);
    if (this.options.onEnvelope) {
      this.onLazyFrame(this.options.onEnvelope, bytes, done);
      return;
    }
    let message: LogMessage;
    let decodeMs = 0;
    try {
      if (!bytes) throw new SdkError(SdkErrorCode.BadMessage, "frame: not binary");
      const started = performance.now();
      message = decodeMessage(bytes);
      decodeMs = performance.now() - started;
    } catch (error) {
      this.undecodable(error, done);
      return;
    }
    const info = this.count(bytes, decodeMs);
    // One message at a time, in arrival order; the ack follows the callback (and the iterator's pull).
    this.order(() => this.handOver(message, info, done));
  }

  /**
   * Lazy frames: only the envelope is read here (a bad one is undecodable), the body is the callback's.
   * Not chained behind earlier callbacks' promises: a frame held by the callback (its ack with it) must
   * not hold the frames of other entities.
   */
  private onLazyFrame(onEnvelope: OnEnvelope, bytes: Uint8Array | undefined, done: () => void): void {
    let envelope: Envelope;
    try {
      if (!bytes) throw new SdkError(SdkErrorCode.BadMessage, "frame: not binary");
      envelope = readEnvelope(bytes);
    } catch (error) {
      this.undecodable(error, done);
      return;
    }
    const info = this.count(bytes, 0);
    void this.afterCallback(() => onEnvelope(envelope, bytes, info), done);
  }

  /**
   * Run `step` after every earlier one: at once when none is unfinished (a synchronous callback then
   * costs no promise per frame), else chained behind them.
   */
  private order(step: () => void | Promise<void>): void {
    const pending = this.unfinished === 0 ? step() : this.chain.then(step);
    if (!pending) return;
    this.unfinished++;
    this.chain = pending.finally(() => {
      this.unfinished--;
    });
  }

  private undecodable(error: unknown, done: () => void): void {
    this.counts.undecodable++;
    done();
    const text = error instanceof Error ? error.message : String(error);
    this.emit("problem", { code: SdkErrorCode.BadMessage, message: `undecodable frame: ${text}` });
  }

  private count(bytes: Uint8Array, decodeMs: number): FrameInfo {
    this.counts.received++;
    this.counts.bytes += bytes.length;
    return { byteLength: bytes.length, receivedAt: Date.now(), decodeMs };
  }

  /** The callback, then the ack (or the iterator); a promise only when the callback returned one. */
  private handOver(message: LogMessage, info: FrameInfo, done: () => void): void | Promise<void> {
    return this.afterCallback(
      () => this.onMessage?.(message, info),
      () => this.release(message, done),
    );
  }

  /** Run `callback`, then `then` (at once, or once its promise settles); a throw is logged, not passed on. */
  private afterCallback(callback: () => unknown, then: () => void): void | Promise<void> {
    let result: unknown;
    try {
      result = callback();
    } catch (error) {
      console.error("depthroom: the subscriber's callback threw", error);
    }
    if (typeof (result as PromiseLike<void> | undefined)?.then === "function") {
      return Promise.resolve(result).then(then, (error) => {
        console.error("depthroom: the subscriber's callback threw", error);
        then();
      });
    }
    then();
  }

  private release(message: LogMessage, done: () => void): void {
    if (this.iterating) this.inbox.offer(message, done);
    else done();
  }

  private finish(error: SdkError | undefined): void {
    this.rejectReady(
      error ?? new SdkError(SdkErrorCode.Closed, "closed before the relay accepted the subscription"),
    );
    this.inbox.end(error);
  }
}
