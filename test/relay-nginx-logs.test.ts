import { freePort } from "@depthroom/schema/testing";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import WebSocket from "ws";
import { type NginxProcess, startNginx } from "./support/nginx.ts";
import { startTestRelay, type TestRelay } from "./support/relay.ts";

// The shipped nginx config logs no query strings, where old clients still carry tokens: not in the
// access log, and not in the error log, which writes the whole request line when an upstream fails
// (the failover case). One node is down here, so about half the sessions' requests fail over. Before
// the fix the error log held `request: "GET /api/sessions/<id>?token=<token> HTTP/1.1"` lines.

const MARKER = "tokenMarker0123456789";

describe("nginx: no query strings in its logs", () => {
  let relay: TestRelay;
  let nginx: NginxProcess;

  beforeAll(async () => {
    relay = await startTestRelay();
    nginx = await startNginx([`127.0.0.1:${await freePort()}`, new URL(relay.url).host]);
  });
  afterAll(async () => {
    await nginx?.stop();
    await relay?.close();
  });

  it("keeps tokens out of the access and error logs, failover included", async () => {
    const session = await relay.createSession();
    const ids = [
      session.id,
      ...Array.from({ length: 12 }, (_, i) => `${"A".repeat(20)}${i}${i}`.slice(0, 22)),
    ];
    for (const id of ids) {
      const response = await fetch(`${nginx.url}/api/sessions/${id}?token=${MARKER}&x=${MARKER}`);
      await response.arrayBuffer();
      await new Promise<void>((resolve) => {
        const ws = new WebSocket(`${nginx.url.replace("http", "ws")}/yjs/${id}?token=${MARKER}`);
        ws.on("error", () => resolve());
        ws.on("close", () => resolve());
        ws.on("open", () => ws.close());
      });
    }
    // Let nginx write its logs.
    await new Promise((resolve) => setTimeout(resolve, 300));
    const access = await nginx.accessLog();
    const errors = await nginx.errorLog();
    expect(access.split("\n").filter(Boolean).length).toBeGreaterThanOrEqual(ids.length * 2);
    // The failover shows in the access log: a dead node tried first, then the live one.
    expect(access).toMatch(/upstream=\S+, \S+/);
    expect(access).not.toContain(MARKER);
    expect(errors).not.toContain(MARKER);
  });
});
