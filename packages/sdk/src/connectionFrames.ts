import type { TypedSocket } from "./connection.ts";

/*
 * The subscriber's hot path, below socket.io-client's public API (the twin of the relay's
 * directFrames.ts). A frame arrives as two engine.io messages: the text header
 * `51-<ack id>["frame",{"_placeholder":true,"num":0}]`, then the bytes. socket.io-client would parse
 * the header (a string scan and JSON.parse), reassemble the packet, build the ack callback and, for the
 * ack, encode `3<id>[]` and queue it through engine.io's write buffer and flush. Here the header is
 * recognised by its exact form, the bytes after it go to `onFrame` (deferred as socket.io-client defers
 * every packet, so events keep their order), and the ack is written straight to the WebSocket when
 * engine.io has nothing queued (else through `engine.write`, in order). The bytes on the wire are the
 * same. Anything else, and a header not followed by bytes, goes to socket.io-client's decoder unchanged,
 * in order. If socket.io-client's internals are not what we expect, nothing is changed (false) and
 * frames go through `socket.on("frame")`.
 */

interface DecoderInternals {
  add(data: unknown): void;
  destroy(): void;
  reconstructor?: unknown;
}

interface EngineInternals {
  readyState: string;
  writeBuffer: unknown[];
  write(message: string): void;
  transport?: { name: string; writable: boolean; ws?: { readyState: number; send(data: string): void } };
}

interface ManagerInternals {
  decoder?: DecoderInternals;
  engine?: EngineInternals;
}

const HEADER_PREFIX = "51-";
const HEADER_SUFFIX = '["frame",{"_placeholder":true,"num":0}]';
const ACK_ID = /^\d{1,15}$/;
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
 * Hand every frame of `socket` (and its ack) to `onFrame` without socket.io-client's decoder and
 * encoder. Returns false, changing nothing, when socket.io-client's internals are not what we expect.
 */
export function installFrameFastPath(
  socket: TypedSocket,
  onFrame: (bytes: Uint8Array, ack: () => void) => void,
): boolean {
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
  /** The header of the frame whose bytes come next, and the connection it came on. */
  let held: { header: string; engine: EngineInternals | undefined } | null = null;

  decoder.add = (data: unknown) => {
    if (held !== null) {
      const { header, engine } = held;
      held = null;
      const bytes = toBytes(data);
      if (bytes !== undefined) {
        const ack = directAck(manager, engine, header.slice(HEADER_PREFIX.length, -HEADER_SUFFIX.length));
        // Deferred behind the packets decoded before it (the CONNECT that makes the socket connected);
        // a frame of a connection that has gone since is dropped, as socket.io-client drops its packets.
        defer(() => {
          if (socket.connected && manager.engine === engine) onFrame(bytes, ack);
        });
        return;
      }
      add(header);
    } else if (
      typeof data === "string" &&
      data.length < 64 &&
      data.startsWith(HEADER_PREFIX) &&
      data.endsWith(HEADER_SUFFIX) &&
      ACK_ID.test(data.slice(HEADER_PREFIX.length, -HEADER_SUFFIX.length)) &&
      !decoder.reconstructor
    ) {
      held = { header: data, engine: manager.engine };
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

/** The ack of frame `id`: `3<id>[]` on the connection the frame came on (dropped if that one is gone). */
function directAck(manager: ManagerInternals, engine: EngineInternals | undefined, id: string): () => void {
  let sent = false;
  return () => {
    if (sent) return;
    sent = true;
    if (engine === undefined || manager.engine !== engine || engine.readyState !== "open") return;
    const transport = engine.transport;
    const ws = transport?.ws;
    if (
      transport?.name === "websocket" &&
      transport.writable &&
      engine.writeBuffer.length === 0 &&
      ws !== undefined &&
      ws.readyState === WS_OPEN
    ) {
      ws.send(`43${id}[]`);
    } else {
      engine.write(`3${id}[]`);
    }
  };
}

/** socket.io-client hands Node a Buffer and browsers an ArrayBuffer. */
export function toBytes(payload: unknown): Uint8Array | undefined {
  if (payload instanceof Uint8Array) return payload;
  if (payload instanceof ArrayBuffer) return new Uint8Array(payload);
  if (ArrayBuffer.isView(payload))
    return new Uint8Array(payload.buffer, payload.byteOffset, payload.byteLength);
  return undefined;
}
