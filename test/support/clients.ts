import {
  type ClientToServerEvents,
  type PublishResult,
  RELAY_PROTOCOL_VERSION,
  type Refusal,
  readEnvelope,
  type ServerToClientEvents,
  type SubscribeRequest,
  type SubscribeResult,
  type Welcome,
} from "@depthroom/schema";
import * as decoding from "lib0/decoding";
import { io, type Socket } from "socket.io-client";
import WebSocket from "ws";
import { WebsocketProvider } from "y-websocket";
import * as Y from "yjs";
import type { Cleanup } from "./cleanups.ts";
import { type SampleStream, stampFrame } from "./frames.ts";

/* Real clients for tests: socket.io-client for frames, y-websocket's WebsocketProvider for docs. */

export type FrameSocket = Socket<ServerToClientEvents, ClientToServerEvents>;

export interface FrameClientOptions {
  readonly name?: string;
  /** Default false: tests want failures, not retries. */
  readonly reconnection?: boolean;
  /** Protocol version to announce (default RELAY_PROTOCOL_VERSION). */
  readonly version?: string;
}

export function frameSocket(
  url: string,
  session: string,
  token: string | undefined,
  options: FrameClientOptions = {},
): FrameSocket {
  const query: Record<string, string> = { session, v: options.version ?? String(RELAY_PROTOCOL_VERSION) };
  if (token !== undefined) query.token = token;
  if (options.name) query.name = options.name;
  return io(url, {
    path: "/socket.io/",
    transports: ["websocket"],
    query,
    forceNew: true,
    reconnection: options.reconnection ?? false,
    reconnectionDelay: 100,
    reconnectionDelayMax: 500,
  });
}

/** Connect and wait for `welcome`; rejects with the refusal when the handshake is refused. */
export function connectFrames(
  url: string,
  session: string,
  token: string | undefined,
  options: FrameClientOptions = {},
): Promise<{ socket: FrameSocket; welcome: Welcome }> {
  const socket = frameSocket(url, session, token, options);
  return new Promise((resolve, reject) => {
    const onError = (error: Error) => {
      socket.off("welcome", onWelcome);
      socket.close();
      const data = (error as Error & { data?: Refusal }).data;
      reject(
        Object.assign(new Error(data ? `${data.code}: ${data.message}` : error.message), { refusal: data }),
      );
    };
    const onWelcome = (welcome: Welcome) => {
      // Later connect errors belong to reconnection attempts, not to this call.
      socket.off("connect_error", onError);
      resolve({ socket, welcome });
    };
    socket.once("welcome", onWelcome);
    socket.once("connect_error", onError);
  });
}

/** The refusal of a handshake that must fail (throws if it is accepted). */
export async function handshakeRefusal(
  url: string,
  session: string,
  token: string | undefined,
  options: FrameClientOptions = {},
): Promise<Refusal> {
  try {
    const { socket } = await connectFrames(url, session, token, options);
    socket.close();
  } catch (error) {
    const refusal = (error as { refusal?: Refusal }).refusal;
    if (refusal) return refusal;
    throw error;
  }
  throw new Error("the handshake was accepted");
}

export function publish(socket: FrameSocket, bytes: Uint8Array): Promise<PublishResult> {
  return new Promise((resolve) => socket.emit("publish", bytes, resolve));
}

export function subscribe(socket: FrameSocket, request: SubscribeRequest = {}): Promise<SubscribeResult> {
  return new Promise((resolve) => socket.emit("subscribe", request, resolve));
}

export interface ReceivedFrame {
  readonly bytes: Uint8Array;
  readonly at: number;
}

/** Collect every frame a socket receives, giving each one's credit back after `holdMs` (default at once). */
export function collectFrames(socket: FrameSocket, holdMs = 0): ReceivedFrame[] {
  const frames: ReceivedFrame[] = [];
  const credit = () => socket.emit("credit", 1);
  socket.on("frame", (payload) => {
    frames.push({ bytes: new Uint8Array(payload), at: performance.now() });
    if (holdMs > 0) setTimeout(credit, holdMs);
    else credit();
  });
  return frames;
}

