import { randomBytes } from "node:crypto";
import { connect, createServer, type Server, type Socket } from "node:net";
import {
  ClusterBus,
  type ClusterStatus,
  PostgresStore,
  type RunningRelay,
  scaleOutFromEnv,
  startRelay,
} from "@depthroom/relay";
import {
  CloseCode,
  ErrorCode,
  type Health,
  type RecordingDescription,
  type Refusal,
} from "@depthroom/schema";
import { describe, expect, it } from "vitest";
import WebSocket from "ws";
import { cleanupsAfterEach } from "./support/cleanups.ts";
import { collectFrames, connectFrames, openDoc, publish, subscribe, waitFor } from "./support/clients.ts";
import { rigFrame } from "./support/cluster.ts";
import { createSession, scratchDir } from "./support/relay.ts";
import { DATABASE_URL, REDIS_URL, requireRedis, scratchSchema } from "./support/services.ts";

// Two relay nodes in this process, sharing PostgreSQL and a Redis bus (no balancer): node ids in
// /healthz, `welcome` and upgrade headers; presence of every node from any node; and a session whose
// connection is admitted on another node is released here (its clients are told and disconnected).
describe("relay nodes on a Redis bus", () => {
  const cleanups = cleanupsAfterEach();

  const cluster = async (ids: string[], redisUrl = REDIS_URL): Promise<RunningRelay[]> => {
    await requireRedis();
    const { schema, drop } = await scratchSchema();
    cleanups.push(drop);
    const prefix = `depthroom-test-${randomBytes(4).toString("hex")}`;
    const recordingsDir = await scratchDir(cleanups, "depthroom-recordings-");
    const relays: RunningRelay[] = [];
    for (const nodeId of ids) {
      const dataDir = await scratchDir(cleanups);
      const store = await PostgresStore.open(DATABASE_URL, { schema });
      const secret = await store.resolveSecret(undefined, () => randomBytes(32).toString("hex"));
      const bus = await ClusterBus.connect({
        redisUrl,
        nodeId,
        prefix,
        logger: { debug() {}, info() {}, warn() {}, error() {} },
      });
      const relay = await startRelay({
        port: 0,
        dataDir,
        recordingsDir,
        store,
        secret,
        cluster: bus,
        logLevel: "warn",
      });
      cleanups.push(() => relay.close());
      relays.push(relay);
    }
    return relays;
  };

  it("shows node ids and every node's presence from any node", async () => {
    const [a, b] = (await cluster(["node-a", "node-b"])) as [RunningRelay, RunningRelay];
    const health = (await (await fetch(`${a.url}/healthz`)).json()) as Health;
    expect(health.node).toBe("node-a");

    const session = await createSession(a.url);
    const { socket, welcome } = await connectFrames(a.url, session.id, session.tokens.view);
    cleanups.push(() => socket.close());
    expect(welcome.node).toBe("node-a");
    const { socket: producer } = await connectFrames(a.url, session.id, session.tokens.publish);
    cleanups.push(() => producer.close());

    // The doc upgrade names its node too (a second session, so nothing moves).
    const other = await createSession(a.url);
    const upgradeNode = await new Promise<string | undefined>((resolve, reject) => {
      const ws = new WebSocket(`${b.url.replace("http", "ws")}/yjs/${other.id}?token=${other.tokens.edit}`);
      ws.once("upgrade", (res) => resolve(res.headers["x-depthroom-node"] as string | undefined));
      ws.once("error", reject);
      cleanups.push(() => ws.close());
    });
    expect(upgradeNode).toBe("node-b");

    let status: ClusterStatus | undefined;
    await waitFor(
      () => {
        void fetch(`${b.url}/api/cluster`)
          .then((r) => r.json())
          .then((s) => {
            status = s as ClusterStatus;
          });
        return status?.nodes.find((n) => n.node === "node-b")?.docConnections === 1;
      },
      5000,
      "node-b's doc connection in the cluster status",
    );
    expect(status).toEqual({
      node: "node-b",
      nodes: [
        { node: "node-a", sessions: 1, producers: 1, viewers: 1, docConnections: 0 },
        { node: "node-b", sessions: 1, producers: 0, viewers: 0, docConnections: 1 },
      ],
    });
  });

  it("releases a session's connections here when another node admits one of its connections", async () => {
    const [a, b] = (await cluster(["node-a", "node-b"])) as [RunningRelay, RunningRelay];
    const session = await createSession(a.url);
    const { socket: viewerOnA } = await connectFrames(a.url, session.id, session.tokens.view);
    cleanups.push(() => viewerOnA.close());
    const problems: Refusal[] = [];
    const disconnects: string[] = [];
    viewerOnA.on("problem", (problem) => problems.push(problem));
    viewerOnA.on("disconnect", (reason) => disconnects.push(reason));
    const docOnA = openDoc(a.url, session.id, session.tokens.edit);
    cleanups.push(() => docOnA.destroy());
    await docOnA.synced();
    // A bystander session on node a is not touched.
    const bystander = await createSession(a.url);
    const { socket: bystanderViewer } = await connectFrames(a.url, bystander.id, bystander.tokens.view);
    cleanups.push(() => bystanderViewer.close());
    const bystanderDisconnects: string[] = [];
    bystanderViewer.on("disconnect", (reason) => bystanderDisconnects.push(reason));

    // The balancer now sends this session to node b (say, node a was briefly unreachable).
    const { socket: viewerOnB } = await connectFrames(b.url, session.id, session.tokens.view);
    cleanups.push(() => viewerOnB.close());
    await waitFor(() => disconnects.length === 1, 5000, "node a to release the session's frame viewer");
    expect(problems).toEqual([
      { code: ErrorCode.GoingAway, message: "the session moved to relay node node-b" },
    ]);
    expect(disconnects).toEqual(["transport close"]);
    await waitFor(() => docOnA.closes.length > 0, 5000, "node a to release the session's doc");
    expect(docOnA.closes[0]?.code).toBe(CloseCode.GoingAway);
    expect(viewerOnB.connected).toBe(true);
    expect(bystanderDisconnects).toEqual([]);
    expect(bystanderViewer.connected).toBe(true);
  });

  it("tells every node of a new session at once, and any node serves any recording", async () => {
    const [a, b] = (await cluster(["node-a", "node-b"])) as [RunningRelay, RunningRelay];
    const session = await createSession(a.url, { title: "made on a" });
    // Node b never saw a token of this session; the bus told it of the session, so even a route that
    // only looks in the registry (start recording) finds it.
    let started: Response | undefined;
    for (const deadline = Date.now() + 5000; Date.now() < deadline; ) {
      started = await fetch(`${b.url}/api/sessions/${session.id}/recordings`, {
        method: "POST",
        headers: { Authorization: `Bearer ${session.tokens.edit}`, "Content-Type": "application/json" },
        body: JSON.stringify({ title: "on b" }),
      });
      if (started.status !== 404) break;
      await started.arrayBuffer();
      await new Promise((resolve) => setTimeout(resolve, 20));
    }
    expect(started?.status).toBe(201);
    const recording = (await started?.json()) as RecordingDescription;
    const { socket: rig } = await connectFrames(b.url, session.id, session.tokens.publish);
    cleanups.push(() => rig.close());
    for (let i = 0; i < 5; i++) expect(await publish(rig, rigFrame(i))).toEqual({ ok: true });
    const stopped = await fetch(`${b.url}/api/recordings/${recording.id}/stop`, {
      method: "POST",
      headers: { Authorization: `Bearer ${session.tokens.edit}` },
    });
    expect(stopped.status).toBe(200);

    // Node a serves it: the index from PostgreSQL, the file from the shared directory.
    const described = await fetch(`${a.url}/api/recordings/${recording.id}`, {
      headers: { Authorization: `Bearer ${session.tokens.view}` },
    });
    expect(described.status).toBe(200);
    expect(await described.json()).toMatchObject({ id: recording.id, status: "stopped", frames: 5 });
    const file = await fetch(`${a.url}/api/recordings/${recording.id}/file`, {
      headers: { Authorization: `Bearer ${session.tokens.view}` },
    });
    expect(file.status).toBe(200);
    const bytes = new Uint8Array(await file.arrayBuffer());
    expect(Buffer.from(bytes.subarray(1, 5)).toString("latin1")).toBe("MCAP");
  });

  it("keeps serving through a Redis outage, answers presence for itself, and the bus comes back", async () => {
    const proxy = await redisProxy();
    cleanups.push(() => proxy.close());
    const [a] = (await cluster(["node-a", "node-b"], proxy.url)) as [RunningRelay, RunningRelay];
    const session = await createSession(a.url);
    const { socket: producer } = await connectFrames(a.url, session.id, session.tokens.publish);
    cleanups.push(() => producer.close());
    const status = async () => (await (await fetch(`${a.url}/api/cluster`)).json()) as ClusterStatus;
    expect((await status()).nodes.map((n) => n.node)).toEqual(["node-a", "node-b"]);

    proxy.cut();
    // Frames do not need Redis: a viewer joining now (its room subscription waits for Redis) gets them.
    const { socket: viewer } = await connectFrames(a.url, session.id, session.tokens.view);
    cleanups.push(() => viewer.close());
    const frames = collectFrames(viewer);
    await subscribe(viewer);
    await publish(producer, rigFrame(1));
    await waitFor(() => frames.length > 0, 5000, "a frame during the Redis outage");
    const during = await status();
    expect(during.nodes.map((n) => n.node)).toEqual(["node-a"]);
    expect(during.problem).toMatch(/cluster bus/);

    proxy.restore();
    const restoredAt = Date.now();
    let nodes: string[] = [];
    while (nodes.length < 2) {
      if (Date.now() - restoredAt > 15_000) throw new Error("the bus did not come back after Redis did");
      nodes = (await status()).nodes.map((n) => n.node);
    }
    expect(nodes).toEqual(["node-a", "node-b"]);
  });

  it("fails to start with a message naming Redis when it is unreachable, or when PostgreSQL is missing", async () => {
    const logger = { debug() {}, info() {}, warn() {}, error() {} };
    await expect(
      ClusterBus.connect({ redisUrl: "redis://127.0.0.1:1", nodeId: "x", logger }),
    ).rejects.toThrow(/Redis at 127\.0\.0\.1:1/);
    await expect(ClusterBus.connect({ redisUrl: REDIS_URL, nodeId: "bad id!", logger })).rejects.toThrow(
      /bad node id/,
    );
    await expect(scaleOutFromEnv({ DEPTHROOM_REDIS_URL: REDIS_URL }, undefined, "silent")).rejects.toThrow(
      /DEPTHROOM_REDIS_URL needs DEPTHROOM_DATABASE_URL/,
    );
    expect(await scaleOutFromEnv({}, undefined, "silent")).toEqual({});
  });
});

/** A TCP proxy to Redis that a test can cut (refuse and drop every connection) and restore. */
async function redisProxy(): Promise<{ url: string; cut(): void; restore(): void; close(): Promise<void> }> {
  const target = new URL(REDIS_URL);
  const sockets = new Set<Socket>();
  const serve = (): Server =>
    createServer((client) => {
      const upstream = connect({ host: target.hostname, port: Number(target.port || 6379) });
      for (const socket of [client, upstream]) {
        sockets.add(socket);
        socket.on("error", () => {});
        socket.on("close", () => {
          sockets.delete(socket);
          client.destroy();
          upstream.destroy();
        });
      }
      client.pipe(upstream).pipe(client);
    });
  let server = serve();
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const { port } = server.address() as { port: number };
  const dropAll = () => {
    for (const socket of sockets) socket.destroy();
  };
  return {
    url: `redis://127.0.0.1:${port}`,
    cut() {
      server.close();
      dropAll();
    },
    restore() {
      server = serve();
      server.listen(port, "127.0.0.1");
    },
    async close() {
      dropAll();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}
