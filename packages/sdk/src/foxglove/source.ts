// A thin client of a Foxglove WebSocket server (foxglove_bridge, OAK RemoteConnection, Foxglove SDK
// apps): @foxglove/ws-protocol's FoxgloveClient over a `ws` socket that offers both subprotocols,
// reconnecting with backoff. It turns the protocol into a few events and leaves every decision to the
// caller; nothing a server sends can throw out of it.

import wsProtocol from "@foxglove/ws-protocol";
import WebSocket from "ws";
import { Emitter } from "../emitter.ts";
import { BridgeError, BridgeErrorCode } from "./errors.ts";

// The package is CommonJS: Node (tsx, the CLI) gives it to ESM as a default export only.
const { FoxgloveClient } = wsProtocol;
type FoxgloveClient = InstanceType<typeof FoxgloveClient>;

/**
 * Offered in this order: current foxglove_bridge (built on the Foxglove SDK) accepts only the first and
 * answers HTTP 400 otherwise; older servers and the npm `@foxglove/ws-protocol` server the second.
 */
export const SUBPROTOCOLS = ["foxglove.sdk.v1", "foxglove.websocket.v1"] as const;

/** Largest message taken from the source: a 4096 x 4096 float32 image and its framing, with room. */
const MAX_MESSAGE_BYTES = 96 * 1024 * 1024;

export type SourceState = "connecting" | "connected" | "reconnecting" | "closed";

export type SourceEvents = {
  state: [state: SourceState, detail: string | undefined];
  /** The server's hello: its name and the subprotocol it chose. */
  serverInfo: [info: { name: string; subprotocol: string }];
  advertise: [channels: unknown[]];
  unadvertise: [channelIds: number[]];
  /** Binary message data for one of our subscriptions, mapped back to its channel. */
  message: [channelId: number, logTimeNs: bigint, payload: Uint8Array];
  /** A status message from the server (warnings, errors), or something it sent we could not read. */
  status: [level: string, message: string];
};

export interface SourceOptions {
  /** Give up with `source-unreachable` if the first connection takes longer; default 10 s. */
  readonly connectTimeoutMs?: number;
  /** First reconnect delay (doubling up to `reconnectDelayMaxMs`); default 250 ms. */
  readonly reconnectDelayMs?: number;
  /** Longest reconnect delay; default 2 s, so a restarted rig is found within about 2 s. */
  readonly reconnectDelayMaxMs?: number;
}

/** Parse and check a source URL; throws `BridgeError` (bad-source-url). */
export function checkSourceUrl(url: string): URL {
  let parsed: URL;
  try {
    parsed = new URL(url);
  } catch {
    throw new BridgeError(BridgeErrorCode.BadSourceUrl, `"${url}" is not a URL (expected ws://host:8765)`);
  }
  if (parsed.protocol !== "ws:" && parsed.protocol !== "wss:") {
    throw new BridgeError(
      BridgeErrorCode.BadSourceUrl,
      `"${url}" is not a ws:// or wss:// URL (foxglove_bridge listens on ws://host:8765)`,
    );
  }
  return parsed;
}

export class FoxgloveSource extends Emitter<SourceEvents> {
  /** Resolves on the first serverInfo; rejects with `BridgeError` if the first connection fails. */
  readonly opened: Promise<void>;
  private currentState: SourceState = "connecting";
  private client: FoxgloveClient | undefined;
  private socket: WebSocket | undefined;
  /** Subscription id -> channel id, for the current connection. */
  private readonly subscriptions = new Map<number, number>();
  private readonly byChannel = new Map<number, number>();
  private everOpened = false;
  private delayMs: number;
  private retryTimer: ReturnType<typeof setTimeout> | undefined;
  private openTimer: ReturnType<typeof setTimeout> | undefined;
  private resolveOpened!: () => void;
  private rejectOpened!: (error: BridgeError) => void;
  private readonly firstDelayMs: number;
  private readonly maxDelayMs: number;
  private lastFailure = "";
  /** Reconnections after the first connection. */
  reconnects = 0;

  constructor(
    readonly url: string,
    options: SourceOptions = {},
  ) {
    super();
    checkSourceUrl(url);
    this.opened = new Promise((resolve, reject) => {
      this.resolveOpened = resolve;
      this.rejectOpened = reject;
    });
    this.opened.catch(() => {}); // the caller may only look at `state`
    this.firstDelayMs = options.reconnectDelayMs ?? 250;
    this.maxDelayMs = options.reconnectDelayMaxMs ?? 2000;
    this.delayMs = this.firstDelayMs;
    const timeout = options.connectTimeoutMs ?? 10_000;
    if (Number.isFinite(timeout)) {
      this.openTimer = setTimeout(() => {
        const last = this.lastFailure ? ` (last: ${this.lastFailure})` : "";
        this.fail(
          new BridgeError(
            BridgeErrorCode.SourceUnreachable,
            `no Foxglove WebSocket server answered at ${url} within ${timeout} ms${last}`,
          ),
        );
      }, timeout);
    }
    this.open();
  }

  get state(): SourceState {
    return this.currentState;
  }

