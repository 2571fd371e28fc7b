import { readFile, stat } from "node:fs/promises";
import { join } from "node:path";
import type { AdminNotice, CreateSessionResponse } from "@depthroom/schema";
import { ErrorCode } from "@depthroom/schema";
import { postNotice, SdkError, subscribe } from "@depthroom/sdk";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { waitFor } from "./support/clients.ts";
import { startCluster, type TestCluster } from "./support/cluster.ts";
import { createSession } from "./support/relay.ts";

// Admin notices across nodes: two relay processes sharing PostgreSQL and a Redis bus (behind nginx,
// though here each client talks to its node directly). Without DEPTHROOM_ADMIN_TOKEN the first node
// generates the token and every node uses it (and writes it into its data directory); a notice posted
// to node a reaches the viewers on node b, all of them or one session's.

describe("admin notices across relay nodes", () => {
  let cluster: TestCluster;
  const cleanups: (() => unknown)[] = [];
  const url = (node: string) => cluster.nodes.get(node)?.url as string;
  const tokenFile = (node: string) => join(cluster.dataDirs.get(node) as string, "admin-token");

  beforeAll(async () => {
    cluster = await startCluster(["node-a", "node-b"]);
  });
  afterAll(async () => {
    for (const cleanup of cleanups.splice(0)) await cleanup();
    await cluster?.close();
  });

  const viewer = async (session: CreateSessionResponse, nodeUrl: string) => {
    const notices: AdminNotice[] = [];
    const subscription = subscribe(
      { url: nodeUrl, session: session.id, token: session.tokens.view },
      undefined,
      { onNotice: (notice) => notices.push(notice) },
    );
    cleanups.push(() => subscription.close());
    await subscription.ready;
    return notices;
  };

  it("every node uses one generated admin token, written into each data directory (0600)", async () => {
    const [a, b] = await Promise.all([
      readFile(tokenFile("node-a"), "utf8"),
      readFile(tokenFile("node-b"), "utf8"),
    ]);
    expect(a.trim().length).toBeGreaterThanOrEqual(32);
    expect(b).toBe(a);
    for (const node of ["node-a", "node-b"]) expect((await stat(tokenFile(node))).mode & 0o777).toBe(0o600);
  });

  it("a notice posted to node a reaches a viewer on node b; a session's notice only that session", async () => {
    const adminToken = (await readFile(tokenFile("node-a"), "utf8")).trim();
    const onB = await createSession(url("node-b"), { title: "on b" });
    const onA = await createSession(url("node-a"), { title: "on a" });
    const viewerOnB = await viewer(onB, url("node-b"));
    const viewerOnA = await viewer(onA, url("node-a"));

    const everyone = await postNotice({
      relayUrl: url("node-a"),
      adminToken,
      text: "maintenance at 17:00",
      level: "warning",
    });
    await waitFor(() => viewerOnB.length === 1, 5000, "the notice on node b");
    await waitFor(() => viewerOnA.length === 1, 5000, "the notice on node a");
    expect(viewerOnB[0]).toEqual(everyone);
    expect(viewerOnA[0]).toEqual(everyone);

    // Scoped to the session served by node b, posted to node a (which learned of the session over the bus).
    const scoped = await postNotice({
      relayUrl: url("node-a"),
      adminToken,
      text: "your rig is offline",
      session: onB.id,
    });
    const marker = await postNotice({ relayUrl: url("node-a"), adminToken, text: "marker" });
    await waitFor(() => viewerOnB.length === 3, 5000, "the scoped notice and the marker on node b");
    expect(viewerOnB.map((n) => n.id)).toEqual([everyone.id, scoped.id, marker.id]);
    await waitFor(() => viewerOnA.some((n) => n.id === marker.id), 5000, "the marker on node a");
    expect(viewerOnA.map((n) => n.id)).toEqual([everyone.id, marker.id]);

    // Node b refuses a wrong admin token like node a.
    const refused = await postNotice({
      relayUrl: url("node-b"),
      adminToken: `${adminToken}x`,
      text: "no",
    }).then(
      () => undefined,
      (e: unknown) => e,
    );
    expect(refused).toBeInstanceOf(SdkError);
    expect((refused as SdkError).code).toBe(ErrorCode.BadToken);
  });
});
