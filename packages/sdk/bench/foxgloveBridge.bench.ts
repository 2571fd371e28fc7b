/*
 * The Foxglove WebSocket bridge at a RealSense D4xx's depth rate: 848x480 16UC1 at 30 Hz from a local
 * FoxgloveServer (@foxglove/ws-protocol, as foxglove_bridge serves ROS 2 CDR), as raw sensor_msgs/Image
 * and as compressedDepth PNG. The bridge runs in its own process (bench/bridgeMain.ts) so its CPU time
 * is its own; it forwards to a relay (started as in relayThroughput) as RVL; a subscriber counts what
 * arrives. Prints, per stream: fps in (bridge from source), fps out (relay acks), fps at the subscriber,
 * and the bridge's CPU as a share of one core. Goal (issue 13): 30 fps under 25 % of a core for raw.
 *
 *   npm run bench -w @depthroom/sdk            (runs this after relayThroughput)
 *   npx tsx packages/sdk/bench/foxgloveBridge.bench.ts [--relay http://host:8787] [--seconds 10]
 */
import { spawn } from "node:child_process";
import { createRequire } from "node:module";
import type { AddressInfo } from "node:net";
import { pathToFileURL } from "node:url";
import { parseArgs } from "node:util";
import { loadSampleSets } from "@depthroom/schema/testing";
import { parse } from "@foxglove/rosmsg";
import { MessageWriter } from "@foxglove/rosmsg2-serialization";
import wsProtocol from "@foxglove/ws-protocol";
import { encode as encodePng } from "fast-png";
import { WebSocketServer } from "ws";
import { createSession, subscribe } from "../src/index.ts";
import { ROS2_SCHEMA_TEXT } from "../src/node/index.ts";
import { benchOverRelay } from "./relayProcess.ts";

const { values } = parseArgs({
  options: { relay: { type: "string" }, seconds: { type: "string", default: "10" } },
});
const seconds = Number(values.seconds);
const WARMUP_S = 3;
const WIDTH = 848;
const HEIGHT = 480;
const FPS = 30;
const require = createRequire(import.meta.url);

/** The TUM sample resized (nearest neighbour) to 848x480, and a few variants so frames differ. */
function frames(count: number): Uint16Array[] {
  const tum = loadSampleSets()[0]?.frames[0];
  if (!tum) throw new Error("no TUM sample in data/samples");
  const base = new Uint16Array(WIDTH * HEIGHT);
  for (let v = 0; v < HEIGHT; v++) {
    const sv = Math.floor((v * tum.height) / HEIGHT);
    for (let u = 0; u < WIDTH; u++)
      base[v * WIDTH + u] = tum.depth[sv * tum.width + Math.floor((u * tum.width) / WIDTH)] as number;
  }
  return Array.from({ length: count }, (_, k) => base.map((d) => (d === 0 ? 0 : d + k)));
}

