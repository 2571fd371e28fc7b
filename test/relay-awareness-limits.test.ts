import type { CreateSessionResponse } from "@depthroom/schema";
import { CloseCode } from "@depthroom/schema";
import * as encoding from "lib0/encoding";
import { describe, expect, it } from "vitest";
import WebSocket from "ws";
import { cleanupsAfterEach } from "./support/cleanups.ts";
import { relayWithSession, type TestRelay } from "./support/relay.ts";

// Awareness limits hold before any JSON is parsed, by bytes as well as by messages, and per client
// address as well as per connection (issue 12 item 10). Raw WebSockets speaking the y-protocols bytes.

/** A y-protocols awareness message with one entry whose state is `json` verbatim. */
function awarenessBytes(clientID: number, clock: number, json: string): Uint8Array {
  const inner = encoding.createEncoder();
  encoding.writeVarUint(inner, 1);
  encoding.writeVarUint(inner, clientID);
  encoding.writeVarUint(inner, clock);
  encoding.writeVarString(inner, json);
  const outer = encoding.createEncoder();
  encoding.writeVarUint(outer, 1);
  encoding.writeVarUint8Array(outer, encoding.toUint8Array(inner));
  return encoding.toUint8Array(outer);
}

const state = (name: string, padding = 0) =>
  JSON.stringify({
    user: { id: `user-${name}`, name, color: "#3cb44b" },
    camera: null,
    pointer: null,
    selection: null,
    pad: "x".repeat(padding),
  });

interface RawDoc {
  readonly ws: WebSocket;
  /** Close code once closed, else undefined. */
  closed(): { code: number; reason: string } | undefined;
  send(bytes: Uint8Array): void;
}

async function rawDoc(relay: TestRelay, session: CreateSessionResponse): Promise<RawDoc> {
  const ws = new WebSocket(
    `${relay.url.replace(/^http/, "ws")}/yjs/${session.id}?token=${session.tokens.view}`,
  );
  let closed: { code: number; reason: string } | undefined;
  ws.on("close", (code, reason) => (closed = { code, reason: reason.toString() }));
  ws.on("error", () => {});
  await new Promise((resolve, reject) => {
    ws.once("open", resolve);
    ws.once("error", reject);
  });
  return { ws, closed: () => closed, send: (bytes) => ws.send(bytes) };
}

async function metrics(relay: TestRelay): Promise<string> {
  return (await fetch(`${relay.url}/metrics`)).text();
}
const dropped = (text: string, reason: string) =>
  Number(new RegExp(`depthroom_awareness_dropped_total\\{reason="${reason}"\\} (\\d+)`).exec(text)?.[1] ?? 0);

const settle = () => new Promise((resolve) => setTimeout(resolve, 300));

describe("awareness limits", () => {
  const cleanups = cleanupsAfterEach();

  async function setup(limits = {}) {
    const { relay, session } = await relayWithSession(cleanups, { limits });
    const open = async () => {
      const doc = await rawDoc(relay, session);
      cleanups.push(() => doc.ws.terminate());
      return doc;
    };
    return { relay, session, open };
  }

  it("drops an oversized state by its declared length, without parsing it", async () => {
    const { relay, open } = await setup();
    const doc = await open();
    // Not JSON at all: parsed, it would be a malformed message (the connection closed with 4400).
    doc.send(awarenessBytes(7, 1, `{${"x".repeat(64 * 1024)}`));
    doc.send(awarenessBytes(7, 2, state("Ann")));
    await settle();
    expect(doc.closed()).toBeUndefined();
    expect(dropped(await metrics(relay), "invalid")).toBe(1);
  });

  it("closes a connection whose awareness message is larger than its byte budget", async () => {
    const { open } = await setup();
    const doc = await open();
    doc.send(awarenessBytes(7, 1, state("Ann", 4 * 1024 * 1024)));
    await settle();
    expect(doc.closed()).toMatchObject({ code: CloseCode.BadMessage });
    expect(doc.closed()?.reason).toMatch(/^message-too-large/);
  });

  it("drops awareness past a connection's byte rate", async () => {
    const { relay, open } = await setup({ maxAwarenessBytesPerSecond: 64 * 1024 });
    const doc = await open();
    // 40 states of 12 KiB at once: 480 KiB against a burst of 128 KiB.
    for (let clock = 1; clock <= 40; clock++) doc.send(awarenessBytes(7, clock, state("Ann", 12 * 1024)));
    await settle();
    expect(doc.closed()).toBeUndefined();
    const rate = dropped(await metrics(relay), "rate");
    expect(rate).toBeGreaterThanOrEqual(25);
    expect(rate).toBeLessThan(40);
  });

  it("holds the message rate per client address, not only per connection", async () => {
    const { open } = await setup({ maxDocMessagesPerSecond: 50, maxDocMessagesPerSecondPerAddress: 100 });
    const docs = await Promise.all([open(), open(), open()]);
    // 90 messages each: under one connection's burst (100), three times the address's burst (200).
    docs.forEach((doc, i) => {
      for (let clock = 1; clock <= 90; clock++) doc.send(awarenessBytes(100 + i, clock, state(`P${i}`)));
    });
    await settle();
    const closed = docs.map((doc) => doc.closed()).filter((c) => c !== undefined);
    expect(closed.length).toBeGreaterThanOrEqual(1);
    for (const c of closed) expect(c).toMatchObject({ code: CloseCode.RateLimited });
  });
});