  /** Subscribe to channels of the current connection (ids the server advertised). */
  subscribe(channelIds: readonly number[]): void {
    const client = this.client;
    if (!client || this.currentState !== "connected") return;
    for (const channelId of channelIds) {
      if (this.byChannel.has(channelId)) continue;
      const subscriptionId = client.subscribe(channelId);
      this.subscriptions.set(subscriptionId, channelId);
      this.byChannel.set(channelId, subscriptionId);
    }
  }

  /** Forget channels the server unadvertised (it already dropped their subscriptions). */
  forget(channelIds: readonly number[]): void {
    for (const channelId of channelIds) {
      const subscriptionId = this.byChannel.get(channelId);
      if (subscriptionId === undefined) continue;
      this.byChannel.delete(channelId);
      this.subscriptions.delete(subscriptionId);
    }
  }

  close(): void {
    if (this.currentState === "closed") return;
    this.setState("closed", undefined);
    clearTimeout(this.retryTimer);
    clearTimeout(this.openTimer);
    this.teardown();
    this.rejectOpened(
      new BridgeError(BridgeErrorCode.SourceUnreachable, "closed before the source answered"),
    );
  }

  private open(): void {
    const socket = new WebSocket(this.url, [...SUBPROTOCOLS], {
      maxPayload: MAX_MESSAGE_BYTES,
      handshakeTimeout: 5000,
      perMessageDeflate: false,
    });
    this.socket = socket;
    // FoxgloveClient sets onopen/onmessage/onerror/onclose; `ws` keeps listeners added with on() apart.
    socket.on("error", () => {}); // reported through the client's "error" / "close"
    const client = new FoxgloveClient({
      ws: socket as unknown as ConstructorParameters<typeof FoxgloveClient>[0]["ws"],
    });
    this.client = client;
    let lastError = "";
    client.on("error", (error) => {
      lastError = error instanceof Error ? error.message : String(error);
      if (this.currentState === "connected") this.emit("status", "error", `source: ${lastError}`);
    });
    client.on("serverInfo", (info) => {
      if (socket !== this.socket) return;
      this.subscriptions.clear();
      this.byChannel.clear();
      this.delayMs = this.firstDelayMs;
      const wasReconnect = this.everOpened;
      this.everOpened = true;
      clearTimeout(this.openTimer);
      this.setState("connected", undefined);
      if (wasReconnect) this.reconnects++;
      const name = typeof info?.name === "string" ? info.name.slice(0, 200) : "";
      this.emit("serverInfo", { name, subprotocol: socket.protocol });
      this.resolveOpened();
    });
    client.on("advertise", (channels) => {
      if (socket === this.socket && Array.isArray(channels)) this.emit("advertise", channels);
    });
    client.on("unadvertise", (ids) => {
      if (socket !== this.socket || !Array.isArray(ids)) return;
      const numbers = ids.filter((id): id is number => typeof id === "number");
      this.forget(numbers);
      this.emit("unadvertise", numbers);
    });
    client.on("status", (status) => {
      if (socket !== this.socket) return;
      const message = typeof status?.message === "string" ? status.message.slice(0, 500) : "";
      this.emit("status", String(status?.level ?? ""), message);
    });
    client.on("message", ({ subscriptionId, timestamp, data }) => {
      if (socket !== this.socket) return;
      const channelId = this.subscriptions.get(subscriptionId);
      if (channelId === undefined) return;
      this.emit(
        "message",
        channelId,
        timestamp,
        new Uint8Array(data.buffer, data.byteOffset, data.byteLength),
      );
    });
    client.on("close", (event) => {
      if (socket !== this.socket) return;
      this.socket = undefined;
      this.client = undefined;
      if (this.currentState === "closed") return;
      const why = lastError || `closed (${event?.code ?? "?"}${event?.reason ? `: ${event.reason}` : ""})`;
      if (
        !this.everOpened &&
        /Unexpected server response: 4\d\d|no subprotocol|Server sent an invalid subprotocol/i.test(why)
      ) {
        this.fail(
          new BridgeError(
            BridgeErrorCode.SourceRefused,
            `${this.url} refused the Foxglove WebSocket subprotocols (${SUBPROTOCOLS.join(", ")}): ${why}`,
          ),
        );
        return;
      }
      this.scheduleReconnect(why);
    });
  }

  private scheduleReconnect(why: string): void {
    this.lastFailure = why;
    this.setState(this.everOpened ? "reconnecting" : "connecting", why);
    clearTimeout(this.retryTimer);
    this.retryTimer = setTimeout(() => {
      if (this.currentState !== "closed") this.open();
    }, this.delayMs);
    this.delayMs = Math.min(this.maxDelayMs, this.delayMs * 2);
  }

  private fail(error: BridgeError): void {
    if (this.currentState === "closed" || this.everOpened) return;
    this.setState("closed", error.message);
    clearTimeout(this.retryTimer);
    clearTimeout(this.openTimer);
    this.teardown();
    this.rejectOpened(error);
  }

  private teardown(): void {
    const socket = this.socket;
    this.socket = undefined;
    this.client = undefined;
    if (socket) {
      try {
        socket.terminate();
      } catch {
        // already closed
      }
    }
  }

  private setState(state: SourceState, detail: string | undefined): void {
    if (this.currentState === state && detail === undefined) return;
    this.currentState = state;
    this.emit("state", state, detail);
  }
}