async function startSource(mode: "raw" | "png") {
  const { FoxgloveServer } = wsProtocol;
  const server = new FoxgloveServer({ name: "bench rig" });
  const wss = new WebSocketServer({
    host: "127.0.0.1",
    port: 0,
    perMessageDeflate: false,
    handleProtocols: (protocols) =>
      protocols.has("foxglove.websocket.v1") ? "foxglove.websocket.v1" : false,
  });
  await new Promise((resolve) => wss.once("listening", resolve));
  wss.on("connection", (socket, request) => server.handleConnection(socket, `${request.socket.remotePort}`));
  const schemaName = mode === "raw" ? "sensor_msgs/msg/Image" : "sensor_msgs/msg/CompressedImage";
  const topic =
    mode === "raw"
      ? "/camera/camera/depth/image_rect_raw"
      : "/camera/camera/depth/image_rect_raw/compressedDepth";
  const channel = server.addChannel({
    topic,
    encoding: "cdr",
    schemaName,
    schema: ROS2_SCHEMA_TEXT[schemaName],
    schemaEncoding: "ros2msg",
  });
  const writer = new MessageWriter(parse(ROS2_SCHEMA_TEXT[schemaName], { ros2: true }));
  const depth = frames(10);
  const pngs =
    mode === "png"
      ? depth.map((d) => encodePng({ width: WIDTH, height: HEIGHT, data: d, depth: 16, channels: 1 }))
      : [];
  let subscribed = false;
  server.on("subscribe", () => {
    subscribed = true;
  });
  let n = 0;
  const started = performance.now();
  let timer: ReturnType<typeof setTimeout>;
  const tick = () => {
    if (subscribed) {
      const stampNs = BigInt(Date.now()) * 1_000_000n;
      const header = {
        stamp: { sec: Number(stampNs / 1_000_000_000n), nanosec: Number(stampNs % 1_000_000_000n) },
        frame_id: "camera_depth_optical_frame",
      };
      const k = n % depth.length;
      const d = depth[k] as Uint16Array;
      const message =
        mode === "raw"
          ? {
              header,
              height: HEIGHT,
              width: WIDTH,
              encoding: "16UC1",
              is_bigendian: 0,
              step: WIDTH * 2,
              data: new Uint8Array(d.buffer),
            }
          : {
              header,
              format: "16UC1; compressedDepth png",
              data: concat(new Uint8Array(12), pngs[k] as Uint8Array),
            };
      server.sendMessage(channel, stampNs, writer.writeMessage(message) as Uint8Array<ArrayBuffer>);
    }
    n++;
    timer = setTimeout(tick, Math.max(0, started + (n * 1000) / FPS - performance.now()));
  };
  tick();
  const port = (wss.address() as AddressInfo).port;
  return {
    url: `ws://127.0.0.1:${port}`,
    payloadBytes:
      mode === "raw" ? WIDTH * HEIGHT * 2 : Math.round(pngs.reduce((a, p) => a + p.length, 0) / pngs.length),
    stop() {
      clearTimeout(timer);
      for (const c of wss.clients) c.terminate();
      wss.close();
    },
  };
}

function concat(a: Uint8Array, b: Uint8Array): Uint8Array {
  const out = new Uint8Array(a.length + b.length);
  out.set(a);
  out.set(b, a.length);
  return out;
}

async function run(relayUrl: string, mode: "raw" | "png") {
  const source = await startSource(mode);
  const session = await createSession({ relayUrl, title: `bridge bench ${mode}` });
  let received = 0;
  let counting = false;
  const subscription = subscribe({ link: session.links.view }, (message) => {
    if (counting && message.archetype.kind === "DepthImage") received++;
  });
  await subscription.ready;
  const child = spawn(
    process.execPath,
    [
      "--import",
      pathToFileURL(require.resolve("tsx")).href,
      new URL("./bridgeMain.ts", import.meta.url).pathname,
      source.url,
      session.links.publish,
      String(WARMUP_S),
      String(seconds),
    ],
    { stdio: ["ignore", "pipe", "inherit"] },
  );
  let out = "";
  child.stdout.on("data", (chunk: Buffer) => {
    out += chunk.toString();
  });
  const exited = new Promise((resolve) => child.once("exit", resolve));
  // The subscriber counts over about the same window as the bridge samples (after its warm-up).
  setTimeout(
    () => {
      counting = true;
    },
    WARMUP_S * 1000 + 1500,
  );
  const countStart = performance.now() + WARMUP_S * 1000 + 1500;
  await exited;
  const countSeconds = (performance.now() - countStart) / 1000;
  subscription.close();
  source.stop();
  const r = JSON.parse(out.trim().split("\n").at(-1) ?? "{}") as Record<string, number>;
  const wall = r.wall as number;
  return {
    stream: `848x480 16UC1 ${mode === "raw" ? "raw Image" : "compressedDepth png"}`,
    "source KB/frame": (source.payloadBytes / 1024).toFixed(0),
    "fps in": ((r.depthIn as number) / wall).toFixed(1),
    "fps out (acked)": ((r.framesOut as number) / wall).toFixed(1),
    "fps at subscriber": (received / countSeconds).toFixed(1),
    "bridge CPU % of a core": ((100 * ((r.cpuUserS as number) + (r.cpuSystemS as number))) / wall).toFixed(1),
    "MB/s to relay (RVL)": ((r.bytesOut as number) / wall / 1e6).toFixed(2),
    dropped: r.dropped,
    skipped: r.skipped,
  };
}

await benchOverRelay(
  values.relay,
  (url) =>
    `bridge bench: relay ${url}, source at ${FPS} Hz, ${WARMUP_S} s warm-up then ${seconds} s measured per stream`,
  ["raw", "png"] as const,
  run,
);
