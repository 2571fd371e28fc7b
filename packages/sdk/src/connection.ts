import {
  type AdminNotice,
  AdminNoticeSchema,
  type ClientToServerEvents,
  type ProducerEvent,
  ProducerEventSchema,
  RELAY_PROTOCOL_VERSION,
  type Refusal,
  type ServerToClientEvents,
  type Welcome,
} from "@depthroom/schema";
import { io, type Socket } from "socket.io-client";
import { ConnectionCore, type ConnectionInput, type ConnectionState, readRefusal } from "./connectionCore.ts";
import { Emitter } from "./emitter.ts";
import { SdkError, SdkErrorCode } from "./errors.ts";
import type { ResolvedTarget } from "./target.ts";

/*
 * One socket.io connection to a relay, shared by the producer and the subscriber: the handshake,
 * `welcome`, reconnection (socket.io's own for network drops, ours after a refusal that may pass), and
 * the connection state as data. It never throws across the socket: failures become state and events.
 */

export type { ConnectionState } from "./connectionCore.ts";

export interface ConnectionOptions {
  /** Shown to other peers (producer name, viewer name). */
  readonly name?: string;
  /** Give up with `relay-unreachable` if the first connection takes longer. Default 10 s; `Infinity` waits forever. */
  readonly connectTimeoutMs?: number;
  /** First delay between reconnection attempts; default 250 ms (doubling up to `reconnectDelayMaxMs`). */
  readonly reconnectDelayMs?: number;
  /** Longest delay between reconnection attempts; default 1000 ms, so a restarted relay is found within ~1 s. */
  readonly reconnectDelayMaxMs?: number;
  /** A notice from the relay's operator (also the `notice` event). */
  readonly onNotice?: (notice: AdminNotice) => void;
}

export type TypedSocket = Socket<ServerToClientEvents, ClientToServerEvents>;

/** What a connection, and so a producer and a subscriber, tell their users. */
export type RelayEvents = {
  state: [state: ConnectionState, error: SdkError | undefined];
  /** The relay refused something or reported a problem; the connection goes on. */
  problem: [problem: Refusal];
  /** A producer joined or left the session. */
  producer: [event: ProducerEvent];
  /** A notice from the relay's operator (`POST /api/admin/notices`, validated); also the `onNotice` option. */
  notice: [notice: AdminNotice];
};

export type ConnectionEvents = RelayEvents & {
  /** Each accepted handshake, the first and every reconnection. */
  welcome: [welcome: Welcome, reconnect: boolean];
};

const RELAYED_EVENTS = ["state", "problem", "producer", "notice"] as const;

const DEFAULT_CONNECT_TIMEOUT_MS = 10_000;

export class RelayConnection extends Emitter<ConnectionEvents> {
  readonly socket: TypedSocket;
  /** Resolves with the first `welcome`; rejects with an `SdkError` if the first connection fails. */
  readonly opened: Promise<Welcome>;
  private readonly core = new ConnectionCore();
  private retryTimer: ReturnType<typeof setTimeout> | undefined;
  private openTimer: ReturnType<typeof setTimeout> | undefined;
  private resolveOpened!: (welcome: Welcome) => void;
  private rejectOpened!: (error: SdkError) => void;
  private readonly retryDelayMs: number;

