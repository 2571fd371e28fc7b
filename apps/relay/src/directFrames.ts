import type { Socket } from "socket.io";

/*
 * The hot path of frame delivery, below socket.io's public API.
 *
 * `socket.emit("frame", bytes)` sends a socket.io binary event as two engine.io packets (a text header,
 * then the attachment). engine.io writes them in separate ticks, each with its own syscall and TCP
 * segment, so every frame wakes the viewer twice, and socket.io's encoder walks the arguments on every
 * call. Here we write the same two WebSocket messages ourselves, corked into one `writev`. The bytes on
 * the wire are exactly what socket.emit would send: `4` (engine.io message) +
 * `51-["frame",{"_placeholder":true,"num":0}]`, then the binary attachment.
 *
 * A server's WebSocket frames are not masked, so a frame's framing is the same bytes for every viewer:
 * the text message is a constant and the binary message's header depends on the frame's length only.
 * Both are built once per frame length (`framingFor`, shared by all viewers of a publish) and written
 * with the frame's bytes straight to the TCP socket: two `write`s in one cork, one `writev`, no
 * allocation per viewer. When ws's sender is not idle (it never queues without compression, which is
 * off) the frame goes through `ws.send` instead.
 *
 * Used only when engine.io is idle on that connection (websocket transport, writable, nothing queued),
 * so our pair never lands between the halves of a pair engine.io is sending; otherwise the caller
 * falls back to socket.emit. If socket.io's internals change shape, `directFrameWriter` returns
 * undefined and everything goes through socket.emit.
 *
 * The same for the other messages of the frame path: a viewer's credit (`installCreditFastPath`), a
 * producer's publish coming in (`installPublishFastPath`) and its answer going out (`installDirectAcks`).
 */

interface RawSocketInternals {
  cork(): void;
  uncork(): void;
  write(chunk: Uint8Array): boolean;
  readonly writableLength: number;
  on(event: "drain", listener: () => void): void;
  off(event: "drain", listener: () => void): void;
}

/** ws's Sender: it queues only while compressing or reading a Blob (`_state` not 0). */
interface SenderInternals {
  _state?: unknown;
  _queue?: unknown[];
}

interface WsInternals {
  readyState: number;
  send(data: string | Uint8Array): void;
  _socket?: RawSocketInternals;
  _sender?: SenderInternals;
}

interface EngineInternals {
  readyState: string;
  writeBuffer: { data?: unknown }[];
  transport: { name: string; writable: boolean; socket?: WsInternals };
}

const WS_OPEN = 1;
const OPCODE_TEXT = 1;
const OPCODE_BINARY = 2;
/** What `socket.emit("frame", bytes)` sends before the bytes (an engine.io message, a binary event). */
const FRAME_HEADER = '451-["frame",{"_placeholder":true,"num":0}]';

/** The header of an unmasked, final WebSocket frame (RFC 6455 5.2) of `length` payload bytes. */
export function webSocketFrameHeader(opcode: number, length: number): Buffer {
  if (length < 126) return Buffer.from([0x80 | opcode, length]);
  if (length < 0x10000) {
    const header = Buffer.allocUnsafe(4);
    header[0] = 0x80 | opcode;
    header[1] = 126;
    header.writeUInt16BE(length, 2);
    return header;
  }
  const header = Buffer.allocUnsafe(10);
  header[0] = 0x80 | opcode;
  header[1] = 127;
  header.writeUInt32BE(Math.floor(length / 2 ** 32), 2);
  header.writeUInt32BE(length >>> 0, 6);
  return header;
}

/** A whole unmasked WebSocket text frame holding `text`, in one buffer (small: from Node's pool). */
export function webSocketTextFrame(text: string): Buffer {
  const length = Buffer.byteLength(text);
  const header = webSocketFrameHeader(OPCODE_TEXT, length);
  const frame = Buffer.allocUnsafe(header.length + length);
  header.copy(frame, 0);
  frame.write(text, header.length, "utf8");
  return frame;
}

/** The socket.io header message of a frame, as a WebSocket text frame: the same for every frame. */
const FRAME_HEADER_MESSAGE = webSocketTextFrame(FRAME_HEADER);
let framingLength = -1;
let framing: Buffer = FRAME_HEADER_MESSAGE;

