import { PostgresStore } from "@depthroom/relay";
import { addAnnotation, type CreateSessionResponse, listAnnotations } from "@depthroom/schema";
import { afterAll, describe, expect, it } from "vitest";
import { waitFor } from "./support/clients.ts";
import {
  startCluster,
  type TestCluster,
  type TrackedDoc,
  trackedDoc,
  trackedRig,
  trackedViewer,
} from "./support/cluster.ts";
import { createSession } from "./support/relay.ts";
import { pin, textsOf } from "./support/storeSuite.ts";

// Two relay processes + nginx (the shipped config) + Redis + PostgreSQL, every client connecting only
// through nginx: 10 sessions, each with a rig and 3 viewers (frames and doc) all on the session's
// node; annotations written; one node SIGKILLed: its sessions stream again through the other node
// within 5 s with every annotation, and the sessions already on the other node notice nothing.

const SESSIONS = 10;
const VIEWERS = 3;
const NOTES = 5;

describe("relay cluster behind nginx", () => {
  let cluster: TestCluster | undefined;
  const teardown: (() => void)[] = [];
  // Every y-websocket provider adds a process "exit" listener; this test opens about 60.
  const maxListeners = process.getMaxListeners();
  process.setMaxListeners(200);
  afterAll(async () => {
    for (const stop of teardown.splice(0)) stop();
    await cluster?.close();
    process.setMaxListeners(maxListeners);
  });

  it("pins each session to one node and survives a node's SIGKILL without losing an annotation", async () => {
    cluster = await startCluster(["node-a", "node-b"]);
    const { nginx } = cluster;

    // Sessions made through nginx (any node); nginx routes GET /api/sessions/<id> to the session's
    // node, which names itself. Keep 10 with at least 3 per node, so both nodes carry sessions.
    const nodeOf = new Map<string, string>();
    const sessions: CreateSessionResponse[] = [];
    const perNode = new Map<string, number>();
    while (sessions.length < SESSIONS) {
      const session = await createSession(nginx.url, { title: `cluster ${sessions.length}` });
      const response = await fetch(`${nginx.url}/api/sessions/${session.id}`, {
        headers: { Authorization: `Bearer ${session.tokens.view}` },
      });
      expect(response.status).toBe(200);
      const node = response.headers.get("x-depthroom-node") ?? "?";
      if ((perNode.get(node) ?? 0) >= SESSIONS - 3) continue;
      perNode.set(node, (perNode.get(node) ?? 0) + 1);
      nodeOf.set(session.id, node);
      sessions.push(session);
    }
    expect([...perNode.keys()].sort()).toEqual(["node-a", "node-b"]);

    // Every client connects through nginx only.
    const rooms = sessions.map((session) => {
      const rig = trackedRig(nginx.url, session.id, session.tokens.publish);
      const viewers = Array.from({ length: VIEWERS }, (_, i) =>
        trackedViewer(nginx.url, session.id, session.tokens.view, `viewer ${i}`),
      );
      const docs = viewers.map(() => trackedDoc(nginx.url, session.id, session.tokens.view));
      teardown.push(() => {
        rig.stop();
        for (const viewer of viewers) viewer.socket.close();
        for (const doc of docs) doc.destroy();
      });
      return { session, node: nodeOf.get(session.id) as string, rig, viewers, docs };
    });
    await Promise.all(rooms.flatMap((room) => room.docs.map((doc) => doc.synced(10_000))));
    await waitFor(
      () => rooms.every((room) => room.viewers.every((viewer) => viewer.frames.length >= 5)),
      10_000,
      "frames in every session",
    );

    // Each session's connections all landed on its node: rig, viewers and docs.
    for (const room of rooms) {
      expect(room.rig.welcomes.map((w) => w.node)).toEqual([room.node]);
      for (const viewer of room.viewers) expect(viewer.welcomes.map((w) => w.node)).toEqual([room.node]);
      for (const doc of room.docs) expect(doc.nodes).toEqual([room.node]);
    }

    const inspector = await PostgresStore.open(cluster.databaseUrl);
    teardown.push(() => void inspector.close());
    // Annotations, written by an editor per session who then leaves (view clients cannot write, so
    // whatever a node serves after the failover comes from PostgreSQL).
    const written = new Map<string, string[]>();
    for (const room of rooms) {
      const editor = trackedDoc(nginx.url, room.session.id, room.session.tokens.edit);
      await editor.synced(10_000);
      expect(editor.nodes).toEqual([room.node]);
      const texts = Array.from({ length: NOTES }, (_, k) => `${room.session.id.slice(0, 6)} note ${k}`);
      for (const [k, text] of texts.entries()) addAnnotation(editor.doc, pin(text, 1000 + k));
      written.set(room.session.id, texts);
      teardown.push(() => editor.destroy());
    }
    const notesIn = (doc: TrackedDoc) => listAnnotations(doc.doc).map((note) => note.text);
    await waitFor(
      () => rooms.every((room) => room.docs.every((doc) => notesIn(doc).length === NOTES)),
      10_000,
      "every viewer to see the session's annotations",
    );
    // The relay appends each update in the turn it applies it; the INSERT commits moments later
    // (the bench prints that window): wait for it, so the kill below tests the failover, not the race.
    const seenAt = performance.now();
    const stored = async () => {
      const docs = await Promise.all(rooms.map((room) => inspector.loadDoc(room.session.id)));
      return docs.every((updates) => textsOf(updates).length === NOTES);
    };
    while (!(await stored())) {
      if (performance.now() - seenAt > 5000) throw new Error("the annotations did not reach PostgreSQL");
      await new Promise((resolve) => setTimeout(resolve, 5));
    }

    // SIGKILL one node.
    const victim = "node-a";
    const survivor = "node-b";
    const moved = rooms.filter((room) => room.node === victim);
    const stayed = rooms.filter((room) => room.node === survivor);
    const framesBefore = new Map(stayed.flatMap((room) => room.viewers.map((v) => [v, v.frames.length])));
    const killedAt = performance.now();
    await cluster.nodes.get(victim)?.stop("SIGKILL");
    cluster.nodes.delete(victim);

    // Within 5 s its sessions stream again through the other node: the rig republished there and
    // every viewer got frames from it.
    await waitFor(
      () =>
        moved.every(
          (room) =>
            room.rig.welcomes.at(-1)?.node === survivor &&
            room.viewers.every((viewer) => viewer.welcomes.at(-1)?.node === survivor) &&
            room.viewers.every((viewer) => viewer.frames.at(-1)?.node === survivor),
        ),
      10_000,
      "the moved sessions to stream again",
    );
    const recoveredMs =
      Math.max(
        ...moved.flatMap((room) =>
          room.viewers.map(
            (viewer) =>
              viewer.frames.find((frame) => frame.at > killedAt && frame.node === survivor)?.at ?? Infinity,
          ),
        ),
      ) - killedAt;
    expect(recoveredMs).toBeLessThan(5000);

    // Their documents came back on the other node from PostgreSQL, with every annotation: the old
    // viewers re-synced there, and a newcomer sees exactly what was written.
    await Promise.all(moved.flatMap((room) => room.docs.map((doc) => waitForNode(doc, survivor))));
    for (const room of moved) {
      const newcomer = trackedDoc(nginx.url, room.session.id, room.session.tokens.view);
      teardown.push(() => newcomer.destroy());
      await newcomer.synced(10_000);
      expect(newcomer.nodes).toEqual([survivor]);
      expect(notesIn(newcomer).sort()).toEqual([...(written.get(room.session.id) ?? [])].sort());
      // And the session's doc is live there: a new annotation reaches the reconnected viewers.
      const editor = trackedDoc(nginx.url, room.session.id, room.session.tokens.edit);
      teardown.push(() => editor.destroy());
      await editor.synced(10_000);
      addAnnotation(editor.doc, pin("after the failover", 9000));
    }
    await waitFor(
      () => moved.every((room) => room.docs.every((doc) => notesIn(doc).includes("after the failover"))),
      5000,
      "an annotation written after the failover to reach the reconnected viewers",
    );

    // The sessions on the surviving node noticed nothing: one welcome, no disconnect, docs never
    // dropped, and frames kept coming.
    for (const room of stayed) {
      expect(room.rig.welcomes).toHaveLength(1);
      expect(room.rig.disconnects).toEqual([]);
      for (const viewer of room.viewers) {
        expect(viewer.welcomes).toHaveLength(1);
        expect(viewer.disconnects).toEqual([]);
        expect(viewer.frames.length).toBeGreaterThan(framesBefore.get(viewer) ?? 0);
      }
      for (const doc of room.docs) {
        expect(doc.statuses).not.toContain("disconnected");
        expect(doc.nodes).toEqual([survivor]);
        expect(notesIn(doc)).toHaveLength(NOTES);
      }
    }

    const access = await nginx.accessLog();
    console.info(
      `cluster failover: ${moved.length} sessions moved ${victim} -> ${survivor}, streaming again after ${Math.round(recoveredMs)} ms; ` +
        `${stayed.length} sessions on ${survivor} untouched; ` +
        `nginx logged ${access.split("\n").filter(Boolean).length} requests`,
    );
  });
});

async function waitForNode(doc: TrackedDoc, node: string): Promise<void> {
  await waitFor(() => doc.nodes.at(-1) === node && doc.provider.synced, 10_000, `a doc to resync on ${node}`);
}
