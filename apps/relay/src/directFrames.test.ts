import { createServer } from "node:http";
import type { AddressInfo } from "node:net";
import { Server, type Socket } from "socket.io";
import { type Socket as ClientSocket, io } from "socket.io-client";
import { afterEach, describe, expect, it } from "vitest";
import * as ws from "ws";
import {
  connectionBuffer,
  directFrameWriter,
  framingFor,
  installCreditFastPath,
  installDirectAcks,
  installPublishFastPath,
  webSocketFrameHeader,
  webSocketTextFrame,
} from "./directFrames.ts";

/** What ws's own sender puts on the wire for `data` from a server (unmasked, one final frame). */
function wsFrame(data: Buffer, opcode: number): Buffer {
  const options = { fin: true, mask: false, opcode, readOnly: true, rsv1: false };
  const { Sender } = ws as unknown as { Sender: { frame(d: Buffer, o: object): Buffer[] } };
  return Buffer.concat(Sender.frame(data, options));
}

describe("WebSocket framing built once per frame length", () => {
  it("is byte for byte what ws sends, at every length class (7-bit, 16-bit, 64-bit)", () => {
    for (const length of [0, 1, 125, 126, 127, 1000, 65535, 65536, 177210, 5_000_000]) {
      const payload = Buffer.alloc(length, 7);
      const binary = Buffer.concat([webSocketFrameHeader(2, length), payload]);
      expect(binary.equals(wsFrame(payload, 2)), `binary, ${length} bytes`).toBe(true);
      const text = "é".repeat(Math.min(length, 70000));
      expect(webSocketTextFrame(text).equals(wsFrame(Buffer.from(text), 1)), `text, ${length} chars`).toBe(
        true,
      );
    }
    // The header message and the binary header, shared by every viewer of a frame, never rewritten.
    const framing = framingFor(177210);
    const copy = Buffer.from(framing);
    expect(framingFor(177210)).toBe(framing);
    expect(framingFor(1000)).not.toBe(framing);
    expect(framing).toEqual(copy);
    expect(copy).toEqual(
      Buffer.concat([
        wsFrame(Buffer.from('451-["frame",{"_placeholder":true,"num":0}]'), 1),
        webSocketFrameHeader(2, 177210),
      ]),
    );
  });
});

/* The hot-path shortcuts against a real socket.io server and client on port 0. */

