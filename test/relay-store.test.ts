import { rm } from "node:fs/promises";
import { DocumentTooLargeError, FileStore, MemoryStore, PostgresStore } from "@depthroom/relay";
import { describe, expect, it } from "vitest";
import * as Y from "yjs";
import { cleanupsAfterEach } from "./support/cleanups.ts";
import { makeTempDir } from "./support/relay.ts";
import { DATABASE_URL, scratchSchema } from "./support/services.ts";
import { annotatedDoc, describeStoreContract, textsOf } from "./support/storeSuite.ts";

// One store contract, three implementations: the embedded FileStore, MemoryStore, and PostgreSQL
// (each run in its own schema, dropped afterwards).

describeStoreContract("FileStore", async () => {
  const dir = await makeTempDir("depthroom-store-");
  return { open: () => FileStore.open(dir), cleanup: () => rm(dir, { recursive: true, force: true }) };
});

describeStoreContract("MemoryStore", async () => {
  const store = new MemoryStore();
  return { open: async () => store, cleanup: async () => {} };
});

describeStoreContract("PostgresStore", async () => {
  const { schema, drop } = await scratchSchema();
  return { open: () => PostgresStore.open(DATABASE_URL, { schema }), cleanup: drop };
});

describe("PostgresStore record bound", () => {
  it("refuses a document write over the bound, as the file store does, and keeps what it holds", async () => {
    const { schema, drop } = await scratchSchema();
    const store = await PostgresStore.open(DATABASE_URL, { schema, maxRecordBytes: 1024 });
    try {
      const doc = "DDDDDDDDDDDDDDDDDDDDDD";
      for (let i = 0; i < 4; i++) await store.appendDocUpdate(doc, new Uint8Array(600).fill(i));
      await expect(store.writeDocState(doc, new Uint8Array(2400))).rejects.toBeInstanceOf(
        DocumentTooLargeError,
      );
      await expect(store.appendDocUpdate(doc, new Uint8Array(1025))).rejects.toBeInstanceOf(
        DocumentTooLargeError,
      );
      expect((await store.loadDoc(doc)).map((row) => row[0])).toEqual([0, 1, 2, 3]);
    } finally {
      await store.close();
      await drop();
    }
  });
});

describe("PostgresStore shared by several nodes", () => {
  const cleanups = cleanupsAfterEach();
  const nodes = async (count: number) => {
    const { schema, drop } = await scratchSchema();
    cleanups.push(drop);
    // Nodes starting together: the schema and its migrations are created once.
    const stores = await Promise.all(
      Array.from({ length: count }, () => PostgresStore.open(DATABASE_URL, { schema })),
    );
    for (const store of stores) cleanups.push(() => store.close());
    return stores;
  };

  it("migrates once when nodes start together, and again is a no-op", async () => {
    const [a, b, c] = await nodes(3);
    expect(await a?.migrations()).toEqual([1, 2, 3]);
    expect(await b?.migrations()).toEqual([1, 2, 3]);
    expect(await c?.migrations()).toEqual([1, 2, 3]);
  });

  it("finds a session another node created after it loaded the registry", async () => {
    const [a, b] = (await nodes(2)) as [PostgresStore, PostgresStore];
    expect(await b.loadSessions()).toEqual([]);
    const record = { id: "AAAAAAAAAAAAAAAAAAAAAA", title: "made on a", createdAt: 1 };
    await a.saveSession(record);
    expect(await b.loadSession(record.id)).toEqual(record);
  });

  it("compaction on one node keeps what another node appended", async () => {
    const [a, b] = (await nodes(2)) as [PostgresStore, PostgresStore];
    const name = "DDDDDDDDDDDDDDDDDDDDDD";
    const first = annotatedDoc(3, 0);
    const second = annotatedDoc(2, 10);
    for (const update of first.updates) await a.appendDocUpdate(name, update);
    for (const update of second.updates) await b.appendDocUpdate(name, update);
    // Node a compacts with a state that knows only its own updates.
    await a.writeDocState(name, Y.encodeStateAsUpdate(first.doc));
    const loaded = await b.loadDoc(name);
    expect(loaded).toHaveLength(1);
    expect(textsOf(loaded).sort()).toEqual(["note 0", "note 1", "note 10", "note 11", "note 2"]);
  });

  it("every node signs with one secret; a node with another DEPTHROOM_SECRET refuses to start", async () => {
    const [a, b] = (await nodes(2)) as [PostgresStore, PostgresStore];
    const generated = await a.resolveSecret(undefined, () => "generated-secret-aaaaaaaaaaaaaaaaaaaa");
    expect(generated).toBe("generated-secret-aaaaaaaaaaaaaaaaaaaa");
    expect(await b.resolveSecret(undefined, () => "another-secret-bbbbbbbbbbbbbbbbbbbbbb")).toBe(generated);
    await expect(b.resolveSecret("an-operator-secret-cccccccccccc", () => "x")).rejects.toThrow(
      /DEPTHROOM_SECRET \(fingerprint [0-9a-f]{16}\) differs from the secret the other nodes use/,
    );

    const [c, d] = (await nodes(2)) as [PostgresStore, PostgresStore];
    const given = "an-operator-secret-cccccccccccc";
    expect(await c.resolveSecret(given, () => "unused")).toBe(given);
    expect(await d.resolveSecret(given, () => "unused")).toBe(given);
    await expect(d.resolveSecret(undefined, () => "generated")).rejects.toThrow(/set it on this node too/);
  });

  it("every node accepts one admin token, generated once or given to all (DEPTHROOM_ADMIN_TOKEN)", async () => {
    const [a, b] = (await nodes(2)) as [PostgresStore, PostgresStore];
    const generated = await a.resolveAdminToken(undefined, () => "generated-admin-aaaaaaaaaaaaaaaaaaaa");
    expect(generated).toBe("generated-admin-aaaaaaaaaaaaaaaaaaaa");
    expect(await b.resolveAdminToken(undefined, () => "another-admin-bbbbbbbbbbbbbbbbbbbb")).toBe(generated);
    // Independent of the token secret.
    expect(await b.resolveSecret(undefined, () => "the-signing-secret-ccccccccccccccccccc")).toBe(
      "the-signing-secret-ccccccccccccccccccc",
    );
    await expect(b.resolveAdminToken("an-operator-admin-token-dddd", () => "x")).rejects.toThrow(
      /DEPTHROOM_ADMIN_TOKEN \(fingerprint [0-9a-f]{16}\) differs from the admin token the other nodes use/,
    );
    const [c, d] = (await nodes(2)) as [PostgresStore, PostgresStore];
    expect(await c.resolveAdminToken("an-operator-admin-token-dddd", () => "unused")).toBe(
      "an-operator-admin-token-dddd",
    );
    await expect(d.resolveAdminToken(undefined, () => "generated")).rejects.toThrow(
      /the other nodes use their DEPTHROOM_ADMIN_TOKEN .*set it on this node too/,
    );
  });

  it("an unreachable server fails to open with a message naming it", async () => {
    const url = new URL(DATABASE_URL);
    url.port = "1";
    await expect(PostgresStore.open(url.toString())).rejects.toThrow(/PostgreSQL at 127\.0\.0\.1:1\/test/);
  });

  it("refuses bad document names before they reach SQL", async () => {
    const [a] = (await nodes(1)) as [PostgresStore];
    expect(() => a.appendDocUpdate("x'; DROP TABLE sessions; --", new Uint8Array([1]))).toThrow(
      /bad document name/,
    );
  });
});
