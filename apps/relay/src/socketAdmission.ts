import type { Socket } from "socket.io";
import { Decoder, Encoder, protocol } from "socket.io-parser";

/*
 * What a frame socket may make the relay buffer, before and after its namespace admits it.
 *
 * Before admission (no token checked yet) a WebSocket may carry small messages only
 * (`UNADMITTED_MESSAGE_BYTES`: the socket.io CONNECT with its auth payload): past that, ws closes it
 * (1009) reading nothing of the payload, because the server's `maxHttpBufferSize` is that bound. Its
 * decoder refuses binary packets outright, so no attachment is held for a socket nobody admitted.
 *
 * `admitFrameSocket` (called when the namespace accepted the handshake) raises that connection's
 * WebSocket bound to the largest allowed message plus its framing, and lets its decoder take binary
 * packets: one attachment per packet (a wire message), text packets of at most `MAX_TEXT_PACKET_CHARS`.
 * A packet that breaks these rules is a protocol error: socket.io closes the connection.
 */

/** The largest WebSocket message of a socket no namespace admitted (bytes). */
export const UNADMITTED_MESSAGE_BYTES = 64 * 1024;
/** Slack above the largest wire message for an admitted socket's WebSocket messages. */
export const MESSAGE_FRAMING_BYTES = 64 * 1024;
/** The largest text packet (event name and JSON arguments) any socket may send. */
export const MAX_TEXT_PACKET_CHARS = 256 * 1024;
/** How long a connection may take to be admitted to a namespace (socket.io's `connectTimeout`). */
export const ADMISSION_TIMEOUT_MS = 10_000;

/** A socket.io-parser decoder with the relay's bounds, holding nothing binary before admission. */
class BoundedDecoder extends Decoder {
  admitted = false;

  constructor() {
    super({ maxAttachments: 1 });
  }

  override add(data: unknown): void {
    if (typeof data === "string") {
      if (data.length > MAX_TEXT_PACKET_CHARS) {
        throw new Error(`text packet larger than ${MAX_TEXT_PACKET_CHARS} characters`);
      }
      // "5" and "6": binary event and binary ack; their attachments follow as WebSocket messages.
      const type = data.charCodeAt(0);
      if (!this.admitted && (type === 53 || type === 54)) {
        throw new Error("binary packet before the namespace admitted the connection");
      }
    } else if (!this.admitted) {
      throw new Error("binary data before the namespace admitted the connection");
    }
    super.add(data);
  }
}

/** socket.io's `parser` option: the stock encoder, the bounded decoder. */
export const boundedParser = { protocol, Encoder, Decoder: BoundedDecoder };

interface ConnectionInternals {
  decoder?: unknown;
  conn?: { transport?: { socket?: { _receiver?: { _maxPayload?: unknown } } } };
}

/**
 * Lift the bounds for a socket the namespace admitted: its WebSocket takes messages up to
 * `maxMessageBytes` plus framing, its decoder binary packets. Returns false when socket.io's or ws's
 * internals are not what we expect (the socket then keeps the small bound, and large frames are cut:
 * tests catch it).
 */
export function admitFrameSocket(socket: Socket, maxMessageBytes: number): boolean {
  const client = socket.client as unknown as ConnectionInternals;
  const receiver = client.conn?.transport?.socket?._receiver;
  if (!(client.decoder instanceof BoundedDecoder) || typeof receiver?._maxPayload !== "number") return false;
  client.decoder.admitted = true;
  receiver._maxPayload = maxMessageBytes + MESSAGE_FRAMING_BYTES;
  return true;
}
