import type { RelayStore, SessionRecord } from "@depthroom/relay";
import { type AnnotationInput, addAnnotation, listAnnotations } from "@depthroom/schema";
import { describe, expect, it } from "vitest";
import * as Y from "yjs";
import { cleanupsAfterEach } from "./cleanups.ts";

/*
 * The contract every `RelayStore` keeps, as one suite run against each implementation (FileStore,
 * MemoryStore, PostgresStore). A harness opens stores on the same backing data (a directory, a
 * schema...), so "reopen" means what a relay restart means for that store.
 */

export interface StoreHarness {
  /** A store on this harness's data; every call sees what earlier stores wrote. */
  open(): Promise<RelayStore>;
  /** Remove the data (directory, schema). */
  cleanup(): Promise<void>;
}

const SESSION_IDS = ["AAAAAAAAAAAAAAAAAAAAAA", "BBBBBBBBBBBBBBBBBBBBBB", "CCCCCCCCCCCCCCCCCCCCCC"];
const DOC = "DDDDDDDDDDDDDDDDDDDDDD";

export function pin(text: string, createdAt: number): AnnotationInput {
  return {
    kind: "pin3d",
    entityPath: "world/rig/cam0/depth",
    time: { timeline: "frame", value: createdAt },
    geometry: { world: [1, 2, createdAt], local: [0.1, 0.2, 0.3] },
    text,
    author: { id: "user-test", name: "Test", color: "#e6194b" },
    createdAt,
  };
}

/** A doc with `count` annotations, and the Yjs updates that made it (one per annotation). */
export function annotatedDoc(count: number, from = 0): { doc: Y.Doc; updates: Uint8Array[] } {
  const doc = new Y.Doc();
  const updates: Uint8Array[] = [];
  doc.on("update", (update: Uint8Array) => updates.push(update));
  for (let i = from; i < from + count; i++) addAnnotation(doc, pin(`note ${i}`, 1000 + i));
  return { doc, updates };
}

/** The annotation texts of stored updates, applied to a fresh doc. */
export function textsOf(updates: readonly Uint8Array[]): string[] {
  const doc = new Y.Doc();
  for (const update of updates) Y.applyUpdate(doc, update);
  return listAnnotations(doc).map((a) => a.text ?? "");
}

type RecordingRecord = Parameters<RelayStore["saveRecording"]>[0];

function recording(id: string, sessionId: string, startedAt: number): RecordingRecord {
  return {
    id,
    sessionId,
    title: `recording ${id.slice(-1)}`,
    origin: "live",
    status: "recording",
    node: "node-a",
    startedAt,
    stoppedAt: null,
    startTimeNs: "1700000000000000000",
    endTimeNs: null,
    entities: ["world/camera/depth"],
    frames: 0,
    bytes: 0,
    dropped: 0,
    recovered: false,
    problems: [],
  };
}

const plain = (list: readonly Uint8Array[]) => list.map((bytes) => Buffer.from(bytes).toString("hex"));

