import { createServer } from "node:http";
import type { AddressInfo } from "node:net";
import { Server } from "socket.io";
import { io as connect } from "socket.io-client";
import { afterEach, describe, expect, it } from "vitest";
import { WebSocket, WebSocketServer } from "ws";
import { guardListeners } from "./listenerGuard.ts";

describe("guardListeners", () => {
  const cleanups: (() => void)[] = [];
  afterEach(() => {
    for (const cleanup of cleanups.splice(0)) cleanup();
  });

  it("hands a throwing or rejecting handler to fail; the server and other handlers go on", async () => {
    const http = createServer();
    const server = new Server(http, { transports: ["websocket"] });
    cleanups.push(() => server.close());
    const failures: string[] = [];
    server.use((socket, next) => {
      guardListeners(socket, (event, error) => failures.push(`${event}: ${(error as Error).message}`));
      next();
    });
    server.on("connection", (socket) => {
      socket.on("throws", () => {
        throw new Error("sync");
      });
      socket.on("rejects", async () => {
        throw new Error("async");
      });
      socket.on("echo", (value: string, ack: (value: string) => void) => ack(value));
    });
    await new Promise<void>((resolve) => http.listen(0, "127.0.0.1", resolve));
    const client = connect(`http://127.0.0.1:${(http.address() as AddressInfo).port}`, {
      transports: ["websocket"],
    });
    cleanups.push(() => client.close());
    client.emit("throws");
    client.emit("rejects");
    expect(await client.emitWithAck("echo", "still here")).toBe("still here");
    await new Promise((resolve) => setTimeout(resolve, 50));
    expect(failures.sort()).toEqual(["rejects: async", "throws: sync"]);
  });

  it("guards a ws socket's handlers the same way", async () => {
    const wss = new WebSocketServer({ port: 0, host: "127.0.0.1" });
    cleanups.push(() => wss.close());
    await new Promise((resolve) => wss.once("listening", resolve));
    const failures: string[] = [];
    const echoed = new Promise<string>((resolve) => {
      wss.on("connection", (ws) => {
        guardListeners(ws, (event, error) => failures.push(`${event}: ${(error as Error).message}`));
        let first = true;
        ws.on("message", (data) => {
          if (first) {
            first = false;
            throw new Error("bad message");
          }
          ws.send(data);
        });
      });
      const client = new WebSocket(`ws://127.0.0.1:${(wss.address() as AddressInfo).port}`);
      cleanups.push(() => client.terminate());
      client.on("open", () => {
        client.send("boom");
        client.send("echo");
      });
      client.on("message", (data) => resolve(String(data)));
    });
    expect(await echoed).toBe("echo");
    expect(failures).toEqual(["message: bad message"]);
  });
});
