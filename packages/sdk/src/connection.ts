import {
  type AdminNotice,
  AdminNoticeSchema,
  type ClientToServerEvents,
  errorCodeRule,
  type ProducerEvent,
  RELAY_PROTOCOL_VERSION,
  type Refusal,
  RefusalSchema,
  type ServerToClientEvents,
  type Welcome,
} from "@depthroom/schema";
import { io, type Socket } from "socket.io-client";
import { Emitter } from "./emitter.ts";
import { isPermanent, SdkError, SdkErrorCode } from "./errors.ts";
import type { ResolvedTarget } from "./target.ts";

/*
 * One socket.io connection to a relay, shared by the producer and the subscriber: the handshake,
 * `welcome`, reconnection (socket.io's own for network drops, ours after a refusal that may pass), and
 * the connection state as data. It never throws across the socket: failures become state and events.
 */

export type ConnectionState =
  /** Opening the first connection. */
  | "connecting"
  /** Welcomed by the relay; messages flow. */
  | "connected"
  /** Lost the connection; trying again on its own. */
  | "reconnecting"
  /** Closed for good: by `close()`, or after a refusal that retrying cannot fix (see `error`). */
  | "closed";

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

export type ConnectionEvents = {
  state: [state: ConnectionState, error: SdkError | undefined];
  /** Each accepted handshake, the first and every reconnection. */
  welcome: [welcome: Welcome, reconnect: boolean];
  problem: [problem: Refusal];
  producer: [event: ProducerEvent];
  /** A notice from the relay's operator (validated; malformed ones are dropped). */
  notice: [notice: AdminNotice];
};

const DEFAULT_CONNECT_TIMEOUT_MS = 10_000;

export class RelayConnection extends Emitter<ConnectionEvents> {
  readonly socket: TypedSocket;
  /** Resolves with the first `welcome`; rejects with an `SdkError` if the first connection fails. */
  readonly opened: Promise<Welcome>;
  private currentState: ConnectionState = "connecting";
  private failure: SdkError | undefined;
  private welcomes = 0;
  private lastConnectError = "";
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
    const query: Record<string, string> = {
      session: target.session,
      token: target.token,
      v: String(RELAY_PROTOCOL_VERSION),
    };
    if (options.name) query.name = options.name;
    this.socket = io(url.origin, {
      path: `${url.pathname.replace(/\/+$/, "")}/socket.io/`,
      transports: ["websocket"],
      forceNew: true,
      query,
      reconnection: true,
      reconnectionDelay: options.reconnectDelayMs ?? 250,
      reconnectionDelayMax: this.retryDelayMs,
      randomizationFactor: 0.3,
      timeout: 5000,
    });
    const timeoutMs = options.connectTimeoutMs ?? DEFAULT_CONNECT_TIMEOUT_MS;
    if (Number.isFinite(timeoutMs)) {
      this.openTimer = setTimeout(() => {
        const why = this.lastConnectError ? ` (${this.lastConnectError})` : "";
        this.fail(
          new SdkError(
            SdkErrorCode.RelayUnreachable,
            `relay unreachable: no answer from ${target.relayUrl} within ${Math.round(timeoutMs / 100) / 10} s${why}`,
          ),
        );
      }, timeoutMs);
    }
    this.socket.on("connect_error", (error) => this.onConnectError(error));
    this.socket.on("welcome", (welcome) => this.onWelcome(welcome));
    this.socket.on("problem", (problem) => {
      if (isRefusal(problem)) this.emit("problem", problem);
    });
    this.socket.on("producer", (event) => this.emit("producer", event));
    if (options.onNotice) this.on("notice", options.onNotice);
    this.socket.on("notice", (raw) => {
      const notice = AdminNoticeSchema.safeParse(raw);
      if (notice.success) this.emit("notice", notice.data);
    });
    this.socket.on("disconnect", (reason) => this.onDisconnect(reason));
  }

  get state(): ConnectionState {
    return this.currentState;
  }

  /** Why the connection closed, when it closed by a failure. */
  get error(): SdkError | undefined {
    return this.failure;
  }

  /** Welcomed and connected now: messages can be sent. */
  get ready(): boolean {
    return this.currentState === "connected" && this.socket.connected;
  }

  /** Reconnections after the first connection. */
  get reconnects(): number {
    return Math.max(0, this.welcomes - 1);
  }

  close(): void {
    this.setState("closed", undefined);
    this.stop();
    this.rejectOpened(new SdkError(SdkErrorCode.Closed, "closed before the relay answered"));
  }

  private onWelcome(welcome: Welcome): void {
    if (this.currentState === "closed") return;
    if (typeof welcome !== "object" || welcome === null || typeof welcome.protocolVersion !== "number") {
      this.fail(new SdkError(SdkErrorCode.BadMessage, "the relay sent a malformed welcome"));
      return;
    }
    if (welcome.protocolVersion !== RELAY_PROTOCOL_VERSION) {
      this.fail(
        new SdkError(
          SdkErrorCode.VersionMismatch,
          `the relay speaks protocol ${welcome.protocolVersion}, this SDK ${RELAY_PROTOCOL_VERSION}`,
        ),
      );
      return;
    }
    clearTimeout(this.openTimer);
    this.welcomes++;
    this.setState("connected", undefined);
    this.resolveOpened(welcome);
    this.emit("welcome", welcome, this.welcomes > 1);
  }

  private onConnectError(error: Error & { data?: unknown }): void {
    if (this.currentState === "closed") return;
    const refusal = isRefusal(error.data) ? error.data : undefined;
    if (!refusal) {
      // Network-level failure: socket.io retries on its own.
      this.lastConnectError = error.message;
      if (this.welcomes > 0) this.setState("reconnecting", undefined);
      return;
    }
    this.lastConnectError = `${refusal.code}: ${refusal.message}`;
    if (isPermanent(refusal.code)) {
      this.fail(new SdkError(refusal.code, refusalSentence(refusal)));
      return;
    }
    // A refusal that may pass (going away, too many sessions, internal): socket.io does not retry
    // after a middleware refusal, so we do.
    if (this.welcomes > 0) this.setState("reconnecting", undefined);
    this.retryLater();
  }

  private onDisconnect(reason: string): void {
    if (this.currentState === "closed") return;
    this.setState("reconnecting", undefined);
    // The relay closed this socket on purpose: socket.io will not reconnect by itself.
    if (reason === "io server disconnect") this.retryLater();
  }

  private retryLater(): void {
    clearTimeout(this.retryTimer);
    this.retryTimer = setTimeout(() => {
      if (this.currentState !== "closed" && !this.socket.connected) this.socket.connect();
    }, this.retryDelayMs);
  }

  private fail(error: SdkError): void {
    if (this.currentState === "closed") return;
    this.failure = error;
    this.setState("closed", error);
    this.stop();
    this.rejectOpened(error);
  }

  private stop(): void {
    clearTimeout(this.openTimer);
    clearTimeout(this.retryTimer);
    this.socket.disconnect();
  }

  private setState(state: ConnectionState, error: SdkError | undefined): void {
    if (this.currentState === state) return;
    this.currentState = state;
    this.emit("state", state, error);
  }
}

/** Whether a peer's payload is a refusal (the schema's `RefusalSchema`: a named code and a sentence). */
export function isRefusal(x: unknown): x is Refusal {
  return RefusalSchema.safeParse(x).success;
}

function refusalSentence(refusal: Refusal): string {
  const prefix = `refused: ${errorCodeRule(refusal.code)?.text ?? refusal.code}`;
  return refusal.message ? `${prefix}: ${refusal.message}` : prefix;
}