  constructor(
    readonly target: ResolvedTarget,
    options: ConnectionOptions = {},
  ) {
    super();
    this.opened = new Promise<Welcome>((resolve, reject) => {
      this.resolveOpened = resolve;
      this.rejectOpened = reject;
    });
    // Callers that never await `opened` must not see an unhandled rejection: the state event carries it too.
    this.opened.catch(() => {});
    this.retryDelayMs = options.reconnectDelayMaxMs ?? 1000;
    const url = new URL(target.relayUrl);
    // The token travels in socket.io's auth payload, not the URL (which proxies and servers log).
    const query: Record<string, string> = {
      session: target.session,
      v: String(RELAY_PROTOCOL_VERSION),
    };
    if (options.name) query.name = options.name;
    this.socket = io(url.origin, {
      path: `${url.pathname.replace(/\/+$/, "")}/socket.io/`,
      transports: ["websocket"],
      forceNew: true,
      query,
      auth: { token: target.token },
      reconnection: true,
      reconnectionDelay: options.reconnectDelayMs ?? 250,
      reconnectionDelayMax: this.retryDelayMs,
      randomizationFactor: 0.3,
      timeout: 5000,
    });
    const timeoutMs = options.connectTimeoutMs ?? DEFAULT_CONNECT_TIMEOUT_MS;
    if (Number.isFinite(timeoutMs)) {
      this.openTimer = setTimeout(
        () => this.step({ type: "open-timeout", relayUrl: target.relayUrl, timeoutMs }),
        timeoutMs,
      );
    }
    this.socket.on("connect_error", (error: Error & { data?: unknown }) =>
      this.step({ type: "connect-error", message: error.message, data: error.data }),
    );
    this.socket.on("welcome", (welcome) => this.step({ type: "welcome", welcome }));
    this.socket.on("problem", (problem) => {
      const refusal = readRefusal(problem);
      if (refusal) this.emit("problem", refusal);
    });
    this.socket.on("producer", (raw) => {
      const event = ProducerEventSchema.safeParse(raw);
      if (event.success) this.emit("producer", event.data);
    });
    if (options.onNotice) this.on("notice", options.onNotice);
    this.socket.on("notice", (raw) => {
      const notice = AdminNoticeSchema.safeParse(raw);
      if (notice.success) this.emit("notice", notice.data);
    });
    this.socket.on("disconnect", (reason) => this.step({ type: "disconnect", reason }));
  }

  get state(): ConnectionState {
    return this.core.state;
  }

  /** Why the connection closed, when it closed by a failure. */
  get error(): SdkError | undefined {
    return this.core.failure;
  }

  /** Welcomed and connected now: messages can be sent. */
  get ready(): boolean {
    return this.core.state === "connected" && this.socket.connected;
  }

  /** Reconnections after the first connection. */
  get reconnects(): number {
    return Math.max(0, this.core.welcomes - 1);
  }

  close(): void {
    this.step({ type: "close" });
  }

  /** Pass every `RelayEvents` event on through `emit` (a producer's or a subscriber's, whose events include them). */
  relayTo<E extends RelayEvents & { [K in keyof E]: unknown[] }>(
    emit: <K extends keyof E>(event: K, ...args: E[K]) => void,
  ): void {
    const relay = emit as unknown as (event: keyof RelayEvents, ...args: unknown[]) => void;
    for (const event of RELAYED_EVENTS) this.on(event, (...args: unknown[]) => relay(event, ...args));
  }

  /** Feed one event to the core, then do what it says. */
  private step(input: ConnectionInput): void {
    const before = this.core.state;
    const effect = this.core.step(input);
    if (this.core.state !== before) this.emit("state", this.core.state, this.core.failure);
    switch (effect.type) {
      case "none":
        return;
      case "welcomed":
        clearTimeout(this.openTimer);
        this.resolveOpened(effect.welcome);
        this.emit("welcome", effect.welcome, effect.reconnect);
        return;
      case "retry-later":
        clearTimeout(this.retryTimer);
        this.retryTimer = setTimeout(() => {
          if (this.core.state !== "closed" && !this.socket.connected) this.socket.connect();
        }, this.retryDelayMs);
        return;
      case "failed":
        this.stop();
        this.rejectOpened(effect.error);
        return;
      case "closed":
        this.stop();
        this.rejectOpened(new SdkError(SdkErrorCode.Closed, "closed before the relay answered"));
        return;
      default:
        effect satisfies never;
    }
  }

  private stop(): void {
    clearTimeout(this.openTimer);
    clearTimeout(this.retryTimer);
    this.socket.disconnect();
  }
}

/** Whether a peer's payload is a refusal (the schema's `RefusalSchema`: a named code and a sentence). */
export function isRefusal(x: unknown): x is Refusal {
  return readRefusal(x) !== undefined;
}
