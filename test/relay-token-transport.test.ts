import { DOC_SUBPROTOCOL, docSocketProtocols, RELAY_PROTOCOL_VERSION, type Welcome } from "@depthroom/schema";
import { subscribe as sdkSubscribe } from "@depthroom/sdk";
import { io } from "socket.io-client";
import { describe, expect, it } from "vitest";
import WebSocket from "ws";
import { WebsocketProvider } from "y-websocket";
import * as Y from "yjs";
import { cleanupsAfterEach } from "./support/cleanups.ts";
import { connectFrames, openDoc, waitFor } from "./support/clients.ts";
import { createSession, scratchDir, spawnRelayProcess } from "./support/relay.ts";

// Tokens travel where logs do not (issue 12 item 7): the frame socket's token in socket.io's `auth`
// payload, the doc socket's as a WebSocket subprotocol (`depthroom.token.<token>` beside
// `depthroom.v1`, which the relay answers), HTTP's as `Authorization: Bearer`. The old `?token=` form
// still works for one version and logs a deprecation warning; the new forms log none.

describe("token transport", () => {
  const cleanups = cleanupsAfterEach();

  it("takes tokens from auth, the subprotocol and the header, the query form with a warning", async () => {
    const dataDir = await scratchDir(cleanups);
    const relay = await spawnRelayProcess({ dataDir, env: { DEPTHROOM_LOG_LEVEL: "warn" } });
    cleanups.push(() => relay.stop("SIGKILL"));
    const session = await createSession(relay.url);
    const deprecations = () =>
      relay
        .output()
        .split("\n")
        .filter((line) => line.includes("deprecated"));

    // Frames: the token only in auth (the query has no token).
    const frames = io(relay.url, {
      path: "/socket.io/",
      transports: ["websocket"],
      forceNew: true,
      reconnection: false,
      query: { session: session.id, v: String(RELAY_PROTOCOL_VERSION) },
      auth: { token: session.tokens.view },
    });
    cleanups.push(() => frames.close());
    const welcome = await new Promise<Welcome>((resolve, reject) => {
      frames.once("welcome", resolve);
      frames.once("connect_error", reject);
    });
    expect(welcome).toMatchObject({ session: session.id, role: "view" });

    // The SDK sends it that way too.
    const subscription = sdkSubscribe({ link: session.links.view });
    cleanups.push(() => subscription.close());
    await subscription.ready;

    // Documents: the token only as a subprotocol; the relay answers depthroom.v1, never the token.
    const doc = new Y.Doc();
    const provider = new WebsocketProvider(`${relay.url.replace(/^http/, "ws")}/yjs`, session.id, doc, {
      protocols: docSocketProtocols(session.tokens.edit),
      WebSocketPolyfill: WebSocket as unknown as typeof globalThis.WebSocket,
      disableBc: true,
    });
    cleanups.push(() => provider.destroy());
    await waitFor(() => provider.synced, 5000, "the subprotocol doc to sync");
    expect((provider.ws as unknown as WebSocket).protocol).toBe(DOC_SUBPROTOCOL);
    doc.getMap("meta").set("note", "written with a subprotocol token");

    // HTTP: the header.
    const described = await fetch(`${relay.url}/api/sessions/${session.id}`, {
      headers: { Authorization: `Bearer ${session.tokens.view}` },
    });
    expect(described.status).toBe(200);
    await new Promise((resolve) => setTimeout(resolve, 200));
    expect(deprecations()).toEqual([]);

    // The query forms still work, each with a deprecation warning (once per kind).
    const { socket } = await connectFrames(relay.url, session.id, session.tokens.view);
    cleanups.push(() => socket.close());
    const old = openDoc(relay.url, session.id, session.tokens.view);
    cleanups.push(() => old.destroy());
    await old.synced();
    expect(old.doc.getMap("meta").get("note")).toBe("written with a subprotocol token");
    const byQuery = await fetch(`${relay.url}/api/sessions/${session.id}?token=${session.tokens.view}`);
    expect(byQuery.status).toBe(200);
    await waitFor(() => deprecations().length >= 3, 3000, "three deprecation warnings");
    const warned = deprecations().map((line) => JSON.parse(line) as { level: string; socket: string });
    expect(warned.map((w) => w.level)).toEqual(["warn", "warn", "warn"]);
    expect(warned.map((w) => w.socket).sort()).toEqual(["doc", "frames", "http"]);
    // No log line carries a token.
    expect(relay.output()).not.toContain(session.tokens.view);
  });
});
