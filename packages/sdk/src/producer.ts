import {
  type DepthEncoding,
  loadUpZstdEncoder,
  type PublishResult,
  type Refusal,
  type Welcome,
} from "@depthroom/schema";
import {
  type ConnectionOptions,
  type ConnectionState,
  isRefusal,
  RelayConnection,
  type RelayEvents,
} from "./connection.ts";
import { sendCoalesced } from "./connectionFrames.ts";
import { AutoDepthEncoding, type DepthEncodingOption } from "./depthEncodingChoice.ts";
import { Emitter } from "./emitter.ts";
import { type EncodedLog, encodeLog, type LogOptions } from "./encodeLog.ts";
import { SdkError, SdkErrorCode } from "./errors.ts";
import { MessageBuffers } from "./messageBuffers.ts";
import { AckDeadlines, PublishQueue } from "./publishQueue.ts";
import { type RelayTarget, resolveTarget } from "./target.ts";
import { Timelines } from "./timelines.ts";

export interface ProducerOptions extends ConnectionOptions {
  /**
   * Depth payload encoding: `rvl` (the default for U16, lossless), `med` (MED-deflate, U16, lossless,
   * smaller on most depth), `up-zstd` (U16, lossless, smallest on Kinect v1 depth; its WASM encoder loads
   * in connect()), `float-deflate` (F32, lossless), `auto` (U16: per entity, the smallest of rvl, med
   * and up-zstd over the first frames: depthEncodingChoice.ts; F32: float-deflate) or `raw`. An image whose datatype the
   * option does not carry goes as RVL (U16) or raw. The default stays rvl/raw, not auto: every reader
   * (ROS and Rerun RVL decoders, the Python client at full rate) reads those; `depthroom stream` and
   * `demo`, which feed the viewer, use auto.
   */
  readonly depthEncoding?: DepthEncodingOption;
  /** Messages sent but not yet acknowledged by the relay; default 3. More waits in per-entity slots. */
  readonly maxInFlight?: number;
  /** A publish the relay has not acknowledged after this long is counted as dropped; default 10 s. */
  readonly ackTimeoutMs?: number;
}

export interface ProducerStats {
  /** Messages the relay acknowledged. */
  readonly sent: number;
  /** Of those, DepthImage messages (frames). */
  readonly depthFrames: number;
  /** Messages replaced by a newer one of the same entity before they could be sent (latest wins), or lost. */
  readonly dropped: number;
  /** Messages the relay refused (see the `problem` event). */
  readonly rejected: number;
  /** Bytes of acknowledged messages. */
  readonly bytes: number;
  /** Messages sent and not yet acknowledged. */
  readonly inFlight: number;
  /** Messages waiting for a slot. */
  readonly pending: number;
  /** Reconnections after the first connection. */
  readonly reconnects: number;
}

/** The connection's events (`problem` also when the relay refuses a logged message; the stream goes on). */
export type RecordingStreamEvents = RelayEvents;

const DEFAULT_MAX_IN_FLIGHT = 3;
const DEFAULT_ACK_TIMEOUT_MS = 10_000;

/**
 * Connect to a session as a producer; resolves once the relay has welcomed us. Rejects with `SdkError`:
 * `bad-link`, `bad-token` (also an expired link), `forbidden` (not a publish link), `session-not-found`,
 * `relay-unreachable` (no answer within `connectTimeoutMs`).
 */
export async function connect(target: RelayTarget, options: ProducerOptions = {}): Promise<RecordingStream> {
  const resolved = resolveTarget(target, { needRole: "publish" });
  const connection = new RelayConnection(resolved, { name: "sdk producer", ...options });
  const stream = new RecordingStream(connection, options);
  // up-zstd's encoder is WASM, loaded once: with it loaded by the welcome, up-zstd starts at frame 1
  // (before, frames go as MED: depthEncodingChoice.ts). A failed load leaves that fallback.
  const encoderLoaded =
    options.depthEncoding === "up-zstd" || options.depthEncoding === "auto"
      ? loadUpZstdEncoder().catch(() => {})
      : undefined;
  const [welcome] = await Promise.all([connection.opened, encoderLoaded]);
  if (welcome.role !== "publish") {
    connection.close();
    throw new SdkError(
      SdkErrorCode.Forbidden,
      `the relay admitted this token as ${welcome.role}; publishing needs publish`,
    );
  }
  return stream;
}

/**
 * A recording stream, as Rerun's: set the time, log archetypes to entity paths. `log()` never blocks and
 * never buffers without bound: each entity (and archetype kind) has one pending slot; when the link is
 * slower than the rig the newest message wins and the drop is counted in `stats`.
 */
