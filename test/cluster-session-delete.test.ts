import { ErrorCode } from "@depthroom/schema";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { connectFrames } from "./support/clients.ts";
import { startCluster, type TestCluster } from "./support/cluster.ts";
import { createSession } from "./support/relay.ts";

// A session deleted through one node ends on every node (issue 12 item 6): two relay processes sharing
// PostgreSQL and a Redis bus; node b knew the session (a viewer of it connected there) and forgets it
// when node a deletes it: its viewer gets session-not-found and the session's links stop working there.

describe("deleting a session in a cluster", () => {
  let cluster: TestCluster;
  const cleanups: (() => unknown)[] = [];
  const url = (node: string) => cluster.nodes.get(node)?.url as string;

  beforeAll(async () => {
    cluster = await startCluster(["node-a", "node-b"]);
  });
  afterAll(async () => {
    for (const cleanup of cleanups.splice(0)) await cleanup();
    await cluster?.close();
  });

  it("node b forgets a session node a deleted and closes its connections to it", async () => {
    const session = await createSession(url("node-a"), { title: "doomed" });
    const describeOn = (node: string) =>
      fetch(`${url(node)}/api/sessions/${session.id}`, {
        headers: { Authorization: `Bearer ${session.tokens.view}` },
      });
    expect((await describeOn("node-b")).status).toBe(200);
    const { socket } = await connectFrames(url("node-b"), session.id, session.tokens.view);
    cleanups.push(() => socket.close());
    const problems: { code: string }[] = [];
    socket.on("problem", (problem) => problems.push(problem));

    const deleted = await fetch(`${url("node-a")}/api/sessions/${session.id}`, {
      method: "DELETE",
      headers: { Authorization: `Bearer ${session.tokens.edit}` },
    });
    expect(deleted.status).toBe(204);
    const deadline = Date.now() + 5000;
    while ((await describeOn("node-b")).status !== 404 && Date.now() < deadline) {
      await new Promise((resolve) => setTimeout(resolve, 100));
    }
    expect((await describeOn("node-b")).status).toBe(404);
    expect((await describeOn("node-a")).status).toBe(404);
    await new Promise((resolve) => setTimeout(resolve, 300));
    expect(problems.map((p) => p.code)).toContain(ErrorCode.SessionNotFound);
  });
});
