import { isDeepStrictEqual } from "node:util";
import { FileStore } from "@depthroom/relay";
import { addAnnotation, CollabRoot, ErrorCode, listAnnotations } from "@depthroom/schema";
import { describe, expect, it } from "vitest";
import * as Y from "yjs";
import { cleanupsAfterEach } from "./support/cleanups.ts";
import { type DocClient, openDoc, waitFor } from "./support/clients.ts";
import {
  collabUser,
  docFromUpdates,
  type EditCounts,
  RandomEditor,
  seededRandom,
  stateVector,
} from "./support/collab.ts";
import { createSession, type RelayProcess, scratchDir, spawnRelayProcess } from "./support/relay.ts";

/*
 * Issue 6, "Concurrency": 5 headless y-websocket clients (edit tokens) create, edit, comment and delete
 * annotations at random (seeded) for 10 s against a relay child process that is restarted once
 * (SIGTERM, then started again on the same data dir and port). Every client ends with the same
 * annotation set, and it matches the persisted doc read by a fresh relay. Meanwhile a view client's
 * write is refused and never reaches anyone, and garbage written by a misbehaving edit client is
 * skipped by every reader.
 */

const SEED = Number(process.env.COLLAB_SEED ?? 0x6d3f_2026);
const CLIENTS = 5;
const RUN_MS = 10_000;
const RESTART_AT_MS = 4_000;

const annotationsJson = (doc: Y.Doc) => doc.getMap(CollabRoot.annotations).toJSON();
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

