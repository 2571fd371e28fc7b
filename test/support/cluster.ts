import { randomBytes } from "node:crypto";
import { rm } from "node:fs/promises";
import { DepthImage, encodeMessage, Pinhole, readEnvelope, type Welcome } from "@depthroom/schema";
import WebSocket from "ws";
import { type DocClient, type FrameSocket, frameSocket, openDoc } from "./clients.ts";
import { type NginxProcess, startNginx } from "./nginx.ts";
import { makeTempDir, type RelayProcess, spawnRelayProcess } from "./relay.ts";
import { REDIS_URL, requireRedis, scratchDatabase } from "./services.ts";

/*
 * A relay cluster for tests and benches: relay processes sharing a fresh PostgreSQL database, a Redis
 * channel prefix of their own and a recordings directory, behind a real nginx with the shipped config.
 * And clients that say which node served them: frame sockets read it from `welcome`, doc providers
 * from the `X-Depthroom-Node` header of their WebSocket upgrade.
 */

export interface TestCluster {
  readonly nginx: NginxProcess;
  /** Node id -> process. */
  readonly nodes: Map<string, RelayProcess>;
  /** Node id -> its data directory. */
  readonly dataDirs: Map<string, string>;
  readonly databaseUrl: string;
  /** Stop nginx and every node still running, drop the database, delete the directories. */
  close(): Promise<void>;
}

/** `behindNginx`: the nodes nginx starts with (default all; the others can be added by `reload`). */
export async function startCluster(
  nodeIds: readonly string[],
  behindNginx: readonly string[] = nodeIds,
): Promise<TestCluster> {
  await requireRedis();
  const database = await scratchDatabase();
  const recordings = await makeTempDir("depthroom-recordings-");
  const prefix = `depthroom-test-${randomBytes(4).toString("hex")}`;
  const dataDirs = new Map<string, string>();
  const nodes = new Map<string, RelayProcess>();
  const close = async () => {
    await nginx?.stop();
    await Promise.all([...nodes.values()].map((node) => node.stop("SIGTERM")));
    await database.drop();
    for (const dir of [recordings, ...dataDirs.values()]) await rm(dir, { recursive: true, force: true });
  };
  let nginx: NginxProcess | undefined;
  try {
    await Promise.all(
      nodeIds.map(async (id) => {
        const dataDir = await makeTempDir();
        dataDirs.set(id, dataDir);
        const node = await spawnRelayProcess({
          dataDir,
          env: {
            DEPTHROOM_DATABASE_URL: database.url,
            DEPTHROOM_REDIS_URL: REDIS_URL,
            DEPTHROOM_REDIS_PREFIX: prefix,
            DEPTHROOM_NODE_ID: id,
            DEPTHROOM_RECORDINGS: recordings,
            DEPTHROOM_LOG_LEVEL: "warn",
          },
        });
        nodes.set(id, node);
        return node;
      }),
    );
    nginx = await startNginx(behindNginx.map((id) => `127.0.0.1:${nodes.get(id)?.port}`));
    return { nginx, nodes, dataDirs, databaseUrl: database.url, close };
  } catch (error) {
    await close();
    throw error;
  }
}

/** A small real depth stream: a static pinhole and 32x24 uint16 frames stamped with their sequence. */
export const rigPinhole = encodeMessage({
  entityPath: "world/rig",
  timelines: [],
  static: true,
  archetype: Pinhole.fromIntrinsics({ fx: 30, fy: 30, cx: 15.5, cy: 11.5, width: 32, height: 24 }),
});

export function rigFrame(sequence: number): Uint8Array {
  const depth = new Uint16Array(32 * 24);
  for (let i = 0; i < depth.length; i++) depth[i] = 500 + ((i + sequence) % 1500);
  return encodeMessage({
    entityPath: "world/rig/depth",
    timelines: [{ timeline: "frame", kind: "sequence", value: BigInt(sequence) }],
    archetype: new DepthImage(depth, { width: 32, height: 24, meter: 1000 }),
  });
}

export function frameSequence(bytes: Uint8Array): number | undefined {
  const point = readEnvelope(bytes).timelines.find((t) => t.timeline === "frame");
  return point === undefined ? undefined : Number(point.value);
}

/** A frame socket that reconnects by itself and records every welcome (with its node). */
export interface TrackedSocket {
  readonly socket: FrameSocket;
  readonly welcomes: Welcome[];
  readonly disconnects: string[];
}

export function trackedSocket(url: string, session: string, token: string, name: string): TrackedSocket {
  const socket = frameSocket(url, session, token, { name, reconnection: true });
  const tracked: TrackedSocket = { socket, welcomes: [], disconnects: [] };
  socket.on("welcome", (welcome) => tracked.welcomes.push(welcome));
  socket.on("disconnect", (reason) => tracked.disconnects.push(reason));
  return tracked;
}

export interface ReceivedSequence {
  readonly sequence: number;
  /** performance.now() */
  readonly at: number;
  /** The node of the connection it came through (its latest welcome). */
  readonly node: string | undefined;
}

/** A viewer: subscribes after every welcome (reconnections too) and records the frames' sequences. */
export function trackedViewer(url: string, session: string, token: string, name: string) {
  const tracked = trackedSocket(url, session, token, name);
  const frames: ReceivedSequence[] = [];
  tracked.socket.on("welcome", () => tracked.socket.emit("subscribe", {}, () => {}));
  tracked.socket.on("frame", (payload) => {
    const sequence = frameSequence(new Uint8Array(payload));
    if (sequence !== undefined) {
      frames.push({ sequence, at: performance.now(), node: tracked.welcomes.at(-1)?.node });
    }
    tracked.socket.emit("credit", 1);
  });
  return { ...tracked, frames };
}

/** A rig: after every welcome it sends its pinhole, then a frame every `intervalMs` while connected. */
export function trackedRig(url: string, session: string, token: string, intervalMs = 50) {
  const tracked = trackedSocket(url, session, token, "rig");
  let sequence = 0;
  tracked.socket.on("welcome", () => tracked.socket.emit("publish", rigPinhole, () => {}));
  const timer = setInterval(() => {
    if (tracked.socket.connected && tracked.welcomes.length > 0) {
      tracked.socket.emit("publish", rigFrame(sequence++), () => {});
    }
  }, intervalMs);
  return {
    ...tracked,
    stop() {
      clearInterval(timer);
      tracked.socket.close();
    },
  };
}

export interface TrackedDoc extends DocClient {
  /** The node of every WebSocket this provider opened, in order. */
  readonly nodes: string[];
  /** Every status the provider went through ("connecting", "connected", "disconnected"). */
  readonly statuses: string[];
}

/** A y-websocket provider on `/yjs/<session>` that records which node served each of its connections. */
export function trackedDoc(url: string, session: string, token: string): TrackedDoc {
  const nodes: string[] = [];
  class NodeRecordingWebSocket extends WebSocket {
    constructor(address: string, protocols?: string | string[]) {
      super(address, protocols);
      this.once("upgrade", (response) => {
        const node = response.headers["x-depthroom-node"];
        nodes.push(typeof node === "string" ? node : "?");
      });
    }
  }
  const client = openDoc(url, session, token, { webSocket: NodeRecordingWebSocket });
  const statuses: string[] = [];
  client.provider.on("status", (event: { status: string }) => statuses.push(event.status));
  return { ...client, nodes, statuses };
}
