import {
  CloseCode,
  type CreateSessionResponse,
  depthImage3dExample,
  ErrorCode,
  encodeMessage,
  type PublishResult,
  type Refusal,
} from "@depthroom/schema";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import WebSocket from "ws";
import {
  collectFrames,
  connectFrames,
  type FrameSocket,
  openDoc,
  publish,
  subscribe,
  waitFor,
} from "./support/clients.ts";
import { startTestRelay, type TestRelay } from "./support/relay.ts";

// Bad input: truncated and malformed messages, oversize frames, a flood beyond the rate limit, a
// malformed y-websocket message: each refused with its named error, the relay stays up and the other
// clients of the same session keep receiving.

const MAX_MESSAGE_BYTES = 1024 * 1024;
const RATE = 40;
const STREAK = 30;

describe("relay bad input", () => {
  let relay: TestRelay;
  let session: CreateSessionResponse;
  let goodProducer: FrameSocket;
  let viewer: FrameSocket;
  let received: { bytes: Uint8Array }[];
  const cleanups: (() => void)[] = [];
  const [pinhole, depth] = depthImage3dExample().map((m) => encodeMessage(m)) as [Uint8Array, Uint8Array];

  beforeAll(async () => {
    relay = await startTestRelay({
      limits: {
        maxMessageBytes: MAX_MESSAGE_BYTES,
        maxMessagesPerSecond: RATE,
        messageBurst: RATE,
        maxRefusalStreak: STREAK,
        maxEntitiesPerSession: 4,
      },
      logLevel: "error",
    });
    session = await relay.createSession();
    goodProducer = (await connectFrames(relay.url, session.id, session.tokens.publish, { name: "good" }))
      .socket;
    viewer = (await connectFrames(relay.url, session.id, session.tokens.view)).socket;
    cleanups.push(
      () => goodProducer.close(),
      () => viewer.close(),
    );
    received = collectFrames(viewer);
    await subscribe(viewer);
  });
  afterAll(async () => {
    for (const cleanup of cleanups.splice(0)) cleanup();
    await relay.close();
  });

  /** The other clients still get frames: a good producer's next frame reaches the viewer. */
  const othersKeepReceiving = async () => {
    const before = received.length;
    expect(await publish(goodProducer, depth)).toEqual({ ok: true });
    await waitFor(() => received.length > before, 3000, "the viewer to keep receiving");
    expect(Buffer.from(received.at(-1)!.bytes).equals(Buffer.from(depth))).toBe(true);
  };

  const badProducer = async () => {
    const { socket } = await connectFrames(relay.url, session.id, session.tokens.publish, { name: "bad" });
    cleanups.push(() => socket.close());
    return socket;
  };

  it("refuses truncated and malformed messages with a named error and keeps the connection", async () => {
    const producer = await badProducer();
    const wrongVersion = new Uint8Array(pinhole);
    wrongVersion[4] = 99;
    const wrongKind = new Uint8Array(pinhole);
    wrongKind[5] = 42;
    const cases: [string, unknown, string][] = [
      ["truncated", depth.subarray(0, depth.length - 10), ErrorCode.BadMessage],
      ["header only", pinhole.subarray(0, 6), ErrorCode.BadMessage],
      ["not ours", new TextEncoder().encode("GIF89a, definitely not depth"), ErrorCode.BadMessage],
      ["empty", new Uint8Array(0), ErrorCode.BadMessage],
      ["a string", "hello", ErrorCode.BadMessage],
      ["an object", { entityPath: "world" }, ErrorCode.BadMessage],
      ["another protocol version", wrongVersion, ErrorCode.VersionMismatch],
      ["an unknown archetype", wrongKind, ErrorCode.BadMessage],
    ];
    for (const [what, payload, code] of cases) {
      const result = await publish(producer, payload as Uint8Array);
      expect(result, what).toMatchObject({ ok: false, code });
      expect((result as Refusal).message.length, what).toBeGreaterThan(0);
    }
    expect(producer.connected).toBe(true);
    expect(await publish(producer, pinhole)).toEqual({ ok: true });
    await othersKeepReceiving();
  });

  it("refuses oversize frames (message-too-large) and closes a connection beyond the hard cap", async () => {
    const producer = await badProducer();
    const big = new Uint8Array(MAX_MESSAGE_BYTES + 1000);
    big.set(depth.subarray(0, 16));
    expect(await publish(producer, big)).toMatchObject({ ok: false, code: ErrorCode.MessageTooLarge });
    expect(producer.connected).toBe(true);
    await othersKeepReceiving();

    // Beyond the limit plus framing (64 KiB) the WebSocket itself is closed (1009); the relay and everyone else go on.
    const disconnected = new Promise<string>((resolve) => producer.once("disconnect", resolve));
    producer.emit("publish", new Uint8Array(MAX_MESSAGE_BYTES * 2 + 2 * 1024 * 1024), () => {});
    expect(await disconnected).toBe("transport close");
    await othersKeepReceiving();
  });

  it("refuses too many entities (too-many-entities)", async () => {
    const producer = await badProducer();
    const results: PublishResult[] = [];
    for (let i = 0; i < 5; i++) {
      results.push(
        await publish(producer, encodeMessage({ ...depthImage3dExample()[0]!, entityPath: `extra/${i}` })),
      );
    }
    expect(results.filter((r) => r.ok).length).toBeLessThanOrEqual(2);
    expect(results.at(-1)).toMatchObject({ ok: false, code: ErrorCode.TooManyEntities });
    await othersKeepReceiving();
  });

  it("rate-limits a flooding producer, then disconnects it with a problem naming the reason", async () => {
    const producer = await badProducer();
    const acks: PublishResult[] = [];
    const problems: Refusal[] = [];
    producer.on("problem", (problem) => problems.push(problem));
    const disconnected = new Promise<string>((resolve) => producer.once("disconnect", resolve));
    for (let i = 0; i < RATE + STREAK + 50; i++)
      producer.emit("publish", pinhole, (result) => acks.push(result));
    expect(await disconnected).toBe("io server disconnect");
    const accepted = acks.filter((a) => a.ok).length;
    expect(accepted).toBeGreaterThanOrEqual(RATE - 2);
    expect(accepted).toBeLessThanOrEqual(RATE + 2);
    expect(acks.filter((a) => !a.ok && a.code === ErrorCode.RateLimited).length).toBeGreaterThanOrEqual(
      STREAK - 1,
    );
    expect(problems).toMatchObject([{ code: ErrorCode.RateLimited }]);
    await othersKeepReceiving();
    const metrics = await fetch(`${relay.url}/metrics`).then((r) => r.text());
    for (const reason of [
      "bad-message",
      "message-too-large",
      "rate-limited",
      "too-many-entities",
      "version-mismatch",
    ]) {
      expect(metrics).toMatch(new RegExp(`^depthroom_rejected_total\\{reason="${reason}"\\} [1-9]`, "m"));
    }
  });

  it("closes a y-websocket connection that sends a malformed message (4400), others keep syncing", async () => {
    const editor = openDoc(relay.url, session.id, session.tokens.edit);
    const reader = openDoc(relay.url, session.id, session.tokens.view);
    cleanups.push(
      () => editor.destroy(),
      () => reader.destroy(),
    );
    await Promise.all([editor.synced(), reader.synced()]);
    const garbage: [string, Uint8Array | string][] = [
      ["unknown message type", new Uint8Array([7, 1, 2, 3])],
      ["sync step with a bad update", new Uint8Array([0, 2, 5, 255, 255, 255, 255, 255])],
      ["truncated awareness", new Uint8Array([1, 40, 1, 2])],
      ["awareness with bad JSON", new Uint8Array([1, 6, 1, 1, 1, 2, 123, 120])],
      ["a text frame", "hello"],
    ];
    const wsUrl = `${relay.url.replace(/^http/, "ws")}/yjs/${session.id}?token=${encodeURIComponent(session.tokens.edit)}`;
    for (const [what, payload] of garbage) {
      const ws = new WebSocket(wsUrl);
      cleanups.push(() => ws.terminate());
      const close = await new Promise<{ code: number; reason: string }>((resolve, reject) => {
        ws.once("open", () => ws.send(payload));
        ws.once("close", (code, reason) => resolve({ code, reason: reason.toString() }));
        ws.once("error", reject);
      });
      expect(close.code, what).toBe(CloseCode.BadMessage);
      expect(close.reason, what).toMatch(/^bad-message: /);
    }
    editor.doc.getMap("annotations").set("after-garbage", true);
    await waitFor(
      () => reader.doc.getMap("annotations").get("after-garbage") === true,
      3000,
      "the reader to sync",
    );
    await othersKeepReceiving();
  });

  it("answers bad HTTP requests with named errors", async () => {
    const post = (body: string) => fetch(`${relay.url}/api/sessions`, { method: "POST", body });
    let response = await post("{not json");
    expect(response.status).toBe(400);
    expect(await response.json()).toMatchObject({ error: { code: ErrorCode.BadMessage } });
    response = await post(JSON.stringify({ title: 42 }));
    expect(response.status).toBe(400);
    response = await post(JSON.stringify({ title: "x".repeat(20_000) }));
    expect(response.status).toBe(413);
    expect(await response.json()).toMatchObject({ error: { code: ErrorCode.MessageTooLarge } });
    response = await fetch(`${relay.url}/api/sessions/${session.id}`);
    expect(response.status).toBe(401);
    response = await fetch(`${relay.url}/api/nowhere`);
    expect(response.status).toBe(400);
    expect((await fetch(`${relay.url}/healthz`)).status).toBe(200);
    await othersKeepReceiving();
  });
});