export class RecordingStream extends Emitter<RecordingStreamEvents> {
  private readonly time = new Timelines();
  /** State before frames, latest wins per key, the in-flight limit and what goes again after a reconnect. */
  private readonly queue: PublishQueue;
  /** Where frame messages are written, reused once each is done with (not a new buffer per `log()`). */
  private readonly buffers: MessageBuffers;
  private readonly ackTimeoutMs: number;
  /** Publishes waiting for their ack, with when they give up: one timer for the oldest, not one per publish. */
  private readonly deadlines = new AckDeadlines<EncodedLog>();
  private deadlineTimer: ReturnType<typeof setTimeout> | undefined;
  private readonly depthEncoding: DepthEncoding | AutoDepthEncoding | undefined;
  private idleWaiters: (() => void)[] = [];
  private roomWaiters: (() => void)[] = [];
  private closing = false;

  /** @internal Use `connect()`. */
  constructor(
    private readonly connection: RelayConnection,
    options: ProducerOptions,
  ) {
    super();
    const maxInFlight = Math.max(1, Math.floor(options.maxInFlight ?? DEFAULT_MAX_IN_FLIGHT));
    // Enough free buffers for a window of frames to come back while as many are being logged.
    this.buffers = new MessageBuffers(maxInFlight + 1);
    this.queue = new PublishQueue(maxInFlight, (message) => {
      if (message.reusable) this.buffers.give(message.bytes);
    });
    this.ackTimeoutMs = options.ackTimeoutMs ?? DEFAULT_ACK_TIMEOUT_MS;
    this.depthEncoding = options.depthEncoding === "auto" ? new AutoDepthEncoding() : options.depthEncoding;
    connection.relayTo<RecordingStreamEvents>((event, ...args) => this.emit(event, ...args));
    connection.on("state", (state) => {
      if (state === "closed") this.releaseWaiters();
    });
    connection.on("welcome", (_welcome, reconnect) => {
      if (reconnect) this.queue.resendState();
      this.pump();
    });
  }

  /** Set the time for later `log()` calls: a number is a sequence (`frame`), a bigint nanoseconds. */
  setTime(timeline: string, value: number | bigint): void {
    this.time.set(timeline, value);
  }

  /** Stop stamping this timeline on later messages. */
  disableTimeline(timeline: string): void {
    this.time.disable(timeline);
  }

  /** Clear every timeline. */
  resetTime(): void {
    this.time.reset();
  }

  /**
   * Log one archetype at an entity path, stamped with the current times. The data is encoded (and so
   * copied) now: the caller may reuse its buffers. Throws `SdkError` (bad-message, naming the field) for
   * invalid input, and `closed` after `close()`.
   */
  log(entityPath: string, archetype: unknown, options: LogOptions = {}): void {
    if (this.closing || this.connection.state === "closed") {
      throw this.connection.error ?? new SdkError(SdkErrorCode.Closed, "the recording stream is closed");
    }
    this.queue.put(
      encodeLog(entityPath, archetype, this.time.current, options, this.depthEncoding, this.buffers),
    );
    this.pump();
  }

  /** Resolves when every logged message has been acknowledged (or dropped); rejects with `timeout` or the close reason. */
  flush(timeoutMs = 10_000): Promise<void> {
    if (this.idle) return Promise.resolve();
    if (this.connection.state === "closed") {
      return Promise.reject(
        this.connection.error ?? new SdkError(SdkErrorCode.Closed, "the recording stream is closed"),
      );
    }
    return new Promise<void>((resolve, reject) => {
      const timer = setTimeout(() => {
        this.idleWaiters = this.idleWaiters.filter((w) => w !== done);
        reject(
          new SdkError(
            SdkErrorCode.Timeout,
            `flush: ${this.queue.pending + this.queue.counts.inFlight} messages unsent after ${timeoutMs} ms`,
          ),
        );
      }, timeoutMs);
      const done = () => {
        clearTimeout(timer);
        if (this.idle) resolve();
        else
          reject(
            this.connection.error ?? new SdkError(SdkErrorCode.Closed, "closed before the flush finished"),
          );
      };
      this.idleWaiters.push(done);
    });
  }

  /**
   * Resolves when a message logged now would go out at once (a publish slot is free and nothing waits),
   * or when the stream closes. For producers that can wait (files, benchmarks) rather than drop frames.
   */
  whenSendable(): Promise<void> {
    if (this.hasRoom || this.connection.state === "closed") return Promise.resolve();
    return new Promise<void>((resolve) => this.roomWaiters.push(resolve));
  }

