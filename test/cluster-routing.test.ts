import { randomBytes } from "node:crypto";
import { renderNginxConf } from "@depthroom/relay/nginx";
import { afterAll, describe, expect, it } from "vitest";
import WebSocket from "ws";
import { waitFor } from "./support/clients.ts";
import { startCluster, type TestCluster } from "./support/cluster.ts";

// The shipped nginx config against real relay nodes: requests that name a session (in the path or
// the `session` query argument) always reach that session's node, WebSockets included; the others
// spread over the nodes; and adding a node moves only the sessions that now hash to it.
describe("nginx routing with the shipped config", () => {
  let cluster: TestCluster | undefined;
  afterAll(async () => {
    await cluster?.close();
  });

  const sessionIds = Array.from({ length: 40 }, () => randomBytes(16).toString("base64url"));

  it("pins by session id from path or query, spreads the rest, and a new node takes only its share", async () => {
    cluster = await startCluster(["node-a", "node-b", "node-c"], ["node-a", "node-b"]);
    const { nginx, nodes } = cluster;
    const nodeOf = async (path: string) => {
      const response = await fetch(`${nginx.url}${path}`);
      await response.arrayBuffer();
      return response.headers.get("x-depthroom-node") ?? `status ${response.status}`;
    };
    const upgradeNode = (path: string) =>
      new Promise<string>((resolve, reject) => {
        const ws = new WebSocket(`${nginx.url.replace("http", "ws")}${path}`);
        ws.once("upgrade", (response) => {
          resolve(String(response.headers["x-depthroom-node"]));
          ws.terminate();
        });
        ws.once("error", reject);
      });

    const before = new Map<string, string>();
    for (const id of sessionIds) {
      const node = await nodeOf(`/api/sessions/${id}`);
      before.set(id, node);
      expect(await nodeOf(`/api/sessions/${id}`)).toBe(node);
      expect(await nodeOf(`/api/sessions/${id}/recordings`)).toBe(node);
      expect(await nodeOf(`/healthz?session=${id}`)).toBe(node);
    }
    expect(new Set(before.values())).toEqual(new Set(["node-a", "node-b"]));
    for (const id of sessionIds.slice(0, 8)) {
      expect(await upgradeNode(`/yjs/${id}?token=x`)).toBe(before.get(id));
      expect(await upgradeNode(`/socket.io/?EIO=4&transport=websocket&session=${id}&v=1`)).toBe(
        before.get(id),
      );
    }
    const spread = new Set<string>();
    for (let i = 0; i < 10; i++) spread.add(await nodeOf("/healthz"));
    expect(spread).toEqual(new Set(["node-a", "node-b"]));

    // nginx's own log names the session key and the node's address of every request.
    const log = await nginx.accessLog();
    const first = sessionIds[0] as string;
    const port = nodes.get(before.get(first) as string)?.port;
    expect(log).toContain(`"GET /api/sessions/${first}" session=${first} upstream=127.0.0.1:${port}`);

    // Add node-c: reload nginx with three nodes.
    await nginx.reload(["node-a", "node-b", "node-c"].map((id) => `127.0.0.1:${nodes.get(id)?.port}`));
    const seen = new Set<string>();
    await waitFor(
      () => {
        void nodeOf("/healthz").then((node) => seen.add(node));
        return seen.has("node-c");
      },
      5000,
      "nginx to send requests to the new node",
    );
    let movedToC = 0;
    for (const id of sessionIds) {
      const node = await nodeOf(`/api/sessions/${id}`);
      if (node === "node-c") movedToC++;
      else expect(node).toBe(before.get(id));
    }
    console.info(
      `nginx routing: adding a third node moved ${movedToC} of ${sessionIds.length} sessions, all to it`,
    );
    expect(movedToC).toBeGreaterThan(0);
    expect(movedToC).toBeLessThan(sessionIds.length * 0.6);
  });

  it("renders only valid configs", () => {
    expect(() => renderNginxConf({ listen: 8080, relays: [], dir: "/tmp/x" })).toThrow(/at least one relay/);
    expect(() => renderNginxConf({ listen: 8080, relays: ["http://a:1"], dir: "/tmp/x" })).toThrow(
      /bad relay address/,
    );
    expect(() => renderNginxConf({ listen: "80; evil", relays: ["a:1"], dir: "/tmp/x" })).toThrow(
      /bad listen/,
    );
    const conf = renderNginxConf({
      listen: 8080,
      relays: ["10.0.0.11:8787", "10.0.0.12:8787"],
      dir: "/srv/ngx",
    });
    expect(conf).not.toMatch(/\{\{\w+\}\}/);
    expect(conf.match(/server 10\.0\.0\.11:8787 max_fails=3 fail_timeout=10s;/g)).toHaveLength(2);
    expect(conf).toContain("hash $session_key consistent;");
  });
});
