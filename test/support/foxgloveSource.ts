import { readFileSync } from "node:fs";
import type { AddressInfo } from "node:net";
import { decodeDepthPng, ROS2_SCHEMA_TEXT, type Ros2SchemaName } from "@depthroom/sdk/node";
import { parse } from "@foxglove/rosmsg";
import { MessageWriter } from "@foxglove/rosmsg2-serialization";
import wsProtocol from "@foxglove/ws-protocol";
import { WebSocketServer } from "ws";

// CommonJS: plain Node hands it to ESM as a default export only (the rig also runs outside vitest).
const { FoxgloveServer } = wsProtocol;
type FoxgloveServer = InstanceType<typeof FoxgloveServer>;

/*
 * A real Foxglove WebSocket server (FoxgloveServer from @foxglove/ws-protocol on a `ws` server, port 0)
 * playing a ROS 2 rig the way foxglove_bridge does: CDR messages with ros2msg schema texts, latched
 * topics (/tf_static, camera_info) re-sent to each new subscriber like transient-local QoS. And the
 * shipped sample frames as ROS 2 messages.
 */

export interface FoxgloveSource {
  readonly url: string;
  readonly port: number;
  readonly server: FoxgloveServer;
  /** Subprotocols each connecting client offered. */
  readonly offered: string[][];
  /** Advertise a ROS 2 topic; returns its channel id. */
  addRos2Channel(topic: string, schemaName: Ros2SchemaName): number;
  /** Advertise a topic with any encoding and schema (json foxglove schemas, unsupported ones). */
  addChannel(
    topic: string,
    encoding: string,
    schemaName: string,
    schema?: string,
    schemaEncoding?: string,
  ): number;
  removeChannel(id: number): void;
  /** Send to the channel's subscribers now. */
  publish(id: number, payload: Uint8Array, logTimeNs?: bigint): void;
  /** Keep `payload` as the channel's latched message: sent now and to every later subscriber. */
  latch(id: number, payload: Uint8Array): void;
  /** Channels somebody subscribed to. */
  readonly subscribed: Set<number>;
  close(): Promise<void>;
}

export interface FoxgloveSourceOptions {
  /** Subprotocols the server accepts; a client offering none of them gets HTTP 400 (as foxglove_bridge). */
  readonly accept?: readonly string[];
  readonly port?: number;
}

export async function startFoxgloveSource(options: FoxgloveSourceOptions = {}): Promise<FoxgloveSource> {
  const accept = options.accept ?? [FoxgloveServer.SUPPORTED_SUBPROTOCOL];
  const server = new FoxgloveServer({ name: "test rig" });
  const offered: string[][] = [];
  const latched = new Map<number, Uint8Array>();
  const subscribed = new Set<number>();
  const wss = new WebSocketServer({
    host: "127.0.0.1",
    port: options.port ?? 0,
    perMessageDeflate: false,
    verifyClient: (info, callback) => {
      const header = info.req.headers["sec-websocket-protocol"];
      const protocols = typeof header === "string" ? header.split(",").map((p) => p.trim()) : [];
      offered.push(protocols);
      if (protocols.some((p) => accept.includes(p))) callback(true);
      else callback(false, 400, "no supported subprotocol");
    },
    handleProtocols: (protocols) => [...protocols].find((p) => accept.includes(p)) ?? false,
  });
  await new Promise<void>((resolve, reject) => {
    wss.once("listening", resolve);
    wss.once("error", reject);
  });
  wss.on("connection", (socket, request) => {
    server.handleConnection(socket, `${request.socket.remoteAddress}:${request.socket.remotePort}`);
  });
  server.on("subscribe", (channelId) => {
    subscribed.add(channelId);
    const payload = latched.get(channelId);
    // Transient-local: the new subscriber gets the latched message once its subscription is in.
    if (payload) setImmediate(() => server.sendMessage(channelId, nowNs(), payload as BufferSource));
  });
  server.on("unsubscribe", (channelId) => subscribed.delete(channelId));
  server.on("error", () => {}); // a client's garbage is not the test's failure
  const port = (wss.address() as AddressInfo).port;
  return {
    url: `ws://127.0.0.1:${port}`,
    port,
    server,
    offered,
    subscribed,
    addRos2Channel(topic, schemaName) {
      return server.addChannel({
        topic,
        encoding: "cdr",
        schemaName,
        schema: ROS2_SCHEMA_TEXT[schemaName],
        schemaEncoding: "ros2msg",
      });
    },
    addChannel(topic, encoding, schemaName, schema = "", schemaEncoding) {
      return server.addChannel({
        topic,
        encoding,
        schemaName,
        schema,
        ...(schemaEncoding ? { schemaEncoding } : {}),
      });
    },
    removeChannel(id) {
      latched.delete(id);
      server.removeChannel(id);
    },
    publish(id, payload, logTimeNs = nowNs()) {
      server.sendMessage(id, logTimeNs, payload as BufferSource);
    },
    latch(id, payload) {
      latched.set(id, payload);
      server.sendMessage(id, nowNs(), payload as BufferSource);
    },
    async close() {
      for (const client of wss.clients) client.terminate();
      await new Promise<void>((resolve) => wss.close(() => resolve()));
    },
  };
}