export async function waitFor(check: () => boolean, timeoutMs = 5000, what = "condition"): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!check()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 10));
  }
}

export interface DocClient {
  readonly doc: Y.Doc;
  readonly provider: WebsocketProvider;
  /** Close events seen by the provider (code and reason). */
  readonly closes: { code: number; reason: string }[];
  /** "permission denied" reasons the relay sent (y-protocols auth messages). */
  readonly denials: string[];
  synced(timeoutMs?: number): Promise<void>;
  destroy(): void;
}

/**
 * A y-websocket provider on `/yjs/<session>` with the token as the `token` query parameter (over
 * `webSocket`, a subclass of ws's WebSocket that watches the connections, when given).
 */
export function openDoc(
  url: string,
  session: string,
  token: string | undefined,
  options: {
    connect?: boolean;
    webSocket?: new (address: string, protocols?: string | string[]) => WebSocket;
  } = {},
): DocClient {
  const doc = new Y.Doc();
  const params: Record<string, string> = token === undefined ? {} : { token };
  const provider = new WebsocketProvider(`${url.replace(/^http/, "ws")}/yjs`, session, doc, {
    params,
    WebSocketPolyfill: (options.webSocket ?? WebSocket) as unknown as typeof globalThis.WebSocket,
    connect: options.connect ?? true,
    maxBackoffTime: 500,
    disableBc: true,
  });
  const closes: { code: number; reason: string }[] = [];
  const denials: string[] = [];
  provider.on("connection-close", (event) => {
    if (event) closes.push({ code: event.code, reason: event.reason });
  });
  // y-protocols auth message (type 2): varUint 0 = permission denied, then the reason. Recorded here
  // instead of y-websocket's console warning.
  provider.messageHandlers[2] = (_encoder, decoder) => {
    if (decoding.readVarUint(decoder) === 0) denials.push(decoding.readVarString(decoder));
  };
  return {
    doc,
    provider,
    closes,
    denials,
    synced(timeoutMs = 5000) {
      if (provider.synced) return Promise.resolve();
      return new Promise((resolve, reject) => {
        const timer = setTimeout(() => reject(new Error("doc did not sync")), timeoutMs);
        const onSync = (isSynced: boolean) => {
          if (!isSynced) return;
          clearTimeout(timer);
          provider.off("sync", onSync);
          resolve();
        };
        provider.on("sync", onSync);
      });
    },
    destroy() {
      provider.destroy();
      doc.destroy();
    },
  };
}

/**
 * Two clients of a session's doc, both synced and destroyed by `cleanups`: `writer` (edit token) makes
 * changes; `witness` (view token) sees each one once the relay has applied it.
 */
export async function writerAndWitness(
  cleanups: Cleanup[],
  url: string,
  session: {
    readonly id: string;
    readonly tokens: { readonly edit: string | undefined; readonly view: string | undefined };
  },
): Promise<{ writer: DocClient; witness: DocClient }> {
  const writer = openDoc(url, session.id, session.tokens.edit);
  const witness = openDoc(url, session.id, session.tokens.view);
  cleanups.push(() => {
    writer.destroy();
    witness.destroy();
  });
  await Promise.all([writer.synced(), witness.synced()]);
  return { writer, witness };
}

/**
 * Publish stamped frames of `sample` on `socket` at `hz` until `stop()`: `acked` maps each frame's
 * sequence to its capture time (ns) once the relay acknowledged it.
 */
export function publishStampedFrames(
  socket: FrameSocket,
  sample: SampleStream,
  hz: number,
): { readonly acked: Map<number, bigint>; stop(): void } {
  const acked = new Map<number, bigint>();
  let sequence = 0;
  const timer = setInterval(() => {
    const bytes = stampFrame(sample, sequence, Date.now());
    const n = sequence++;
    socket.emit("publish", bytes, (result: PublishResult) => {
      if (result.ok) acked.set(n, readEnvelope(bytes).timelines[1]?.value as bigint);
    });
  }, 1000 / hz);
  return { acked, stop: () => clearInterval(timer) };
}
