import { appendFile, mkdtemp, readdir, readFile, rm, stat, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, describe, expect, it } from "vitest";
import { FileStore, loadOrCreateSecret } from "./fileStore.ts";
import { createLogger } from "./log.ts";
import { DocumentTooLargeError } from "./store.ts";
import { encodeRecord, readRecords } from "./updateLog.ts";

describe("update log records", () => {
  it("round-trips and stops at a torn or corrupted tail", () => {
    const records = [new Uint8Array([1, 2, 3]), new Uint8Array(0), new Uint8Array(1000).fill(7)];
    const file = Buffer.concat(records.map((record) => encodeRecord(record)));
    const plain = (list: Uint8Array[]) => list.map((r) => [...r]);
    const read = readRecords(file);
    expect(plain(read.records)).toEqual(plain(records));
    expect(read).toMatchObject({ validBytes: file.length, discardedBytes: 0 });
    const torn = file.subarray(0, file.length - 10);
    expect(readRecords(torn).records).toHaveLength(2);
    const corrupt = Buffer.from(file);
    const flip = 8 + 3 + 8 + 8 + 5;
    corrupt.writeUInt8(corrupt.readUInt8(flip) ^ 0xff, flip);
    expect(plain(readRecords(corrupt).records)).toEqual(plain(records.slice(0, 2)));
    expect(readRecords(corrupt).discardedBytes).toBe(8 + 1000);
    const hugeLength = Buffer.from(file);
    hugeLength.writeUInt32LE(0xffffffff, 0);
    expect(readRecords(hugeLength).records).toEqual([]);
  });
});

describe("FileStore", () => {
  const dirs: string[] = [];
  afterEach(async () => {
    for (const dir of dirs.splice(0)) await rm(dir, { recursive: true, force: true });
  });
  const tempDir = async () => {
    const dir = await mkdtemp(join(tmpdir(), "depthroom-store-"));
    dirs.push(dir);
    return dir;
  };

  it("keeps sessions and doc updates across reopen, compacts, and cuts a torn tail", async () => {
    const dir = await tempDir();
    let store = await FileStore.open(dir);
    await store.saveSession({ id: "AAAAAAAAAAAAAAAAAAAAAA", title: "one", createdAt: 1 });
    await store.saveSession({ id: "BBBBBBBBBBBBBBBBBBBBBB", title: "two", createdAt: 2 });
    await Promise.all(
      [1, 2, 3].map((n) => store.appendDocUpdate("AAAAAAAAAAAAAAAAAAAAAA", new Uint8Array([n]))),
    );
    await store.close();
    await appendFile(join(dir, "docs", "AAAAAAAAAAAAAAAAAAAAAA.ylog"), Buffer.from([9, 0, 0]));

    store = await FileStore.open(dir);
    expect((await store.loadSessions()).map((s) => s.title)).toEqual(["one", "two"]);
    const plain = (list: Uint8Array[]) => list.map((r) => [...r]);
    expect(plain(await store.loadDoc("AAAAAAAAAAAAAAAAAAAAAA"))).toEqual([[1], [2], [3]]);
    const path = join(dir, "docs", "AAAAAAAAAAAAAAAAAAAAAA.ylog");
    expect((await stat(path)).size).toBe(3 * 9);
    await store.writeDocState("AAAAAAAAAAAAAAAAAAAAAA", new Uint8Array([7, 7]));
    await store.appendDocUpdate("AAAAAAAAAAAAAAAAAAAAAA", new Uint8Array([8]));
    expect(plain(await store.loadDoc("AAAAAAAAAAAAAAAAAAAAAA"))).toEqual([[7, 7], [8]]);
    expect(await store.loadDoc("CCCCCCCCCCCCCCCCCCCCCC")).toEqual([]);
    await expect(store.loadDoc("../secret")).rejects.toThrow(/bad document name/);
    await store.close();
    await expect(store.appendDocUpdate("AAAAAAAAAAAAAAAAAAAAAA", new Uint8Array([1]))).rejects.toThrow(
      /closed/,
    );
  });

  it("moves a log it cannot read aside intact, says how to recover it, and loads the records before the damage", async () => {
    const dir = await tempDir();
    const lines: string[] = [];
    const logger = createLogger("info", (line) => lines.push(line));
    const name = "AAAAAAAAAAAAAAAAAAAAAA";
    const path = join(dir, "docs", `${name}.ylog`);
    let store = await FileStore.open(dir, { logger });
    await store.appendDocUpdate(name, new Uint8Array([1]));
    await store.appendDocUpdate(name, new Uint8Array([2]));
    await store.close();
    // A record whose length is over the bound (what compaction of a huge doc used to write), then more.
    const header = Buffer.alloc(8);
    header.writeUInt32LE(300 * 1024 * 1024, 0);
    await appendFile(path, Buffer.concat([header, Buffer.alloc(64, 5), encodeRecord(new Uint8Array([3]))]));
    const damaged = await readFile(path);

    store = await FileStore.open(dir, { logger });
    const plain = (list: Uint8Array[]) => list.map((r) => [...r]);
    expect(plain(await store.loadDoc(name))).toEqual([[1], [2]]);
    await store.close();
    const aside = (await readdir(join(dir, "docs"))).filter((file) =>
      file.startsWith(`${name}.ylog.unreadable-`),
    );
    expect(aside).toHaveLength(1);
    expect(await readFile(join(dir, "docs", aside[0] as string))).toEqual(damaged);
    const error = lines.map((line) => JSON.parse(line)).find((line) => line.level === "error");
    expect(error).toMatchObject({ msg: "document log unreadable past a record; moved aside", doc: name });
    expect(error.movedTo).toBe(join(dir, "docs", aside[0] as string));
    expect(error.recover).toMatch(/stop the relay/);
  });

  it("refuses to compact a document over the record bound and keeps its log", async () => {
    const dir = await tempDir();
    const name = "AAAAAAAAAAAAAAAAAAAAAA";
    let store = await FileStore.open(dir, { maxRecordBytes: 1024 });
    for (let i = 0; i < 4; i++) await store.appendDocUpdate(name, new Uint8Array(600).fill(i));
    await expect(store.writeDocState(name, new Uint8Array(2400))).rejects.toBeInstanceOf(
      DocumentTooLargeError,
    );
    await expect(store.appendDocUpdate(name, new Uint8Array(1025))).rejects.toBeInstanceOf(
      DocumentTooLargeError,
    );
    await store.close();
    store = await FileStore.open(dir, { maxRecordBytes: 1024 });
    expect((await store.loadDoc(name)).map((r) => r[0])).toEqual([0, 1, 2, 3]);
    await store.close();
  });

  it("creates the secret once, private to the owner", async () => {
    const dir = await tempDir();
    const first = await loadOrCreateSecret(dir, () => "x".repeat(64));
    const second = await loadOrCreateSecret(dir, () => "y".repeat(64));
    expect(second).toBe(first);
    expect((await stat(join(dir, "secret"))).mode & 0o777).toBe(0o600);
    expect((await readFile(join(dir, "secret"), "utf8")).trim()).toBe(first);
  });

  it("refuses a secret file that is too short, naming it, and leaves it as it is", async () => {
    const dir = await tempDir();
    await writeFile(join(dir, "secret"), "short-secret\n");
    await expect(loadOrCreateSecret(dir, () => "y".repeat(64))).rejects.toThrow(
      `${join(dir, "secret")} holds 12 characters; a secret needs at least 32`,
    );
    expect(await readFile(join(dir, "secret"), "utf8")).toBe("short-secret\n");
  });
});
