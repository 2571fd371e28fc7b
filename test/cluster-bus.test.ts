import { randomBytes } from "node:crypto";
import { rm } from "node:fs/promises";
import {
  ClusterBus,
  type ClusterStatus,
  PostgresStore,
  type RunningRelay,
  scaleOutFromEnv,
  startRelay,
} from "@depthroom/relay";
import { CloseCode, ErrorCode, type Health, type Refusal } from "@depthroom/schema";
import { afterEach, describe, expect, it } from "vitest";
import WebSocket from "ws";
import { connectFrames, openDoc, waitFor } from "./support/clients.ts";
import { createSession, makeTempDir } from "./support/relay.ts";
import { DATABASE_URL, REDIS_URL, requireRedis, scratchSchema } from "./support/services.ts";

// Two relay nodes in this process, sharing PostgreSQL and a Redis bus (no balancer): node ids in
// /healthz, `welcome` and upgrade headers; presence of every node from any node; and a session whose
// connection is admitted on another node is released here (its clients are told and disconnected).
describe("relay nodes on a Redis bus", () => {
  const cleanups: (() => Promise<unknown> | unknown)[] = [];
  afterEach(async () => {
    for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
  });

  const cluster = async (ids: string[]): Promise<RunningRelay[]> => {
    await requireRedis();
    const { schema, drop } = await scratchSchema();
    cleanups.push(drop);
    const prefix = `depthroom-test-${randomBytes(4).toString("hex")}`;
    const relays: RunningRelay[] = [];
    for (const nodeId of ids) {
      const dataDir = await makeTempDir();
      cleanups.push(() => rm(dataDir, { recursive: true, force: true }));
      const store = await PostgresStore.open(DATABASE_URL, { schema });
      const secret = await store.resolveSecret(undefined, () => randomBytes(32).toString("hex"));
      const bus = await ClusterBus.connect({
        redisUrl: REDIS_URL,
        nodeId,
        prefix,
        logger: { debug() {}, info() {}, warn() {}, error() {} },
      });
      const relay = await startRelay({ port: 0, dataDir, store, secret, cluster: bus, logLevel: "warn" });
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