describe("direct frame writes and the credit, publish and ack fast paths", () => {
  const cleanups: (() => unknown)[] = [];
  afterEach(async () => {
    for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
  });

  /** A socket.io server on port 0 and a client connected to it (WebSocket only), torn down after the test. */
  async function connectedPair(): Promise<{ socket: Socket; client: ClientSocket }> {
    const http = createServer();
    const server = new Server(http, { transports: ["websocket"], perMessageDeflate: false });
    cleanups.push(() => new Promise((resolve) => server.close(resolve)));
    await new Promise<void>((resolve) => http.listen(0, "127.0.0.1", resolve));
    const connected = new Promise<Socket>((resolve) => server.on("connection", resolve));
    const client = io(`http://127.0.0.1:${(http.address() as AddressInfo).port}`, {
      transports: ["websocket"],
      reconnection: false,
    });
    cleanups.push(() => client.close());
    return { socket: await connected, client };
  }

  /** The text packets socket.io's own decoder sees on `socket` from now on. */
  function decodedStrings(socket: Socket): string[] {
    const decoded: string[] = [];
    const decoder = (socket.client as unknown as { decoder: { add(data: unknown): void } }).decoder;
    const add = decoder.add.bind(decoder);
    decoder.add = (data: unknown) => {
      if (typeof data === "string") decoded.push(data);
      add(data);
    };
    return decoded;
  }

  /** Resolves once `condition()` holds (polled every 5 ms), rejects with `what` after 5 s. */
  function until(condition: () => boolean, what: () => string): Promise<void> {
    return new Promise<void>((resolve, reject) => {
      const timer = setTimeout(() => {
        clearInterval(check);
        reject(new Error(what()));
      }, 5000);
      const check = setInterval(() => {
        if (!condition()) return;
        clearInterval(check);
        clearTimeout(timer);
        resolve();
      }, 5);
    });
  }

  it("deliver the same bytes as socket.emit, and take credit beside socket.io's decoder", async () => {
    const { socket, client } = await connectedPair();
    const received: Uint8Array[] = [];
    client.on("frame", (payload: ArrayBuffer) => received.push(new Uint8Array(payload)));

    const write = directFrameWriter(socket);
    expect(write).toBeDefined();
    // Flow control reads the connection's buffers (latestWins.ts): it must find them.
    const buffer = connectionBuffer(socket);
    expect(buffer).toBeDefined();
    let drains = 0;
    buffer?.watchDrain(() => drains++);
    const credits: unknown[] = [];
    expect(installCreditFastPath(socket, (payload) => credits.push(payload))).toBe(true);
    const viaSocketIo: unknown[] = [];
    socket.on("credit", (payload: unknown) => viaSocketIo.push(payload));
    const decoded = decodedStrings(socket);
    // engine.io's packets: the credits come from the WebSocket itself, past engine.io too.
    const packets: unknown[] = [];
    socket.conn.on("packet", (packet: { data?: unknown }) => packets.push(packet.data));

    // Every length class of the WebSocket header (7-bit, 16-bit, 64-bit), lengths alternating as frames do.
    const lengths = [0, 1, 125, 126, 65535, 65536, 177210];
    const frames = Array.from({ length: 50 }, (_, i) =>
      new Uint8Array(i < lengths.length ? (lengths[i] as number) : 1000 + (i % 3)).fill(i),
    );
    let viaEmit = 0;
    for (const frame of frames) {
      if (!write?.(frame)) {
        viaEmit++;
        socket.emit("frame", frame);
      }
    }
    await until(
      () => received.length === 50,
      () => `${received.length} of 50 frames`,
    );
    expect(received.map((r) => [r.length, r[0]])).toEqual(frames.map((f) => [f.length, f[0]]));
    expect(viaEmit).toBeLessThan(50);
    expect(buffer?.bufferedBytes()).toBe(0);
    // A frame larger than the kernel takes in one go (send buffer up to 4 MiB, the peer's autotuned
    // receive buffer up to 32 MiB here): its write buffer empties later, and says so.
    expect(write?.(new Uint8Array(64 << 20))).toBe(true);
    expect(buffer?.bufferedBytes()).toBeGreaterThan(0);
    await until(
      () => received.length === 51,
      () => "the big frame",
    );
    await until(
      () => drains >= 1,
      () => "no drain",
    );
    buffer?.watchDrain(null);

    // Credit as socket.io-client sends it is taken here; any payload but decimal digits goes through
    // socket.io's decoder (which reads "lots" as a string for the handler to refuse).
    client.emit("credit", 4);
    client.emit("credit", 1);
    client.emit("credit", "lots");
    await until(
      () => credits.length === 2 && viaSocketIo.length === 1,
      () => `${credits.length} of 2 credits, ${viaSocketIo.length} of 1 via socket.io`,
    );
    expect(credits).toEqual([4, 1]);
    expect(viaSocketIo).toEqual(["lots"]);
    expect(decoded.filter((d) => d.includes("credit"))).toEqual(['2["credit","lots"]']);
    expect(packets.filter((d) => String(d).includes("credit"))).toEqual(['2["credit","lots"]']);
    // Anything else is socket.io's business, through its decoder.
    const answer = await new Promise((resolve) => {
      socket.on("question", (ack: (a: string) => void) => ack("answer"));
      client.emit("question", resolve);
    });
    expect(answer).toBe("answer");
    expect(decoded.some((d) => d.includes('"question"'))).toBe(true);

    // What JSON (so socket.io's decoder) refuses is not read here as a number (Number("0x10") is 16):
    // socket.io closes the connection, as for any packet it cannot parse (reviewer, 07:18).
    const closed = new Promise((resolve) => socket.once("disconnect", resolve));
    (client.io.engine as unknown as { write(text: string): void }).write('2["credit",0x10]');
    expect(await closed).toBe("forced close");
    expect(credits).toEqual([4, 1]);
  });

  it("answer an event's ack straight to the WebSocket with socket.io's bytes, binary answers through socket.io", async () => {
    const { socket, client } = await connectedPair();
    expect(installDirectAcks(socket)).toBe(true);
    // Packets that went through engine.io's own send path (socket.io's ack does; ours does not).
    const viaEngine: unknown[] = [];
    socket.conn.on("packetCreate", (packet: { data?: unknown }) => viaEngine.push(packet.data));
    let calls = 0;
    socket.on("publish", (bytes: Buffer, ack: (result: unknown) => void) => {
      calls++;
      // A long, non-ASCII answer now and then: a 16-bit length of UTF-8 bytes, not characters.
      const seq = bytes.length % 5 === 0 ? "é".repeat(100 + bytes.length) : bytes.length;
      const answer = bytes[0] === 1 ? { ok: true, nested: { seq } } : { blob: bytes };
      ack(answer);
      ack({ again: true }); // a second call is ignored, as socket.io's own
    });
    const answers: unknown[] = [];
    for (let i = 0; i < 20; i++) {
      answers.push(await client.timeout(2000).emitWithAck("publish", new Uint8Array(100 + i).fill(1)));
    }
    expect(answers).toEqual(
      Array.from({ length: 20 }, (_, i) => ({
        ok: true,
        nested: { seq: (100 + i) % 5 === 0 ? "é".repeat(200 + i) : 100 + i },
      })),
    );
    expect(viaEngine).toEqual([]);
    const binary = (await client.timeout(2000).emitWithAck("publish", new Uint8Array([2, 3]))) as {
      blob: ArrayBuffer;
    };
    expect([...new Uint8Array(binary.blob)]).toEqual([2, 3]);
    expect(viaEngine.length).toBeGreaterThan(0);
    expect(calls).toBe(21);
  });
  it("take a publish and its bytes beside socket.io's decoder, answered with the direct ack; anything else through socket.io", async () => {
    const { socket, client } = await connectedPair();
    const decoded = decodedStrings(socket);
    expect(installDirectAcks(socket)).toBe(true);
    const routes: string[] = [];
    const handler = (route: string) => (bytes: unknown, ack: unknown) => {
      routes.push(route);
      const view = bytes as Uint8Array;
      if (typeof ack === "function") ack({ ok: true, length: view.length, first: view[0] });
    };
    expect(installPublishFastPath(socket, handler("fast"))).toBe(true);
    socket.on("publish", handler("socket.io"));
    socket.on("other", (bytes: Buffer, ack: (n: number) => void) => ack(bytes.length));
    const packets: unknown[] = [];
    socket.conn.on("packet", (packet: { data?: unknown }) => packets.push(packet.data));

    const answers: unknown[] = [];
    for (let i = 0; i < 20; i++) {
      const bytes = new Uint8Array(1000 + i).fill(i);
      answers.push(await client.timeout(2000).emitWithAck("publish", bytes));
      // Another binary event between publishes: socket.io's, with its attachment.
      if (i % 5 === 0) expect(await client.timeout(2000).emitWithAck("other", new Uint8Array(7))).toBe(7);
    }
    expect(answers).toEqual(Array.from({ length: 20 }, (_, i) => ({ ok: true, length: 1000 + i, first: i })));
    expect(routes).toEqual(Array(20).fill("fast"));
    expect(decoded.filter((d) => d.includes('"publish"'))).toEqual([]);
    expect(decoded.filter((d) => d.includes('"other"')).length).toBe(4);
    // Neither the publish header nor its bytes reached engine.io (the other event's did).
    expect(packets.filter((d) => String(d).includes('"publish"'))).toEqual([]);
    expect(packets.filter((d) => d instanceof Uint8Array && d.length >= 1000)).toEqual([]);
    expect(packets.filter((d) => String(d).includes('"other"')).length).toBe(4);
    // A publish without an ack (no id) is socket.io's.
    client.emit("publish", new Uint8Array([9]));
    await new Promise<void>((resolve) => {
      const check = setInterval(() => {
        if (routes.length === 21) {
          clearInterval(check);
          resolve();
        }
      }, 5);
    });
    expect(routes[20]).toBe("socket.io");
  });
});