/**
 * What goes on the wire before a frame of `length` bytes: the header message and the binary message's
 * WebSocket header. Kept for the last length asked (every viewer of a publish asks for the same); never
 * changed once built, since sockets may still hold it in their write queues.
 */
export function framingFor(length: number): Buffer {
  if (length !== framingLength) {
    framing = Buffer.concat([FRAME_HEADER_MESSAGE, webSocketFrameHeader(OPCODE_BINARY, length)]);
    framingLength = length;
  }
  return framing;
}

/** The TCP socket under `ws` when it may be written directly: the WebSocket is open and ws queues nothing. */
function idleSocket(ws: WsInternals): RawSocketInternals | undefined {
  const sender = ws._sender;
  if (sender === undefined || sender._state !== 0 || (sender._queue?.length ?? 0) > 0) return undefined;
  return ws._socket;
}

/** Whether engine.io is idle on the connection: open, its WebSocket open and writable, nothing queued. */
function engineIdle(conn: EngineInternals): WsInternals | undefined {
  const transport = conn.transport;
  const ws = transport.socket;
  if (
    conn.readyState !== "open" ||
    !transport.writable ||
    conn.writeBuffer.length > 0 ||
    ws === undefined ||
    ws.readyState !== WS_OPEN
  ) {
    return undefined;
  }
  return ws;
}

/** A writer for one socket, or undefined when socket.io's internals are not what we expect. */
export function directFrameWriter(socket: Socket): ((bytes: Uint8Array) => boolean) | undefined {
  const conn = socket.conn as unknown as EngineInternals;
  if (conn.transport?.name !== "websocket" || socket.nsp.name !== "/" || !Array.isArray(conn.writeBuffer)) {
    return undefined;
  }
  return (bytes) => {
    const ws = engineIdle(conn);
    if (ws === undefined) return false;
    const raw = idleSocket(ws);
    if (raw !== undefined) {
      raw.cork();
      raw.write(framingFor(bytes.byteLength));
      raw.write(bytes);
      raw.uncork();
      return true;
    }
    const tcp = ws._socket;
    tcp?.cork();
    ws.send(FRAME_HEADER);
    ws.send(bytes);
    tcp?.uncork();
    return true;
  };
}

/** ws's `message` listener: the data (a Buffer) and whether it came as a binary message. */
type MessageListener = (data: unknown, isBinary: boolean) => void;

interface MessageEmitterInternals {
  listeners(event: "message"): unknown[];
  on(event: "message", listener: MessageListener): void;
  off(event: "message", listener: MessageListener): void;
}

interface ClientInternals {
  decoder?: { reconstructor?: unknown };
}

/**
 * Put `make(original)` in front of engine.io's listener of the connection's WebSocket messages (ws
 * `message`). What the new listener takes skips engine.io's packet decoding, its four events and
 * socket.io's decoder; everything else goes to `original` unchanged, in its order. `open()` says
 * whether engine.io and socket.io still take messages on the connection (else they are left to
 * `original`, which drops them as engine.io does). Returns false (and changes nothing) when the
 * internals are not what we expect: a websocket transport whose WebSocket has engine.io's one listener.
 */
function interceptMessages(
  socket: Socket,
  make: (original: MessageListener, client: ClientInternals, open: () => boolean) => MessageListener,
): boolean {
  const conn = socket.conn as unknown as EngineInternals;
  const ws = conn.transport?.socket as unknown as Partial<MessageEmitterInternals> | undefined;
  if (
    conn.transport?.name !== "websocket" ||
    socket.nsp.name !== "/" ||
    typeof ws?.listeners !== "function" ||
    typeof ws.on !== "function" ||
    typeof ws.off !== "function"
  ) {
    return false;
  }
  const listeners = ws.listeners("message");
  const original = listeners[0];
  if (listeners.length !== 1 || typeof original !== "function") return false;
  const client = socket.client as unknown as ClientInternals;
  const open = () => conn.readyState === "open" && socket.connected;
  ws.off("message", original as MessageListener);
  ws.on("message", make(original as MessageListener, client, open));
  return true;
}

