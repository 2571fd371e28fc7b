import type { TypedSocket } from "./connection.ts";

/*
 * The subscriber's hot path, below socket.io-client's public API (the twin of the relay's
 * directFrames.ts). A frame arrives as two engine.io messages: the text header
 * `51-["frame",{"_placeholder":true,"num":0}]`, then the bytes. socket.io-client would parse the header
 * (a string scan and JSON.parse) and reassemble the packet. Here the header is recognised by its exact
 * form and the bytes after it go to `onFrame` (deferred as socket.io-client defers every packet, so
 * events keep their order). The viewer's `credit` (one per batch of frames) is written straight to the
 * WebSocket when engine.io has nothing queued (`creditSender`), else through socket.io-client. The bytes
 * on the wire are the same. Anything else, and a header not followed by bytes, goes to socket.io-client's
 * decoder unchanged, in order. If socket.io-client's internals are not what we expect, nothing is changed
 * (false) and frames go through `socket.on("frame")`.
 */

interface DecoderInternals {
  add(data: unknown): void;
  destroy(): void;
  reconstructor?: unknown;
}

interface EngineInternals {
  readyState: string;
  writeBuffer: unknown[];
  transport?: { name: string; writable: boolean; ws?: { readyState: number; send(data: string): void } };
}

interface ManagerInternals {
  decoder?: DecoderInternals;
  engine?: EngineInternals;
}

const FRAME_HEADER = '51-["frame",{"_placeholder":true,"num":0}]';
const WS_OPEN = 1;
/**
 * socket.io-client's own deferral (engine.io-client's `nextTick`): process.nextTick in Node, a microtask
 * in browsers (whose bundlers may provide a `process` whose nextTick is a timer: not that one).
 */
const defer: (task: () => void) => void =
  typeof process !== "undefined" && typeof process.versions?.node === "string"
    ? (task) => process.nextTick(task)
    : queueMicrotask;

/**
 * Run `task` once the input already received has been handled: setImmediate in Node (after the poll
 * phase, which reads what the sockets hold), a MessageChannel message in browsers and workers (a task,
 * behind the WebSocket messages already queued). The subscriber hands frames to its callback from here,
 * so frames that came while the callback ran are all seen first and only the newest of each entity is
 * decoded.
 */
export const afterPendingInput: (task: () => void) => void = (() => {
  if (typeof setImmediate === "function") return (task: () => void) => void setImmediate(task);
  if (typeof MessageChannel === "function") {
    const tasks: (() => void)[] = [];
    const channel = new MessageChannel();
    channel.port1.onmessage = () => tasks.shift()?.();
    return (task: () => void) => {
      tasks.push(task);
      channel.port2.postMessage(null);
    };
  }
  return (task: () => void) => void setTimeout(task, 0);
})();

/**
 * Hand every frame of `socket` to `onFrame` without socket.io-client's decoder. Returns false, changing
 * nothing, when socket.io-client's internals are not what we expect.
 */
export function installFrameFastPath(socket: TypedSocket, onFrame: (bytes: Uint8Array) => void): boolean {
  const manager = socket.io as unknown as ManagerInternals;
  const decoder = manager.decoder;
  if (
    decoder === undefined ||
    typeof decoder.add !== "function" ||
    typeof decoder.destroy !== "function" ||
    (socket as unknown as { nsp?: unknown }).nsp !== "/"
  ) {
    return false;
  }
  const add = decoder.add.bind(decoder);
  const destroy = decoder.destroy.bind(decoder);
  /** A frame's header came: its bytes come next, on this connection. */
  let held: { engine: EngineInternals | undefined } | null = null;

  decoder.add = (data: unknown) => {
    if (held !== null) {
      const { engine } = held;
      held = null;
      const bytes = toBytes(data);
      if (bytes !== undefined) {
        // Deferred behind the packets decoded before it (the CONNECT that makes the socket connected);
        // a frame of a connection that has gone since is dropped, as socket.io-client drops its packets.
        defer(() => {
          if (socket.connected && manager.engine === engine) onFrame(bytes);
        });
        return;
      }
      add(FRAME_HEADER);
    } else if (data === FRAME_HEADER && !decoder.reconstructor) {
      held = { engine: manager.engine };
      return;
    }
    add(data);
  };
  decoder.destroy = () => {
    held = null;
    destroy();
  };
  return true;
}

/**
 * Give the relay back credit for `frames` frames: `42["credit",<frames>]` straight to the WebSocket when
 * engine.io has nothing queued (what `socket.emit("credit", frames)` would send, without its encoder and
 * write buffer), else through socket.io-client; not at all while disconnected (the relay grants fresh
 * credit at each subscribe).
 */
export function sendCredit(socket: TypedSocket, frames: number): void {
  const engine = (socket.io as unknown as ManagerInternals).engine;
  const transport = engine?.transport;
  const ws = transport?.ws;
  if (
    socket.connected &&
    engine?.readyState === "open" &&
    transport?.name === "websocket" &&
    transport.writable &&
    engine.writeBuffer.length === 0 &&
    ws !== undefined &&
    ws.readyState === WS_OPEN &&
    (socket as unknown as { nsp?: unknown }).nsp === "/"
  ) {
    ws.send(`42["credit",${frames}]`);
    return;
  }
  if (socket.connected) socket.emit("credit", frames);
}

/** What `sendCoalesced` needs of Node's socket under the WebSocket (`ws`'s `_socket`). */
interface CorkableSocket {
  cork(): void;
  uncork(): void;
}

/**
 * Run `send` (emits on `socket`) with the connection's writes to its TCP socket held until the next
 * tick, so they leave in one write. socket.io-client sends a publish as two WebSocket messages, the
 * header at once and the bytes on the next tick (engine.io waits for its transport's `drain`, a
 * `process.nextTick`): two writes to the socket, each a system call that on loopback also runs the
 * relay's side of TCP, and two wake-ups of the relay. Held, they leave together: the uncork is queued
 * after `send`, so after engine.io's drain, which writes the bytes. The bytes on the wire are the same.
 * Node only (a browser has no such socket): where the internals are not there, `send` just runs.
 */
export function sendCoalesced(socket: TypedSocket, send: () => void): void {
  const ws = (socket.io as unknown as ManagerInternals).engine?.transport?.ws as
    | { _socket?: Partial<CorkableSocket> | null }
    | undefined;
  const tcp = ws?._socket;
  if (typeof tcp?.cork !== "function" || typeof tcp.uncork !== "function") {
    send();
    return;
  }
  const held = tcp as CorkableSocket;
  held.cork();
  try {
    send();
  } finally {
    defer(() => held.uncork());
  }
}

/** socket.io-client hands Node a Buffer and browsers an ArrayBuffer. */
export function toBytes(payload: unknown): Uint8Array | undefined {
  if (payload instanceof Uint8Array) return payload;
  if (payload instanceof ArrayBuffer) return new Uint8Array(payload);
  if (ArrayBuffer.isView(payload))
    return new Uint8Array(payload.buffer, payload.byteOffset, payload.byteLength);
  return undefined;
}
