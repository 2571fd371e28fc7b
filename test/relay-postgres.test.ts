import { PostgresStore, type RunningRelay, startRelay } from "@depthroom/relay";
import { addAnnotation, ErrorCode, listAnnotations } from "@depthroom/schema";
import { describe, expect, it } from "vitest";
import { cleanupsAfterEach } from "./support/cleanups.ts";
import { connectFrames, handshakeRefusal, openDoc, waitFor } from "./support/clients.ts";
import { createSession, scratchDir } from "./support/relay.ts";
import { DATABASE_URL, scratchSchema } from "./support/services.ts";
import { pin, textsOf } from "./support/storeSuite.ts";

// Two in-process relays on one PostgreSQL schema (no balancer): a session created on one node is
// served by the other with the same tokens, and a document written on one is read on the other.
describe("relays sharing PostgreSQL", () => {
  const cleanups = cleanupsAfterEach();

  const node = async (schema: string): Promise<RunningRelay> => {
    const dataDir = await scratchDir(cleanups);
    const store = await PostgresStore.open(DATABASE_URL, { schema });
    const secret = await store.resolveSecret(undefined, () => `secret-${Math.random()}-0123456789abcdef`);
    const relay = await startRelay({ port: 0, dataDir, store, secret, logLevel: "warn" });
    cleanups.push(() => relay.close());
    return relay;
  };

  it("serves a session created on another node, frames and document alike", async () => {
    const { schema, drop } = await scratchSchema();
    cleanups.push(drop);
    const a = await node(schema);
    const b = await node(schema);
    const session = await createSession(a.url, { title: "made on a" });

    const described = await fetch(`${b.url}/api/sessions/${session.id}`, {
      headers: { Authorization: `Bearer ${session.tokens.view}` },
    });
    expect(described.status).toBe(200);
    expect(await described.json()).toMatchObject({ id: session.id, title: "made on a" });

    const { socket, welcome } = await connectFrames(b.url, session.id, session.tokens.publish);
    cleanups.push(() => socket.close());
    expect(welcome).toMatchObject({ session: session.id, role: "publish" });

    // A token this cluster never signed is refused without a store lookup deciding it.
    const forged = `${session.tokens.view.slice(0, -4)}AAAA`;
    expect(await handshakeRefusal(b.url, session.id, forged)).toMatchObject({ code: ErrorCode.BadToken });

    const editor = openDoc(b.url, session.id, session.tokens.edit);
    cleanups.push(() => editor.destroy());
    await editor.synced();
    addAnnotation(editor.doc, pin("written on b", 1));
    // Once b has appended the update to PostgreSQL, a reader on a (which loads the doc from there on
    // its first connection) sees it.
    const inspector = await PostgresStore.open(DATABASE_URL, { schema });
    cleanups.push(() => inspector.close());
    let stored: string[] = [];
    await waitFor(
      () => {
        void inspector.loadDoc(session.id).then((updates) => {
          stored = textsOf(updates);
        });
        return stored.includes("written on b");
      },
      5000,
      "b to store the update in PostgreSQL",
    );
    const readerOnA = openDoc(a.url, session.id, session.tokens.view);
    cleanups.push(() => readerOnA.destroy());
    await waitFor(
      () => listAnnotations(readerOnA.doc).some((note) => note.text === "written on b"),
      5000,
      "the annotation written on b to reach a reader on a through PostgreSQL",
    );
  });
});
