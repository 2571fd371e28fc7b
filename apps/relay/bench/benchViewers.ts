import { decodeMessage, readEnvelope, type TimePoint } from "@depthroom/schema";
import { subscribe } from "@depthroom/sdk";
import WebSocket from "ws";
import { clockMs } from "./frames.ts";

// Imported only for the Foxglove peer (a checkout measured as \`base\` may not have it at the top).
const loadFoxglove = async () => {
  const module = await import("@foxglove/ws-protocol");
  // CommonJS: its exports are the default export under plain Node, the namespace under some loaders.
  return (module.default ?? (module as unknown as typeof module.default)).FoxgloveClient;
};

/*
 * Bench viewers, in a child process with IPC: <mode: depthroom|raw|foxglove> <read: decode|envelope>
 * <url> <count> <slowMs> [session token]. Client CPU compares the transports:
 *   decode    the whole message (RVL included): the SDK's `subscribe` callback, `decodeMessage` on the
 *             peers' sockets. Not quite the same work: the SDK decodes only the newest waiting frame
 *             of each entity, so a viewer that falls behind decodes fewer than a peer's.
 *   envelope  header, entity path and timelines only: the SDK's lazy frames (`onEnvelope`, what the web
 *             app's page does before it hands the bytes to its decode worker), `readEnvelope` on the peers'
 * Each viewer records the arrival, latency and `frame` sequence number of every depth frame. With
 * slowMs > 0 a viewer takes that long per frame: the SDK's callback resolves after it (frames that come
 * meanwhile wait in the SDK, the newest only, and their credit goes back), a raw or Foxglove viewer
 * pauses its socket for it (so the kernel buffers fill).
 */

const [mode, read, url, countText, slowText, session, token] = process.argv.slice(2);
if (read !== "decode" && read !== "envelope")
  throw new Error(`viewer read mode "${read}": decode or envelope`);
const count = Number(countText);
const slowMs = Number(slowText);
const arrivals: number[][] = [];
const latencies: number[][] = [];
const sequences: number[][] = [];
let ready = 0;
const sockets: { close(): void }[] = [];
const FoxgloveClient = mode === "foxglove" ? await loadFoxglove() : undefined;

function record(viewer: number, kind: string, timelines: readonly TimePoint[]): void {
  if (kind !== "DepthImage") return;
  const capture = timelines.find((t) => t.timeline === "capture_time");
  const sequence = timelines.find((t) => t.timeline === "frame");
  if (!capture || !sequence) return;
  const at = clockMs();
  arrivals[viewer]?.push(at);
  latencies[viewer]?.push(at - Number(capture.value) / 1e6);
  sequences[viewer]?.push(Number(sequence.value));
}

/** Record a frame that came on a peer's socket, read as the read mode says. */
function recordPeerFrame(viewer: number, bytes: Uint8Array): void {
  if (read === "envelope") {
    const envelope = readEnvelope(bytes);
    record(viewer, envelope.kind, envelope.timelines);
  } else {
    const message = decodeMessage(bytes);
    record(viewer, message.archetype.kind, message.timelines);
  }
}

function isReady(): void {
  if (++ready === count) process.send?.({ type: "ready" });
}

function pauseFor(ws: WebSocket): void {
  if (slowMs <= 0) return;
  ws.pause();
  setTimeout(() => ws.resume(), slowMs);
}

for (let viewer = 0; viewer < count; viewer++) {
  arrivals.push([]);
  latencies.push([]);
  sequences.push([]);
  if (mode === "raw") {
    const ws = new WebSocket(`${url?.replace(/^http/, "ws")}/sub`, { perMessageDeflate: false });
    ws.on("open", isReady);
    ws.on("message", (data: Buffer) => {
      recordPeerFrame(viewer, new Uint8Array(data.buffer, data.byteOffset, data.byteLength));
      pauseFor(ws);
    });
    sockets.push({ close: () => ws.terminate() });
  } else if (FoxgloveClient) {
    const ws = new WebSocket(url?.replace(/^http/, "ws") ?? "", [FoxgloveClient.SUPPORTED_SUBPROTOCOL], {
      perMessageDeflate: false,
    });
    const client = new FoxgloveClient({ ws: ws as never });
    client.on("advertise", (channels) => {
      const depth = channels.find((c) => c.topic === "/camera/depth");
      if (depth) {
        client.subscribe(depth.id);
        isReady();
      }
    });
    client.on("message", ({ data }) => {
      recordPeerFrame(viewer, new Uint8Array(data.buffer, data.byteOffset, data.byteLength));
      pauseFor(ws);
    });
    sockets.push({ close: () => ws.terminate() });
  } else {
    const slowly = () =>
      slowMs > 0 ? new Promise<void>((resolve) => setTimeout(resolve, slowMs)) : undefined;
    const subscription = subscribe(
      { url: url ?? "", session: session ?? "", token: token ?? "" },
      read === "decode"
        ? (message) => {
            record(viewer, message.archetype.kind, message.timelines);
            return slowly();
          }
        : undefined,
      {
        name: `bench ${viewer}`,
        onEnvelope:
          read === "envelope"
            ? (envelope) => {
                record(viewer, envelope.kind, envelope.timelines);
                return slowly();
              }
            : undefined,
      },
    );
    subscription.ready.then(isReady, (error: Error) => {
      process.stderr.write(`viewer ${viewer}: ${error.message}\n`);
      process.exit(1);
    });
    sockets.push(subscription);
  }
}

process.on("message", (message: { type: string; start: number; end: number }) => {
  if (message.type !== "report") return;
  const fps: number[] = [];
  const lags: number[] = [];
  let gap = 0;
  // Frames of the window a viewer never received: gaps in the `frame` sequence of its arrivals, counted
  // from its last arrival before the window.
  let missing = 0;
  for (let viewer = 0; viewer < count; viewer++) {
    const at = arrivals[viewer] ?? [];
    const lat = latencies[viewer] ?? [];
    const seq = sequences[viewer] ?? [];
    let n = 0;
    let previous = message.start;
    let previousSequence: number | undefined;
    for (let i = 0; i < at.length; i++) {
      const t = at[i] as number;
      if (t < message.start) previousSequence = seq[i];
      if (t >= message.start && t < message.end) {
        n++;
        lags.push(lat[i] as number);
        gap = Math.max(gap, t - previous);
        previous = t;
        const sequence = seq[i] as number;
        if (previousSequence !== undefined) missing += Math.max(0, sequence - previousSequence - 1);
        previousSequence = sequence;
      }
    }
    gap = Math.max(gap, message.end - previous);
    fps.push(n / ((message.end - message.start) / 1000));
  }
  for (const socket of sockets) socket.close();
  process.send?.({ type: "report", fps, lags, gap, missing }, () => process.exit(0));
});