  /** Flush (waiting up to `timeoutMs` while connected), then close the connection. Never rejects. */
  async close(timeoutMs = 5_000): Promise<void> {
    if (this.closing) return;
    this.closing = true;
    if (this.connection.state === "connected") await this.flush(timeoutMs).catch(() => {});
    this.queue.clear();
    clearTimeout(this.deadlineTimer);
    this.deadlineTimer = undefined;
    this.connection.close();
    this.releaseWaiters();
  }

  get stats(): ProducerStats {
    return {
      ...this.queue.counts,
      pending: this.queue.pending,
      reconnects: this.connection.reconnects,
    };
  }

  get state(): ConnectionState {
    return this.connection.state;
  }

  /** Why the stream closed, when it closed by a failure (refused, unreachable). */
  get error(): SdkError | undefined {
    return this.connection.error;
  }

  /** The relay's latest welcome (session, role, producers), once connected. */
  get welcome(): Promise<Welcome> {
    return this.connection.opened;
  }

  private get hasRoom(): boolean {
    return this.queue.hasRoom && this.connection.ready;
  }

  private get idle(): boolean {
    return this.queue.idle;
  }

  private pump(): void {
    // socket.io-client writes a publish's header at once and its bytes a tick later: coalesced, both
    // (and any other publish sent now) leave in one write to the socket instead of one each.
    if (this.connection.ready && this.queue.hasNext) sendCoalesced(this.connection.socket, this.sendWaiting);
    if (this.idle) this.releaseWaiters();
    if (this.roomWaiters.length > 0 && this.hasRoom) this.releaseRoomWaiters();
  }

  /** Bound once: publish what may go now. */
  private readonly sendWaiting = () => {
    while (this.connection.ready) {
      const message = this.queue.next();
      if (!message) break;
      this.send(message);
    }
  };

  private send(message: EncodedLog): void {
    // An ack handler that takes an error first (socket.io's `withError`, as its `emitWithAck` uses): the
    // disconnect error reaches it, without `.timeout()`'s timer per publish; `expire` gives up on the rest.
    const onAck = ((error: Error | null, result: PublishResult) => {
      if (!this.deadlines.answered(message)) return; // given up on already (expired)
      if (error) {
        // Lost with the connection: it may go again after the reconnect.
        const withConnection = !this.connection.ready && !this.closing;
        this.queue.settle(message, { kind: "lost", withConnection });
      } else if (result && result.ok === true) {
        this.queue.settle(message, { kind: "acked" });
      } else {
        this.queue.settle(message, { kind: "refused" });
        const problem: Refusal = isRefusal(result)
          ? { code: result.code, message: `${message.entityPath} (${message.kind}): ${result.message}` }
          : {
              code: SdkErrorCode.Internal,
              message: `${message.entityPath}: the relay answered the publish oddly`,
            };
        this.emit("problem", problem);
      }
      this.pump();
    }) as ((error: Error | null, result: PublishResult) => void) & { withError?: boolean };
    onAck.withError = true;
    this.deadlines.add(message, Date.now() + this.ackTimeoutMs);
    this.armDeadline();
    this.connection.socket.emit("publish", message.bytes, onAck as never);
  }

  /** One timer, for the oldest publish waiting for its ack. */
  private armDeadline(): void {
    if (this.deadlineTimer !== undefined) return;
    const next = this.deadlines.nextDeadline;
    if (next === undefined) return;
    const timer = setTimeout(this.expire, Math.max(0, next - Date.now()));
    // Armed for the oldest publish and left armed when it is answered (re-armed per ack would be a timer
    // per publish again); in Node it does not keep the process alive.
    (timer as { unref?: () => void }).unref?.();
    this.deadlineTimer = timer;
  }

  /** Publishes not answered in time are dropped (their late acks, if any come, are ignored). */
  private readonly expire = () => {
    this.deadlineTimer = undefined;
    const overdue = this.deadlines.overdue(Date.now());
    for (const message of overdue) this.queue.settle(message, { kind: "lost", withConnection: false });
    this.armDeadline();
    if (overdue.length > 0) this.pump();
  };

  private releaseWaiters(): void {
    const waiters = this.idleWaiters;
    this.idleWaiters = [];
    for (const w of waiters) w();
    if (this.connection.state === "closed") this.releaseRoomWaiters();
  }

  private releaseRoomWaiters(): void {
    const waiters = this.roomWaiters;
    this.roomWaiters = [];
    for (const w of waiters) w();
  }
}
