import { mkdtemp, readFile, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, describe, expect, it } from "vitest";
import { FileStore } from "./fileStore.ts";
import { checkRecordingRecord, type RecordingRecord, startingLiveRecord } from "./recordingStore.ts";
import { MemoryStore } from "./store.ts";

const base = startingLiveRecord({
  id: "AAAAAAAAAAAAAAAAAAAAAA",
  sessionId: "SSSSSSSSSSSSSSSSSSSSSS",
  title: "one",
  node: "local",
  startedAt: 1000,
});
const other: RecordingRecord = {
  ...base,
  id: "BBBBBBBBBBBBBBBBBBBBBB",
  sessionId: "TTTTTTTTTTTTTTTTTTTTTT",
  startedAt: 500,
};

describe("recording catalog", () => {
  const dirs: string[] = [];
  afterEach(async () => {
    for (const dir of dirs.splice(0)) await rm(dir, { recursive: true, force: true });
  });

  it("FileStore keeps records across reopen: put, replace, delete, per session, a torn tail cut", async () => {
    const dir = await mkdtemp(join(tmpdir(), "depthroom-catalog-"));
    dirs.push(dir);
    let store = await FileStore.open(dir);
    await store.saveRecording(base);
    await store.saveRecording(other);
    const stopped = { ...base, status: "stopped" as const, stoppedAt: 2000, frames: 5, endTimeNs: "123" };
    await store.saveRecording(stopped);
    await store.appendDocUpdate(`rec-${other.id}`, new Uint8Array([1, 2]));
    await store.deleteRecording(other.id);
    expect(await store.listRecordings()).toEqual([stopped]);
    await store.close();
    // A torn last entry (a crash mid-append) is cut on load.
    const log = join(dir, "recordings.log");
    await writeFile(log, Buffer.concat([await readFile(log), Buffer.from([9, 0, 0, 0, 1])]));
    store = await FileStore.open(dir);
    expect(await store.listRecordings()).toEqual([stopped]);
    expect(await store.getRecording(base.id)).toEqual(stopped);
    expect(await store.listRecordings(other.sessionId)).toEqual([]);
    expect(await store.loadDoc(`rec-${other.id}`)).toEqual([]);
    await store.saveRecording(other);
    expect((await store.listRecordings()).map((r) => r.id)).toEqual([other.id, base.id]);
    await store.close();
  });

  it("MemoryStore implements the same calls and drops the review room's doc", async () => {
    const store = new MemoryStore();
    await store.saveRecording(base);
    await store.saveRecording(other);
    await store.appendDocUpdate(`rec-${base.id}`, new Uint8Array([1]));
    expect((await store.listRecordings(base.sessionId)).map((r) => r.id)).toEqual([base.id]);
    await store.deleteRecording(base.id);
    expect(await store.getRecording(base.id)).toBeUndefined();
    expect(store.docs.has(`rec-${base.id}`)).toBe(false);
  });

  it("validates records, naming the field", () => {
    expect(() => checkRecordingRecord({ ...base, id: "x" })).toThrow(/id/);
    expect(() => checkRecordingRecord({ ...base, frames: -1 })).toThrow(/frames/);
    expect(() => checkRecordingRecord({ ...base, startTimeNs: "1e9" })).toThrow(/startTimeNs/);
    expect(checkRecordingRecord({ ...base, extra: 1 })).toEqual(base);
  });
});
