import { createServer } from "node:http";
import type { AddressInfo } from "node:net";
import { Server } from "socket.io";
import { io as connect } from "socket.io-client";
import { afterEach, describe, expect, it } from "vitest";
import { guardSocketListeners } from "./socketAdmission.ts";

describe("guardSocketListeners", () => {
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
      guardSocketListeners(socket, (event, error) => failures.push(`${event}: ${(error as Error).message}`));
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
});
