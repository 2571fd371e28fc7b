import { decodeMessage, type LogMessage } from "@depthroom/schema";
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
 * Bench viewers, in a child process with IPC: <mode: depthroom|raw|foxglove> <url> <count> <slowMs>
 * [session token]. depthroom viewers are the real SDK (`subscribe`: decode, then the credit); raw and
 * foxglove viewers decode each message with the same `decodeMessage`, so client CPU compares the
 * transports, not the decode. Each viewer records (arrival, latency) of every depth frame. With
 * slowMs > 0 a viewer takes that long per frame: the SDK's callback resolves after it (frames that come
 * meanwhile wait in the SDK, the newest only, and their credit goes back), a raw or Foxglove viewer
 * pauses its socket for it (so the kernel buffers fill).
 */

const [mode, url, countText, slowText, session, token] = process.argv.slice(2);
const count = Number(countText);
const slowMs = Number(slowText);
const arrivals: number[][] = [];
const latencies: number[][] = [];
let ready = 0;
const sockets: { close(): void }[] = [];
const FoxgloveClient = mode === "foxglove" ? await loadFoxglove() : undefined;

function captureMs(message: LogMessage): number | undefined {
  if (message.archetype.kind !== "DepthImage") return undefined;
  const capture = message.timelines.find((t) => t.timeline === "capture_time");
  return capture ? Number(capture.value) / 1e6 : undefined;
}

function record(viewer: number, message: LogMessage): void {
  const capture = captureMs(message);
  if (capture === undefined) return;
  const at = clockMs();
  arrivals[viewer]?.push(at);
  latencies[viewer]?.push(at - capture);
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
  if (mode === "raw") {
    const ws = new WebSocket(`${url?.replace(/^http/, "ws")}/sub`, { perMessageDeflate: false });
    ws.on("open", isReady);
    ws.on("message", (data: Buffer) => {
      record(viewer, decodeMessage(new Uint8Array(data.buffer, data.byteOffset, data.byteLength)));
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
      record(viewer, decodeMessage(new Uint8Array(data.buffer, data.byteOffset, data.byteLength)));
      pauseFor(ws);
    });
    sockets.push({ close: () => ws.terminate() });
  } else {
    const subscription = subscribe(
      { url: url ?? "", session: session ?? "", token: token ?? "" },
      (message) => {
        record(viewer, message);
        if (slowMs > 0) return new Promise((resolve) => setTimeout(resolve, slowMs));
      },
      { name: `bench ${viewer}` },
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
  for (let viewer = 0; viewer < count; viewer++) {
    const at = arrivals[viewer] ?? [];
    const lat = latencies[viewer] ?? [];
    let n = 0;
    let previous = message.start;
    for (let i = 0; i < at.length; i++) {
      const t = at[i] as number;
      if (t >= message.start && t < message.end) {
        n++;
        lags.push(lat[i] as number);
        gap = Math.max(gap, t - previous);
        previous = t;
      }
    }
    gap = Math.max(gap, message.end - previous);
    fps.push(n / ((message.end - message.start) / 1000));
  }
  for (const socket of sockets) socket.close();
  process.send?.({ type: "report", fps, lags, gap }, () => process.exit(0));
});
