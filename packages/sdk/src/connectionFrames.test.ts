import type { AddressInfo } from "node:net";
import { io } from "socket.io-client";
import { afterEach, describe, expect, it } from "vitest";
import { type WebSocket, WebSocketServer } from "ws";
import type { TypedSocket } from "./connection.ts";
import { installFrameFastPath, sendCoalesced, sendCredit } from "./connectionFrames.ts";

/*
 * The subscriber's frame fast path and the producer's coalesced publish with a real socket.io-client on a
 * real WebSocket, against a peer that writes the relay's bytes by hand (engine.io v4 open packet,
 * socket.io CONNECT, frames as `451-["frame",{"_placeholder":true,"num":0}]` + bytes), so the test sees
 * every byte the client sends.
 */

const cleanups: (() => unknown)[] = [];
afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
});

/** A peer that speaks the relay's bytes by hand; `received` is what the client sent (binary as its length). */
async function scriptedRelay() {
  const server = new WebSocketServer({ port: 0, host: "127.0.0.1" });
  cleanups.push(() => new Promise((resolve) => server.close(resolve)));
  await new Promise((resolve) => server.once("listening", resolve));
  const received: string[] = [];
  const peer = new Promise<WebSocket>((resolve) => {
    server.on("connection", (ws) => {
      ws.send('0{"sid":"e1","upgrades":[],"pingInterval":25000,"pingTimeout":20000,"maxPayload":1000000}');
      ws.on("message", (data, isBinary) => {
        const text = isBinary ? `(binary ${(data as Buffer).length})` : data.toString();
        received.push(text);
        if (text.startsWith("40")) {
          ws.send('40{"sid":"s1"}');
          resolve(ws);
        }
      });
    });
  });
  const socket = io(`http://127.0.0.1:${(server.address() as AddressInfo).port}`, {
    transports: ["websocket"],
    reconnection: false,
  }) as unknown as TypedSocket;
  cleanups.push(() => socket.close());
  return { socket, peer: await peer, received };
}

describe("frame fast path (subscriber)", () => {
  it("hands over each frame's bytes, other events keep their order; credit goes out as socket.io's bytes", async () => {
    const { socket, peer, received } = await scriptedRelay();
    // What reaches socket.io-client's own decoder.
    const decoder = (socket.io as unknown as { decoder: { add(data: unknown): void } }).decoder;
    const decoded: string[] = [];
    const add = decoder.add.bind(decoder);
    decoder.add = (data: unknown) => {
      if (typeof data === "string") decoded.push(data);
      add(data);
    };
    const seen: string[] = [];
    expect(installFrameFastPath(socket, (bytes) => seen.push(`frame ${bytes.length} ${bytes[0]}`))).toBe(
      true,
    );
    socket.on("frame", () => seen.push("through socket.io"));
    socket.on("producer", (event) => seen.push(`producer ${(event as { type: string }).type}`));

    for (let i = 0; i < 5; i++) {
      peer.send('451-["frame",{"_placeholder":true,"num":0}]');
      peer.send(new Uint8Array(100 + i).fill(i));
      if (i === 1) peer.send('42["producer",{"type":"joined"}]');
    }
    await waitFor(() => seen.length === 6);
    expect(seen).toEqual([
      "frame 100 0",
      "frame 101 1",
      "producer joined",
      "frame 102 2",
      "frame 103 3",
      "frame 104 4",
    ]);
    sendCredit(socket, 4);
    sendCredit(socket, 1);
    await waitFor(() => received.filter((r) => r.includes("credit")).length === 2);
    // What socket.emit("credit", n) sends: an engine.io message holding a socket.io EVENT.
    expect(received.filter((r) => r.includes("credit"))).toEqual(['42["credit",4]', '42["credit",1]']);
    expect(decoded.filter((d) => d.includes('"frame"'))).toEqual([]);
    expect(decoded).toContain('2["producer",{"type":"joined"}]');
  });

  it("leaves a frame with an ack id (protocol 1), and a header not followed by bytes, to socket.io", async () => {
    const { socket, peer } = await scriptedRelay();
    const fast: number[] = [];
    installFrameFastPath(socket, (bytes) => fast.push(bytes.length));
    const viaSocketIo: number[] = [];
    socket.on("frame", (payload) => viaSocketIo.push((payload as Uint8Array).length));
    const closed = new Promise<string>((resolve) => socket.on("disconnect", (reason) => resolve(reason)));
    peer.send('451-3["frame",{"_placeholder":true,"num":0}]');
    peer.send(new Uint8Array(5));
    peer.send('451-["frame",{"_placeholder":true,"num":0}]');
    peer.send(new Uint8Array(6));
    await waitFor(() => viaSocketIo.length + fast.length === 2);
    expect(viaSocketIo).toEqual([5]);
    expect(fast).toEqual([6]);
    // A header, then text: socket.io's decoder sees both, as sent, and refuses the connection.
    peer.send('451-["frame",{"_placeholder":true,"num":0}]');
    peer.send('42["producer",{"type":"joined"}]');
    expect(await closed).toBe("parse error");
  });
});

describe("coalesced publish (producer)", () => {
  it("a publish's header and bytes leave in one write to the socket, as socket.io's bytes", async () => {
    const { socket, received } = await scriptedRelay();
    await waitFor(() => socket.connected);
    // Every write to the TCP socket under the WebSocket (Node's net.Socket: `_write` one chunk, `_writev` several).
    const engine = socket.io.engine as unknown as {
      transport: { ws: { _socket: Record<string, unknown> } };
    };
    const tcp = engine.transport.ws._socket as {
      _write: (...args: unknown[]) => void;
      _writev: (...args: unknown[]) => void;
    };
    const writes: string[] = [];
    const write = tcp._write.bind(tcp);
    const writev = tcp._writev.bind(tcp);
    tcp._write = (...args) => {
      writes.push("write");
      write(...args);
    };
    tcp._writev = (chunks, ...rest) => {
      writes.push(`writev ${(chunks as unknown[]).length}`);
      writev(chunks, ...rest);
    };
    const bytes = new Uint8Array(200_000).fill(7);
    sendCoalesced(socket, () => socket.emit("publish", bytes, (() => {}) as never));
    await waitFor(() => received.length >= 2);
    // Before: the header (frame head + text: a writev of 2) and, a tick later, the bytes (a write).
    expect(writes).toEqual(["writev 3"]);
    expect(received.slice(1)).toEqual(['451-0["publish",{"_placeholder":true,"num":0}]', "(binary 200000)"]);
  });
});

async function waitFor(condition: () => boolean, timeoutMs = 3000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!condition()) {
    if (Date.now() > deadline) throw new Error("timed out");
    await new Promise((resolve) => setTimeout(resolve, 5));
  }
}