/** Whether `data` is a Buffer of `min`..`max` bytes starting with `prefix`. */
function startsWith(data: unknown, prefix: Buffer, max: number): data is Buffer {
  if (!Buffer.isBuffer(data) || data.length < prefix.length || data.length > max) return false;
  for (let i = 0; i < prefix.length; i++) if (data[i] !== prefix[i]) return false;
  return true;
}

/** Whether bytes [from, to) are 1 to `most` ASCII digits. */
function decimalDigits(data: Buffer, from: number, to: number, most: number): boolean {
  if (to <= from || to - from > most) return false;
  for (let i = from; i < to; i++) if ((data[i] as number) < 48 || (data[i] as number) > 57) return false;
  return true;
}

/** What socket.io-client's `emit("credit", n)` sends: `42["credit",<n>]` (engine.io message, socket.io event). */
const CREDIT_PREFIX = Buffer.from('42["credit",');

/**
 * The other half of the hot path: a viewer's `credit` event (`42["credit",<n>]`, a socket.io EVENT on
 * the default namespace, one per batch of frames) is handed to `onCredit` straight from the WebSocket,
 * without engine.io's and socket.io's decoders (string conversion, packet objects, JSON.parse, events).
 * Only a payload of 1 to 10 decimal digits is taken here (the caller checks its range); anything else
 * (`0x10`, `1e1`, an empty payload: what JSON.parse, and so socket.io's own decoder, would refuse or read
 * otherwise), and any message while socket.io's decoder is assembling a binary packet, goes the usual way.
 * Returns false (and changes nothing) when socket.io's internals are not what we expect.
 */
export function installCreditFastPath(socket: Socket, onCredit: (payload: unknown) => void): boolean {
  return interceptMessages(socket, (original, client, open) => (data, isBinary) => {
    if (
      !isBinary &&
      startsWith(data, CREDIT_PREFIX, 32) &&
      data[data.length - 1] === 93 /* "]" */ &&
      decimalDigits(data, CREDIT_PREFIX.length, data.length - 1, 10) &&
      !client.decoder?.reconstructor &&
      open()
    ) {
      onCredit(Number(data.toString("latin1", CREDIT_PREFIX.length, data.length - 1)));
      return;
    }
    original(data, isBinary);
  });
}

/** What `socket.emit("publish", bytes, ack)` sends first: `451-<ack id>` + this (the bytes follow alone). */
const PUBLISH_PREFIX = Buffer.from("451-");
const PUBLISH_HEADER_SUFFIX = '["publish",{"_placeholder":true,"num":0}]';
const ACK_ID = /^\d{1,15}$/;

/**
 * A producer's publish, the inbound twin of `directFrameWriter`: the header message
 * (`451-<id>["publish",{"_placeholder":true,"num":0}]`) and the binary message after it are handed to
 * `onPublish` with the event's ack callback (`socket.ack`, so `installDirectAcks` answers it) straight
 * from the WebSocket, without engine.io's and socket.io's decoders (packets, parsing, reassembly) or
 * socket.io's dispatch (middlewares, a nextTick per event). Any other message, a header while socket.io's
 * decoder is assembling another packet, and a header not followed by a binary message go the usual
 * way, in their order. Returns false (and changes nothing) when socket.io's internals are not what we
 * expect.
 */
export function installPublishFastPath(
  socket: Socket,
  onPublish: (bytes: Uint8Array, reply: (result: unknown) => void) => void,
): boolean {
  const internals = socket as unknown as { ack?: (id: number) => (...args: unknown[]) => void };
  if (typeof internals.ack !== "function") return false;
  let header: Buffer | null = null;
  let ackId = 0;
  return interceptMessages(socket, (original, client, open) => (data, isBinary) => {
    if (header !== null) {
      const held = header;
      header = null;
      if (isBinary && data instanceof Uint8Array && open()) {
        const ack = internals.ack as (id: number) => (result: unknown) => void;
        onPublish(data, ack.call(socket, ackId));
        return;
      }
      original(held, false);
    } else if (
      !isBinary &&
      startsWith(data, PUBLISH_PREFIX, 64) &&
      !client.decoder?.reconstructor &&
      open()
    ) {
      const text = data.toString("latin1");
      const id = text.slice(PUBLISH_PREFIX.length, -PUBLISH_HEADER_SUFFIX.length);
      if (text.endsWith(PUBLISH_HEADER_SUFFIX) && ACK_ID.test(id)) {
        header = data;
        ackId = Number(id);
        return;
      }
    }
    original(data, isBinary);
  });
}

