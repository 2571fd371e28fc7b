import {
  type ClientToServerEvents,
  RELAY_PROTOCOL_VERSION,
  type ServerToClientEvents,
} from "@depthroom/schema";
import { io, type Socket } from "socket.io-client";
import WebSocket from "ws";
import { captureMsOf, wallMs } from "./frames.ts";

/*
 * Bench viewers, in a child process with IPC: <mode: depthroom|raw> <url> <count> [session token].
 * Each viewer records (arrival, latency) of every depth frame; the parent asks for a window's report.
 * depthroom viewers ack each frame as soon as it is read (what a fast viewer does).
 */

const [mode, url, countText, session, token] = process.argv.slice(2);
const count = Number(countText);
const arrivals: number[][] = [];
const latencies: number[][] = [];
let ready = 0;
const sockets: { close(): void }[] = [];

function record(viewer: number, bytes: Uint8Array): void {
  const capture = captureMsOf(bytes);
  if (capture === undefined) return;
  const at = wallMs();
  arrivals[viewer]?.push(at);
  latencies[viewer]?.push(at - capture);
}

function isReady(): void {
  if (++ready === count) process.send?.({ type: "ready" });
}

for (let viewer = 0; viewer < count; viewer++) {
  arrivals.push([]);
  latencies.push([]);
  if (mode === "raw") {
    const ws = new WebSocket(`${url?.replace(/^http/, "ws")}/sub`, { perMessageDeflate: false });
    ws.on("open", isReady);
    ws.on("message", (data: Buffer) => record(viewer, data));
    sockets.push({ close: () => ws.terminate() });
  } else {
    const socket: Socket<ServerToClientEvents, ClientToServerEvents> = io(url ?? "", {
      path: "/socket.io/",
      transports: ["websocket"],
      query: {
        session: session ?? "",
        token: token ?? "",
        v: String(RELAY_PROTOCOL_VERSION),
        name: `bench ${viewer}`,
      },
      forceNew: true,
      reconnection: false,
    });
    socket.on("frame", (payload, ack) => {
      record(viewer, new Uint8Array(payload));
      ack();
    });
    socket.on("welcome", () => socket.emit("subscribe", {}, () => isReady()));
    socket.on("connect_error", (error) => {
      process.stderr.write(`viewer ${viewer}: ${error.message}\n`);
      process.exit(1);
    });
    sockets.push(socket);
  }
}

process.on("message", (message: { type: string; start: number; end: number }) => {
  if (message.type !== "report") return;
  const fps: number[] = [];
  const lags: number[] = [];
  for (let viewer = 0; viewer < count; viewer++) {
    const at = arrivals[viewer] ?? [];
    const lat = latencies[viewer] ?? [];
    let n = 0;
    for (let i = 0; i < at.length; i++) {
      const t = at[i] as number;
      if (t >= message.start && t < message.end) {
        n++;
        lags.push(lat[i] as number);
      }
    }
    fps.push(n / ((message.end - message.start) / 1000));
  }
  for (const socket of sockets) socket.close();
  process.send?.({ type: "report", fps, lags }, () => process.exit(0));
});
