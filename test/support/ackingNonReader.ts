import { RELAY_PROTOCOL_VERSION } from "@depthroom/schema";
import WebSocket from "ws";

/*
 * A hostile viewer for flow-control tests: it speaks socket.io over a raw WebSocket, subscribes, then
 * stops reading its TCP socket (the relay's writes pile up) while it keeps giving credit back blindly
 * for frames it never read (protocol 1: acking them by id; the name stayed) and answering engine.io
 * pings it never reads.
 */

export interface AckingNonReader {
  /** Give the relay credit for `frames` more frames (1..FRAME_CREDITS), read or not. */
  grant(frames: number): void;
  /** Read the socket again (what was buffered, then whatever comes). */
  resumeReading(): void;
  /** Resolves with the WebSocket close code once the relay closes or drops the connection. */
  readonly closed: Promise<number>;
  close(): void;
}

export async function connectAckingNonReader(
  url: string,
  session: string,
  token: string,
): Promise<AckingNonReader> {
  const query = new URLSearchParams({
    EIO: "4",
    transport: "websocket",
    session,
    token,
    v: String(RELAY_PROTOCOL_VERSION),
  });
  const ws = new WebSocket(`${url.replace(/^http/, "ws")}/socket.io/?${query}`);
  const closed = new Promise<number>((resolve) => ws.once("close", (code) => resolve(code)));
  ws.on("error", () => {});
  // Read until the subscription is acknowledged, then stop reading.
  await new Promise<void>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error("no subscription answer")), 5000);
    ws.on("message", (data, isBinary) => {
      if (isBinary) return;
      const text = data.toString();
      if (text.startsWith("0")) ws.send("40");
      else if (text.startsWith("40")) ws.send('420["subscribe",{}]');
      else if (text.startsWith("430")) {
        clearTimeout(timer);
        resolve();
      }
    });
  });
  ws.removeAllListeners("message");
  const raw = (ws as unknown as { _socket: { pause(): void; resume(): void } })._socket;
  raw.pause();
  const pong = setInterval(() => ws.readyState === WebSocket.OPEN && ws.send("3"), 5000);
  void closed.then(() => clearInterval(pong));
  return {
    grant(frames) {
      if (ws.readyState === WebSocket.OPEN) ws.send(`42["credit",${frames}]`);
    },
    resumeReading() {
      raw.resume();
    },
    closed,
    close() {
      clearInterval(pong);
      ws.terminate();
    },
  };
}