export function describeStoreContract(name: string, makeHarness: () => Promise<StoreHarness>): void {
  describe(`RelayStore contract: ${name}`, () => {
    const cleanups = cleanupsAfterEach();
    const harness = async () => {
      const made = await makeHarness();
      cleanups.push(() => made.cleanup());
      return made;
    };
    const opened = async (h: StoreHarness) => {
      const store = await h.open();
      cleanups.push(() => store.close());
      return store;
    };

    it("keeps sessions in creation order across a reopen", async () => {
      const h = await harness();
      const store = await h.open();
      const records: SessionRecord[] = SESSION_IDS.map((id, i) => ({
        id,
        title: `session ${i} ✓`,
        createdAt: 1_700_000_000_000 + i,
      }));
      for (const record of records) await store.saveSession(record);
      expect(await store.loadSessions()).toEqual(records);
      await store.close();
      const reopened = await opened(h);
      expect(await reopened.loadSessions()).toEqual(records);
      if (reopened.loadSession) {
        expect(await reopened.loadSession(SESSION_IDS[1] as string)).toEqual(records[1]);
        expect(await reopened.loadSession("ZZZZZZZZZZZZZZZZZZZZZZ")).toBeUndefined();
      }
    });

    it("returns a document's updates in call order, also for appends in flight together", async () => {
      const h = await harness();
      const store = await opened(h);
      expect(await store.loadDoc(DOC)).toEqual([]);
      const { updates } = annotatedDoc(40);
      await Promise.all(updates.map((update) => store.appendDocUpdate(DOC, update)));
      expect(plain(await store.loadDoc(DOC))).toEqual(plain(updates));
      expect(await store.loadDoc("EEEEEEEEEEEEEEEEEEEEEE")).toEqual([]);
    });

    it("keeps a document across a reopen: the same annotations come back", async () => {
      const h = await harness();
      const store = await h.open();
      const { doc, updates } = annotatedDoc(5);
      for (const update of updates) await store.appendDocUpdate(DOC, update);
      await store.close();
      const reopened = await opened(h);
      const loaded = await reopened.loadDoc(DOC);
      expect(textsOf(loaded)).toEqual(listAnnotations(doc).map((a) => a.text));
    });

    it("keeps the recordings index: start order, per session, replace, delete with its review room", async () => {
      const h = await harness();
      const store = await h.open();
      const first = recording("RRRRRRRRRRRRRRRRRRRRR1", SESSION_IDS[0] as string, 2000);
      const second = recording("RRRRRRRRRRRRRRRRRRRRR2", SESSION_IDS[1] as string, 1000);
      const third = recording("RRRRRRRRRRRRRRRRRRRRR3", SESSION_IDS[0] as string, 3000);
      for (const record of [first, second, third]) await store.saveRecording(record);
      expect((await store.listRecordings()).map((r) => r.id)).toEqual([second.id, first.id, third.id]);
      expect((await store.listRecordings(SESSION_IDS[0])).map((r) => r.id)).toEqual([first.id, third.id]);
      const stopped = { ...first, status: "stopped" as const, stoppedAt: 2500, frames: 75, bytes: 12_345 };
      await store.saveRecording(stopped);
      expect(await store.getRecording(first.id)).toEqual(stopped);
      expect(await store.getRecording("RRRRRRRRRRRRRRRRRRRRR9")).toBeUndefined();
      const room = `rec-${third.id}`;
      for (const update of annotatedDoc(2).updates) await store.appendDocUpdate(room, update);
      await store.close();

      const reopened = await opened(h);
      expect(await reopened.getRecording(first.id)).toEqual(stopped);
      expect(textsOf(await reopened.loadDoc(room))).toEqual(["note 0", "note 1"]);
      await reopened.deleteRecording(third.id);
      await reopened.deleteRecording("RRRRRRRRRRRRRRRRRRRRR9");
      expect((await reopened.listRecordings()).map((r) => r.id)).toEqual([second.id, first.id]);
      expect(await reopened.loadDoc(room)).toEqual([]);
    });

    it("compaction turns the log into one state and later appends follow it", async () => {
      const h = await harness();
      const store = await opened(h);
      const { doc, updates } = annotatedDoc(10);
      for (const update of updates) await store.appendDocUpdate(DOC, update);
      await store.writeDocState(DOC, Y.encodeStateAsUpdate(doc));
      const later: Uint8Array[] = [];
      doc.on("update", (update: Uint8Array) => later.push(update));
      addAnnotation(doc, pin("after compaction", 5000));
      await store.appendDocUpdate(DOC, later[0] as Uint8Array);
      const loaded = await store.loadDoc(DOC);
      expect(loaded).toHaveLength(2);
      expect(textsOf(loaded)).toEqual(listAnnotations(doc).map((a) => a.text));
      expect(textsOf(loaded)).toContain("after compaction");
    });
  });
}
