import { readFileSync } from "node:fs";
import { DepthImage, depthImage3dExample, encodeMessage } from "@depthroom/schema";
import { describe, expect, it } from "vitest";
import WebSocket from "ws";
import { connectFrames, publish } from "./support/clients.ts";
import { createSession, relayProcessForBlock } from "./support/relay.ts";

// Half-finished socket.io binary packets from sockets no namespace admitted (no token, never a
// CONNECT) must not be buffered: before the fix, a `4510-` header then nine 8 MiB attachments per
// socket sat in the relay's memory (two sockets: about +150 MiB RSS), as the issue saw (99 -> 706 MiB).
// Now a socket that has not been admitted may send small messages only (the WebSocket is closed past
// them, nothing read), and an admitted one one attachment per packet, at most the message limit.

const ATTACHMENT_BYTES = 8 * 1024 * 1024;
const SOCKETS = 2;
const RSS_GROWTH_BOUND = 48 * 1024 * 1024;

function rssBytes(pid: number): number {
  const status = readFileSync(`/proc/${pid}/status`, "utf8");
  const kb = /VmRSS:\s+(\d+) kB/.exec(status)?.[1];
  if (!kb) throw new Error("no VmRSS");
  return Number(kb) * 1024;
}

/** A raw engine.io WebSocket to the relay: no token, no socket.io CONNECT. */
function rawEngineSocket(url: string): Promise<WebSocket> {
  const ws = new WebSocket(`${url.replace(/^http/, "ws")}/socket.io/?EIO=4&transport=websocket`);
  return new Promise((resolve, reject) => {
    ws.once("open", () => resolve(ws));
    ws.once("error", reject);
  });
}

function sendAll(ws: WebSocket, messages: (string | Uint8Array)[]): Promise<void> {
  return new Promise((resolve) => {
    let left = messages.length;
    for (const message of messages) {
      ws.send(message, () => {
        if (--left === 0) resolve();
      });
    }
  });
}

describe("relay: nothing buffered for sockets no namespace admitted", () => {
  const relay = relayProcessForBlock();

  it("half-sent binary packets from unadmitted sockets do not grow the relay's memory", async () => {
    const before = rssBytes(relay().pid);
    const attachment = new Uint8Array(ATTACHMENT_BYTES).fill(7);
    const sockets = await Promise.all(Array.from({ length: SOCKETS }, () => rawEngineSocket(relay().url)));
    const closed = sockets.map((ws) => new Promise<void>((resolve) => ws.once("close", () => resolve())));
    await Promise.all(
      sockets.map((ws) => {
        ws.on("error", () => {});
        // An engine.io message ("4") holding a socket.io binary event with 10 attachments, then 9 of them.
        const header = `4510-["publish",${JSON.stringify(Array.from({ length: 10 }, (_, num) => ({ _placeholder: true, num })))}]`;
        return Promise.race([
          sendAll(ws, [header, ...Array.from({ length: 9 }, () => attachment)]),
          closed[0],
        ]);
      }),
    );
    await new Promise((resolve) => setTimeout(resolve, 1000));
    const growth = rssBytes(relay().pid) - before;
    // Either way the relay must not hold the attachments; today's relay also closes those sockets.
    expect(growth, `RSS growth ${(growth / 2 ** 20).toFixed(0)} MiB`).toBeLessThan(RSS_GROWTH_BOUND);
    const states = sockets.map((ws) => ws.readyState);
    for (const ws of sockets) ws.terminate();
    expect(states.every((state) => state === WebSocket.CLOSED || state === WebSocket.CLOSING)).toBe(true);
    const health = await fetch(`${relay().url}/healthz`);
    expect(health.status).toBe(200);
  });

  it("a small binary packet before admission closes the socket too (nothing held for it)", async () => {
    const ws = await rawEngineSocket(relay().url);
    ws.on("error", () => {});
    const closed = new Promise<void>((resolve) => ws.once("close", () => resolve()));
    ws.send('451-["publish",{"_placeholder":true,"num":0}]');
    ws.send(new Uint8Array(1024));
    await closed;
    expect(ws.readyState).toBe(WebSocket.CLOSED);
  });

  it("an admitted producer still publishes a large frame, and a packet of two attachments is cut", async () => {
    const session = await createSession(relay().url);
    const { socket } = await connectFrames(relay().url, session.id, session.tokens.publish);
    try {
      const [pinhole] = depthImage3dExample().map((m) => encodeMessage(m));
      expect(await publish(socket, pinhole as Uint8Array)).toEqual({ ok: true });
      // A frame just under the default 16 MiB limit still goes through once the socket is admitted.
      const large = encodeMessage({
        entityPath: "world/camera/depth",
        timelines: [],
        archetype: new DepthImage(new Float32Array(2000 * 2000).fill(1.5), { width: 2000, height: 2000 }),
      });
      expect(large.byteLength).toBeGreaterThan(15_000_000);
      expect(await publish(socket, large)).toEqual({ ok: true });
      const disconnected = new Promise<string>((resolve) => socket.once("disconnect", resolve));
      socket.emit("publish", [new Uint8Array(8), new Uint8Array(8)] as unknown as Uint8Array, () => {});
      expect(await disconnected).toMatch(/close|error/);
    } finally {
      socket.close();
    }
    const health = await fetch(`${relay().url}/healthz`);
    expect(health.status).toBe(200);
  });
});
