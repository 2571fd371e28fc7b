import { connect } from "node:net";
import { describe, expect, it } from "vitest";
import { relayProcessForBlock } from "./support/relay.ts";

// Unparsable request targets (`curl --path-as-is http://HOST//`) on a relay process: plain requests
// get 400 with a named error, upgrades get their socket closed, and the process keeps serving. Before
// the fix, `new URL(req.url, base)` threw from the request and upgrade listeners and the process died.

const TARGETS = ["//", "///", "//:99999/", "http://[", "//a@b@c/yjs/x", "/%zz%", "\\\\"];
/** Targets Node's HTTP parser itself refuses (before any listener): a bare 400. */
const PARSER_REFUSED = new Set(["\\\\"]);

/** Send `request` on a fresh TCP connection; resolves with everything read until the peer closes. */
function rawRequest(url: string, request: string, timeoutMs = 5000): Promise<string> {
  const { hostname, port } = new URL(url);
  return new Promise((resolve, reject) => {
    const socket = connect(Number(port), hostname);
    let received = "";
    const timer = setTimeout(() => {
      socket.destroy();
      reject(
        new Error(`no close within ${timeoutMs} ms; received ${JSON.stringify(received.slice(0, 200))}`),
      );
    }, timeoutMs);
    socket.on("data", (chunk) => {
      received += chunk.toString("latin1");
    });
    socket.on("error", () => {}); // a reset is a close too
    socket.on("close", () => {
      clearTimeout(timer);
      resolve(received);
    });
    socket.write(request);
  });
}

describe("relay request targets", () => {
  const relay = relayProcessForBlock();

  const healthy = async () => {
    const response = await fetch(`${relay().url}/healthz`, { signal: AbortSignal.timeout(3000) });
    expect(response.status).toBe(200);
  };

  it("answers 400 to a request whose target does not parse, and stays up", async () => {
    for (const target of TARGETS) {
      const answer = await rawRequest(
        relay().url,
        `GET ${target} HTTP/1.1\r\nHost: relay\r\nConnection: close\r\n\r\n`,
      );
      const status = /^HTTP\/1\.1 (\d{3})/.exec(answer)?.[1];
      expect({ target, status }).toEqual({ target, status: "400" });
      if (!PARSER_REFUSED.has(target)) expect(answer).toContain('"code":"bad-message"');
      await healthy();
    }
    expect(relay().output()).not.toContain("Invalid URL");
  });

  it("closes an upgrade whose target does not parse, and stays up", async () => {
    for (const target of TARGETS) {
      const answer = await rawRequest(
        relay().url,
        `GET ${target} HTTP/1.1\r\nHost: relay\r\nConnection: Upgrade\r\nUpgrade: websocket\r\n` +
          "Sec-WebSocket-Version: 13\r\nSec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\n\r\n",
      );
      expect(answer).not.toMatch(/^HTTP\/1\.1 101/);
      await healthy();
    }
    expect(relay().output()).not.toContain("Invalid URL");
  });

  it("does not read a target starting with // as a host: //x/healthz is no route", async () => {
    const answer = await rawRequest(
      relay().url,
      "GET //x/healthz HTTP/1.1\r\nHost: relay\r\nConnection: close\r\n\r\n",
    );
    expect(answer).not.toMatch(/^HTTP\/1\.1 200/);
    await healthy();
  });
});