describe("collab concurrency", () => {
  const cleanups = cleanupsAfterEach();

  it("5 random editors across a relay restart converge on the persisted annotation set", async () => {
    const dataDir = await scratchDir(cleanups, "depthroom-collab-");
    let relay: RelayProcess = await spawnRelayProcess({ dataDir });
    cleanups.push(() => relay.stop("SIGKILL"));
    const session = await createSession(relay.url, { title: "concurrency" });

    const editors: DocClient[] = [];
    const viewer = openDoc(relay.url, session.id, session.tokens.view);
    cleanups.push(() => viewer.destroy());
    for (let i = 0; i < CLIENTS; i++) {
      const client = openDoc(relay.url, session.id, session.tokens.edit);
      editors.push(client);
      cleanups.push(() => client.destroy());
    }
    await Promise.all([viewer, ...editors].map((c) => c.synced(10_000)));

    // Each editor steps at random intervals (15-60 ms), from its own seeded stream, online or not.
    const random = editors.map((_, i) => seededRandom(SEED + i));
    const users = editors.map((_, i) => collabUser(i));
    const randomEditors = editors.map((c, i) => new RandomEditor(c.doc, users[i]!, random[i]!));
    let running = true;
    const loops = randomEditors.map(async (editor, i) => {
      while (running) {
        editor.step();
        await sleep(15 + Math.floor(random[i]!() * 45));
      }
    });

    // A view client forces a write through its doc: the relay refuses it (permission denied).
    await sleep(500);
    const forbiddenId = addAnnotation(viewer.doc, {
      kind: "point2d",
      entityPath: "world/rig/cam0/color",
      geometry: { u: 1, v: 2 },
      author: collabUser(9),
      text: "a view link must not write this",
    });
    await waitFor(() => viewer.denials.length > 0, 5000, "the relay to refuse the view client's write");
    expect(viewer.denials[0]).toContain(ErrorCode.ReadOnly);

    // A misbehaving edit client writes garbage straight into the annotations map.
    const garbageIds = ["garbage-string", "garbage-plain-object", "garbage-nan-pin", "garbage-no-thread"];
    editors[0]!.doc.transact(() => {
      const map = editors[0]!.doc.getMap<unknown>(CollabRoot.annotations);
      map.set("garbage-string", "garbage");
      map.set("garbage-plain-object", { v: 1, id: "garbage-plain-object", kind: "point2d" });
      const nanPin = new Y.Map<unknown>();
      map.set("garbage-nan-pin", nanPin);
      for (const [key, value] of Object.entries({
        v: 1,
        id: "garbage-nan-pin",
        kind: "pin3d",
        entityPath: "world/rig/cam0/depth",
        time: null,
        geometry: { world: [1, Number.NaN, 3], local: [0, 0, 0] },
        viewpoint: null,
        text: "",
        author: collabUser(0),
        createdAt: 1,
        resolved: false,
      }))
        nanPin.set(key, value);
      nanPin.set("thread", new Y.Array());
      const noThread = new Y.Map<unknown>();
      map.set("garbage-no-thread", noThread);
      noThread.set("v", 1);
      noThread.set("id", "garbage-no-thread");
    });

    // Restart: SIGTERM, then the same data dir and port. Clients reconnect by themselves.
    await sleep(RESTART_AT_MS - 500);
    expect(await relay.stop("SIGTERM")).toBe(0);
    // Lost-update check: whatever one client received from the relay about another client's writes
    // was applied by the relay, so the stored doc must hold at least that much of every client.
    const vectors = [viewer, ...editors].map((c) => ({ id: c.doc.clientID, sv: stateVector(c.doc) }));
    const mustHave = new Map<number, number>();
    for (const { id } of vectors) {
      let clock = 0;
      for (const other of vectors) if (other.id !== id) clock = Math.max(clock, other.sv.get(id) ?? 0);
      if (clock > 0) mustHave.set(id, clock);
    }
    const store = await FileStore.open(dataDir);
    const stored = docFromUpdates(await store.loadDoc(session.id));
    await store.close();
    const storedVector = stateVector(stored);
    const lost = [...mustHave]
      .filter(([id, clock]) => (storedVector.get(id) ?? 0) < clock)
      .map(
        ([id, clock]) => `client ${id}: relay forwarded clock ${clock}, stored ${storedVector.get(id) ?? 0}`,
      );
    expect(lost, "updates the relay forwarded before SIGTERM but did not store").toEqual([]);
    stored.destroy();
    relay = await spawnRelayProcess({ dataDir, port: relay.port });

    await sleep(Math.max(0, RUN_MS - RESTART_AT_MS));
    running = false;
    await Promise.all(loops);

    // Convergence: every editor connected, same state vector, same annotation set.
    const list = (c: DocClient) => JSON.stringify(listAnnotations(c.doc));
    const describeClients = () =>
      [viewer, ...editors]
        .map(
          (c, i) =>
            `${i === 0 ? "viewer" : `editor ${i - 1}`} ${c.doc.clientID}: connected ${c.provider.wsconnected} ` +
            `synced ${c.provider.synced} pending ${c.doc.store.pendingStructs !== null} ` +
            `annotations ${listAnnotations(c.doc).length} closes ${JSON.stringify(c.closes)} ` +
            `sv ${JSON.stringify([...stateVector(c.doc)].sort())}`,
        )
        .join("\n");
    try {
      await waitFor(
        () =>
          editors.every((c) => c.provider.wsconnected && c.provider.synced) &&
          editors.every((c) => list(c) === list(editors[0]!)) &&
          editors.every((c) => isDeepStrictEqual(stateVector(c.doc), stateVector(editors[0]!.doc))) &&
          editors.every((c) => isDeepStrictEqual(annotationsJson(c.doc), annotationsJson(editors[0]!.doc))),
        20_000,
        "the editors to converge",
      );
    } catch (error) {
      throw new Error(
        `${(error as Error).message}\n${describeClients()}\nrelay output:\n${relay.output().slice(-3000)}`,
      );
    }
    const final = listAnnotations(editors[0]!.doc);
    for (const c of editors) expect(listAnnotations(c.doc)).toEqual(final);
    const totals = randomEditors.reduce<EditCounts>(
      (sum, e) => {
        for (const key of Object.keys(sum) as (keyof EditCounts)[]) sum[key] += e.counts[key];
        return sum;
      },
      { add: 0, text: 0, resolved: 0, geometry: 0, comment: 0, delete: 0 },
    );
    console.info(
      `collab concurrency: seed ${SEED}, edits ${JSON.stringify(totals)}, final ${final.length} annotations, ` +
        `${final.reduce((n, a) => n + a.thread.length, 0)} comments`,
    );
    // The run did real work on every kind of edit.
    for (const [kind, count] of Object.entries(totals)) expect(count, kind).toBeGreaterThan(0);
    expect(final.length).toBeGreaterThan(0);

    // The view client's write never reached an editor (before or after the restart, when its
    // reconnection offered it again); the view client still reads everything else.
    for (const c of editors) expect(annotationsJson(c.doc)[forbiddenId]).toBeUndefined();
    const viewerList = () => JSON.stringify(listAnnotations(viewer.doc).filter((a) => a.id !== forbiddenId));
    await waitFor(() => viewerList() === list(editors[0]!), 10_000, "the viewer to read the final set");

    // The garbage is in every doc, and skipped by every reader.
    for (const c of editors) {
      const raw = annotationsJson(c.doc);
      for (const id of garbageIds) expect(id in raw, id).toBe(true);
      expect(listAnnotations(c.doc).some((a) => a.id.startsWith("garbage-"))).toBe(false);
    }

    // The persisted doc: stop the relay with the clients attached, drop the clients (so nothing is
    // offered again), start a fresh relay on the data dir and read with a fresh client.
    const finalRaw = annotationsJson(editors[0]!.doc);
    expect(await relay.stop("SIGTERM")).toBe(0);
    for (const c of [viewer, ...editors]) c.destroy();
    relay = await spawnRelayProcess({ dataDir });
    const reader = openDoc(relay.url, session.id, session.tokens.view);
    cleanups.push(() => reader.destroy());
    await reader.synced(10_000);
    expect(listAnnotations(reader.doc)).toEqual(final);
    expect(annotationsJson(reader.doc)).toEqual(finalRaw);
    expect(annotationsJson(reader.doc)[forbiddenId]).toBeUndefined();
  }, 90_000);
});