/**
 * The third part: the answer to an event's ack (the producer's publish result, one per frame). socket.io
 * sends it through `socket.packet`: its encoder, engine.io's write buffer and flush, a write of its own.
 * Here `socket.ack(id)` (what socket.io calls to make an event's ack callback) returns a callback that
 * writes the same bytes, `43<id>` + the JSON array of its arguments (an engine.io message holding a
 * socket.io ACK on the default namespace), straight to the WebSocket when engine.io is idle on the
 * connection; otherwise, or for binary answers, socket.io's own callback sends it. Returns false (and
 * changes nothing) when socket.io's internals are not what we expect.
 */
export function installDirectAcks(socket: Socket): boolean {
  const conn = socket.conn as unknown as EngineInternals;
  const internals = socket as unknown as { ack?: (id: number) => (...args: unknown[]) => void };
  const original = internals.ack;
  if (
    typeof original !== "function" ||
    socket.nsp.name !== "/" ||
    conn.transport?.name !== "websocket" ||
    !Array.isArray(conn.writeBuffer)
  ) {
    return false;
  }
  internals.ack = (id: number) => {
    let sent = false;
    return (...args: unknown[]) => {
      if (sent) return;
      sent = true;
      const ws = engineIdle(conn);
      if (ws !== undefined && !args.some(hasBinaryArgument)) {
        const text = `43${id}${JSON.stringify(args)}`;
        const raw = idleSocket(ws);
        if (raw !== undefined) raw.write(webSocketTextFrame(text));
        else ws.send(text);
        return;
      }
      original.call(socket, id)(...args);
    };
  };
  return true;
}

const hasBinaryArgument = (value: unknown) => hasBinary(value);

/** Whether socket.io would send `value` as a binary packet (deeper than any answer of ours: assume so). */
function hasBinary(value: unknown, depth = 0): boolean {
  if (value === null || typeof value !== "object") return false;
  if (ArrayBuffer.isView(value) || value instanceof ArrayBuffer || depth > 3) return true;
  // for...in, not Object.values: no array per answer (one per published frame).
  for (const key in value) {
    if (Object.hasOwn(value, key) && hasBinary((value as Record<string, unknown>)[key], depth + 1))
      return true;
  }
  return false;
}

/** What a viewer's connection holds that the network has not taken yet (latestWins.ts flow control). */
export interface ConnectionBuffer {
  /** engine.io's queued packets plus the TCP socket's write buffer, in bytes. */
  bufferedBytes(): number;
  /** Call `listener` each time the TCP socket's write buffer empties; null stops it. */
  watchDrain(listener: (() => void) | null): void;
}

/**
 * The buffered bytes of a socket.io connection (websocket transport), or undefined when engine.io's
 * or ws's internals are not what we expect (then flow control rests on credits alone).
 */
export function connectionBuffer(socket: Socket): ConnectionBuffer | undefined {
  const conn = socket.conn as unknown as EngineInternals;
  const raw = conn.transport?.socket?._socket;
  if (
    conn.transport?.name !== "websocket" ||
    !Array.isArray(conn.writeBuffer) ||
    raw === undefined ||
    typeof raw.writableLength !== "number" ||
    typeof raw.on !== "function"
  ) {
    return undefined;
  }
  let current: (() => void) | null = null;
  return {
    bufferedBytes() {
      let bytes = raw.writableLength;
      for (const packet of conn.writeBuffer) {
        const data = packet.data;
        if (typeof data === "string") bytes += data.length;
        else if (ArrayBuffer.isView(data) || data instanceof ArrayBuffer) bytes += data.byteLength;
      }
      return bytes;
    },
    watchDrain(listener) {
      if (current) raw.off("drain", current);
      current = listener;
      if (listener) raw.on("drain", listener);
    },
  };
}
