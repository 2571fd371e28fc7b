import { CloseCode, ErrorCode, type Refusal, type Welcome } from "@depthroom/schema";
import { describe, expect, it } from "vitest";
import type * as Y from "yjs";
import { cleanupsAfterEach } from "./support/cleanups.ts";
import { connectFrames, type DocClient, openDoc, waitFor, writerAndWitness } from "./support/clients.ts";
import { createSession, type RelayProcess, scratchDir, spawnRelayProcess } from "./support/relay.ts";

// Annotations written to a session's doc, relay stopped (SIGTERM) and started on the same data
// directory: the doc and the session come back; clients reconnect on their own and converge.
describe("relay restart", () => {
  const cleanups = cleanupsAfterEach();

  const annotations = (doc: Y.Doc) => doc.getMap("annotations").toJSON();

  it("keeps the session and its doc across SIGTERM, and clients reconnect and converge", async () => {
    const dataDir = await scratchDir(cleanups);
    let relay: RelayProcess = await spawnRelayProcess({ dataDir });
    cleanups.push(() => relay.stop("SIGKILL"));
    const session = await createSession(relay.url, { title: "restart" });

    const alice = openDoc(relay.url, session.id, session.tokens.edit);
    const bob = openDoc(relay.url, session.id, session.tokens.edit);
    const viewer = openDoc(relay.url, session.id, session.tokens.view);
    const clients: DocClient[] = [alice, bob, viewer];
    cleanups.push(() => {
      for (const c of clients) c.destroy();
    });
    await Promise.all(clients.map((c) => c.synced()));
    // A frame viewer that reconnects by itself (socket.io-client's default): told "going-away" first.
    const { socket: frameViewer } = await connectFrames(relay.url, session.id, session.tokens.view, {
      reconnection: true,
    });
    cleanups.push(() => frameViewer.close());
    const problems: Refusal[] = [];
    const welcomes: Welcome[] = [];
    frameViewer.on("problem", (problem) => problems.push(problem));
    frameViewer.on("welcome", (welcome) => welcomes.push(welcome));
    alice.doc.getMap("annotations").set("pin-1", { kind: "pin3d", text: "look here" });
    bob.doc.getMap("annotations").set("pin-2", { kind: "box2d", text: "and here" });
    await waitFor(
      () => clients.every((c) => Object.keys(annotations(c.doc)).length === 2),
      5000,
      "both annotations everywhere",
    );

    expect(await relay.stop("SIGTERM")).toBe(0);
    expect(relay.output()).toContain('"msg":"stopped"');
    for (const c of clients) expect(c.closes.some((close) => close.code === CloseCode.GoingAway)).toBe(true);
    expect(problems).toMatchObject([{ code: ErrorCode.GoingAway }]);

    // While the relay is down, alice keeps annotating offline.
    alice.doc.getMap("annotations").set("pin-3", { kind: "point2d", text: "offline edit" });

    relay = await spawnRelayProcess({ dataDir, port: relay.port });
    const description = await fetch(`${relay.url}/api/sessions/${session.id}?token=${session.tokens.view}`);
    expect(description.status).toBe(200);
    expect(await description.json()).toMatchObject({ id: session.id, title: "restart" });

    // A fresh client sees the persisted doc; the old ones reconnected by themselves and converge.
    const fresh = openDoc(relay.url, session.id, session.tokens.view);
    clients.push(fresh);
    await fresh.synced(10_000);
    await waitFor(
      () => clients.every((c) => Object.keys(annotations(c.doc)).length === 3),
      10_000,
      "all clients converge on three annotations",
    );
    for (const c of clients) expect(annotations(c.doc)).toEqual(annotations(alice.doc));
    expect(annotations(fresh.doc)["pin-1"]).toEqual({ kind: "pin3d", text: "look here" });

    // The frame viewer is back too, with the same token.
    await waitFor(() => welcomes.length === 1, 10_000, "the frame viewer to reconnect");
    expect(welcomes[0]).toMatchObject({ session: session.id, role: "view" });
  });

  it("a kill -9 loses no acknowledged doc update", async () => {
    const dataDir = await scratchDir(cleanups);
    let relay = await spawnRelayProcess({ dataDir });
    cleanups.push(() => relay.stop("SIGKILL"));
    const session = await createSession(relay.url);
    const { writer, witness } = await writerAndWitness(cleanups, relay.url, session);
    for (let i = 0; i < 50; i++) writer.doc.getMap("annotations").set(`a${i}`, { i });
    // Seen by another client = applied by the relay, and appended to the log in the same turn.
    await waitFor(() => Object.keys(annotations(witness.doc)).length === 50, 5000, "the witness");
    await new Promise((resolve) => setTimeout(resolve, 100));
    expect(await relay.stop("SIGKILL")).toBe(null);
    writer.destroy();
    witness.destroy();

    relay = await spawnRelayProcess({ dataDir });
    const reader = openDoc(relay.url, session.id, session.tokens.view);
    cleanups.push(() => reader.destroy());
    await reader.synced(10_000);
    await waitFor(
      () => Object.keys(annotations(reader.doc)).length === 50,
      5000,
      "50 annotations after kill -9",
    );
  });
});