export function nowNs(): bigint {
  return BigInt(Date.now()) * 1_000_000n;
}

const writers = new Map<string, MessageWriter>();
/** A ROS 2 message as CDR, written with the same schema text the source advertises. */
export function cdr(schemaName: Ros2SchemaName, message: unknown): Uint8Array {
  let writer = writers.get(schemaName);
  if (!writer) {
    writer = new MessageWriter(parse(ROS2_SCHEMA_TEXT[schemaName], { ros2: true }));
    writers.set(schemaName, writer);
  }
  return writer.writeMessage(message);
}

export function rosHeader(frameId: string, stampNs: bigint) {
  return {
    stamp: { sec: Number(stampNs / 1_000_000_000n), nanosec: Number(stampNs % 1_000_000_000n) },
    frame_id: frameId,
  };
}

export function bytesOf(view: ArrayBufferView): Uint8Array {
  return new Uint8Array(view.buffer, view.byteOffset, view.byteLength);
}

export function concat(...parts: Uint8Array[]): Uint8Array {
  const out = new Uint8Array(parts.reduce((n, p) => n + p.length, 0));
  let offset = 0;
  for (const part of parts) {
    out.set(part, offset);
    offset += part.length;
  }
  return out;
}

/** image_transport's compressedDepth ConfigHeader: int32 format, float32 depthParam[2], little-endian. */
export function compressedDepthHeader(): Uint8Array {
  return new Uint8Array(12); // format 0, params 0: what 16UC1 images carry
}

/** u32 cols, u32 rows: what compressed_depth_image_transport writes before an RVL stream. */
export function rvlSizeHeader(width: number, height: number): Uint8Array {
  const out = new Uint8Array(8);
  const view = new DataView(out.buffer);
  view.setUint32(0, width, true);
  view.setUint32(4, height, true);
  return out;
}

export interface SampleFrame {
  readonly name: string;
  /** The PNG file's bytes, as shipped. */
  readonly png: Uint8Array;
  readonly width: number;
  readonly height: number;
  readonly depth: Uint16Array;
}

/** A shipped sample depth PNG (path under data/samples/), with its decoded values. */
export function loadSample(path: string): SampleFrame {
  const png = new Uint8Array(readFileSync(new URL(`../../data/samples/${path}`, import.meta.url)));
  const decoded = decodeDepthPng(png, path);
  return { name: path, png, width: decoded.width, height: decoded.height, depth: decoded.data };
}

export const TUM_SAMPLE = "tum-fr2/depth/TUM_depth.png";
export const AZURE_SAMPLES = [
  "azure-kinect/TestVector0_Room0.png",
  "azure-kinect/TestVector0_Room1.png",
  "azure-kinect/TestVector1_Ceiling0.png",
  "azure-kinect/TestVector1_Ceiling1.png",
  "azure-kinect/TestVector2_Person0.png",
  "azure-kinect/TestVector2_Person1.png",
];

/** A raw sensor_msgs/Image of 16-bit depth, as a RealSense driver publishes it. */
export function rawImage16(frame: SampleFrame, frameId: string, stampNs: bigint): Uint8Array {
  return cdr("sensor_msgs/msg/Image", {
    header: rosHeader(frameId, stampNs),
    height: frame.height,
    width: frame.width,
    encoding: "16UC1",
    is_bigendian: 0,
    step: frame.width * 2,
    data: bytesOf(frame.depth),
  });
}

/**
 * A sensor_msgs/CameraInfo of a 640 x 480 camera (K row-major; no distortion unless `distortion` says),
 * as a RealSense driver latches it.
 */
export function cameraInfo(
  frameId: string,
  stampNs: bigint,
  k: readonly number[],
  distortion: { model: string; d: readonly number[] } = { model: "plumb_bob", d: [0, 0, 0, 0, 0] },
): Uint8Array {
  return cdr("sensor_msgs/msg/CameraInfo", {
    header: rosHeader(frameId, stampNs),
    height: 480,
    width: 640,
    distortion_model: distortion.model,
    d: distortion.d,
    k,
    r: [1, 0, 0, 0, 1, 0, 0, 0, 1],
    p: [k[0], k[1], k[2], 0, k[3], k[4], k[5], 0, k[6], k[7], k[8], 0],
    binning_x: 0,
    binning_y: 0,
    roi: { x_offset: 0, y_offset: 0, height: 0, width: 0, do_rectify: false },
  });
}

/** Are two pixel arrays the same type and bit-identical? */
export function samePixels(a: ArrayBufferView, b: ArrayBufferView): boolean {
  return (
    a.constructor === b.constructor && Buffer.compare(Buffer.from(bytesOf(a)), Buffer.from(bytesOf(b))) === 0
  );
}
