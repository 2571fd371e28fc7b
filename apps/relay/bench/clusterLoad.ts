import {
  type ClientToServerEvents,
  RELAY_PROTOCOL_VERSION,
  type ServerToClientEvents,
  type Welcome,
} from "@depthroom/schema";
import { io, type Socket } from "socket.io-client";
import { benchStream, clockMs, stampFrame } from "./frames.ts";

/*
 * Cluster bench load, in a child process with IPC: <url> <viewers per session> <JSON [{id, publish, view}]>.
 * Per session one producer publishing the TUM 640x480 RVL frame as fast as the relay acks (2 in
 * flight) and N viewers that give every frame's credit back at once. The parent asks for the frames each viewer
 * received in a window, and the node each session landed on (from `welcome`).
 */

interface SessionArg {
  readonly id: string;
  readonly publish: string;
  readonly view: string;
}

const [url, viewersText, sessionsJson] = process.argv.slice(2);
const viewersPerSession = Number(viewersText);
const sessions = JSON.parse(sessionsJson ?? "[]") as SessionArg[];
const stream = benchStream();
const IN_FLIGHT = 2;

type BenchSocket = Socket<ServerToClientEvents, ClientToServerEvents>;
const sockets: BenchSocket[] = [];
/** Arrival times (wall ms) per viewer. */
const arrivals: number[][] = [];
const nodes = new Map<string, Set<string>>();
let running = true;
let pendingConnections = 0;
let readySent = false;

function connect(
  session: SessionArg,
  token: string,
  name: string,
  onWelcome: (w: Welcome) => void,
): BenchSocket {
  pendingConnections++;
  const socket: BenchSocket = io(url ?? "", {
    path: "/socket.io/",
    transports: ["websocket"],
    query: { session: session.id, token, v: String(RELAY_PROTOCOL_VERSION), name },
    forceNew: true,
    reconnection: false,
  });
  socket.once("welcome", (welcome) => {
    const seen = nodes.get(session.id) ?? new Set<string>();
    seen.add(welcome.node ?? "?");
    nodes.set(session.id, seen);
    onWelcome(welcome);
    if (--pendingConnections === 0 && !readySent) {
      readySent = true;
      process.send?.({ type: "ready" });
    }
  });
  socket.on("connect_error", (error) => {
    process.stderr.write(`${name}: ${error.message}\n`);
    process.exit(1);
  });
  sockets.push(socket);
  return socket;
}

for (const session of sessions) {
  for (let v = 0; v < viewersPerSession; v++) {
    const times: number[] = [];
    arrivals.push(times);
    const viewer = connect(session, session.view, `bench viewer ${v}`, () =>
      viewer.emit("subscribe", {}, () => {}),
    );
    // Each frame's credit goes back at once (protocol 2: `credit`, one frame a message here).
    viewer.on("frame", () => {
      times.push(clockMs());
      viewer.emit("credit", 1);
    });
  }
}

process.on("message", (message: { type: string; start?: number; end?: number }) => {
  if (message.type === "start") {
    for (const session of sessions) {
      let sequence = 0;
      let inFlight = 0;
      const producer = connect(session, session.publish, "bench rig", () => {
        producer.emit("publish", stream.pinhole, () => {});
        const pump = () => {
          while (running && inFlight < IN_FLIGHT && producer.connected) {
            inFlight++;
            producer.emit("publish", stampFrame(stream, sequence++, clockMs()), () => {
              inFlight--;
              pump();
            });
          }
        };
        pump();
      });
    }
  } else if (message.type === "report") {
    running = false;
    const start = message.start ?? 0;
    const end = message.end ?? 0;
    const frames = arrivals.map((times) => times.filter((t) => t >= start && t < end).length);
    for (const socket of sockets) socket.close();
    process.send?.(
      { type: "report", frames, nodes: Object.fromEntries([...nodes].map(([id, set]) => [id, [...set]])) },
      () => process.exit(0),
    );
  }
});
