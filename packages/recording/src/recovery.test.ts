import { mkdtempSync, readFileSync, rmSync, truncateSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { McapIndexedReader, McapStreamReader, type McapTypes } from "@mcap/core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { expectedLatestAt, type SentMessage, sampleStream, T0 } from "../testing/fixtures.ts";
import { decompressHandlers } from "./compression.ts";
import { RecordingError } from "./errors.ts";
import { bytesSource, memorySink } from "./io.ts";
import { createRecordingFile, openRecordingFile, recoverRecordingFile } from "./nodeFiles.ts";
import { openRecording } from "./recordingReader.ts";
import { createRecordingWriter } from "./recordingWriter.ts";
import { finishRecording, recoverRecording } from "./recovery.ts";

interface Written {
  readonly file: Uint8Array;
  /** Where the data section ends in the finished file (what a killed writer may have left at most). */
  readonly dataEnd: number;
  /** Per chunk: end offset of the chunk record, and the publish times of its messages. */
  readonly chunks: { end: number; receiveTimes: bigint[] }[];
}

async function writeAll(sent: readonly SentMessage[]): Promise<Written> {
  const sink = memorySink();
  const writer = createRecordingWriter(sink, { recordingId: "r", sessionId: "s", chunkDurationMs: 150 });
  for (const m of sent) writer.append(m.bytes, m.receiveTimeNs);
  await writer.close();
  const file = sink.bytes();
  const mcap = await McapIndexedReader.Initialize({ readable: bytesSource(file), decompressHandlers });
  // The stream reader yields each chunk followed by its messages, chunks in file order.
  const chunks: { end: number; receiveTimes: bigint[] }[] = [];
  const offsets = [...mcap.chunkIndexes].sort((a, b) => Number(a.chunkStartOffset - b.chunkStartOffset));
  const stream = new McapStreamReader({ includeChunks: true });
  stream.append(file);
  for (let r = stream.nextRecord(); r; r = stream.nextRecord()) {
    if (r.type === "Chunk") {
      const c = offsets[chunks.length] as McapTypes.ChunkIndex;
      chunks.push({ end: Number(c.chunkStartOffset + c.chunkLength), receiveTimes: [] });
    } else if (r.type === "Message") {
      chunks[chunks.length - 1]?.receiveTimes.push(r.publishTime);
    }
  }
  return { file, dataEnd: Number(mcap.dataEndOffset), chunks };
}

describe("recovery of a recording whose writer was killed", () => {
  let sent: SentMessage[];
  let written: Written;
  beforeAll(async () => {
    sent = sampleStream({ seconds: 1.5 });
    written = await writeAll(sent);
  });

  it("turns every truncation of the data section into a valid indexed MCAP that keeps all whole chunks", async () => {
    const { file, dataEnd } = written;
    const cuts = new Set<number>();
    for (let i = 0; i <= 25; i++) cuts.add(Math.round((dataEnd * i) / 25));
    // Around chunk ends: one byte short of a chunk, the chunk exactly, and inside its message index.
    for (const c of written.chunks) for (const d of [-1, 0, 9, 20]) cuts.add(c.end + d);
    cuts.add(dataEnd);
    const mcapPrefix = 8 + 9 + 4 + "depthroom".length + 4 + "@depthroom/recording".length;
    let checked = 0;
    for (const cut of [...cuts].filter((c) => c > mcapPrefix && c <= dataEnd).sort((a, b) => a - b)) {
      const torn = file.subarray(0, cut);
      const sink = memorySink();
      const result = await finishRecording(bytesSource(torn), sink);
      expect(result.complete).toBe(false);
      expect(result.lastGoodOffset).toBeLessThanOrEqual(cut);
      const finished = sink.bytes();
      const mcap = await McapIndexedReader.Initialize({
        readable: bytesSource(finished),
        decompressHandlers,
      });
      const got: bigint[] = [];
      for await (const m of mcap.readMessages()) got.push(m.publishTime);
      // Exactly the messages of the chunks that were whole in the torn file.
      const whole = written.chunks.filter((c) => c.end <= cut).flatMap((c) => c.receiveTimes);
      expect(got.sort()).toEqual(whole.sort());
      expect(result.messages).toBe(whole.length);
      // Finishing a finished file changes nothing.
      const again = await recoverRecording(bytesSource(finished));
      expect(again.complete).toBe(true);
      checked++;
    }
    expect(checked).toBeGreaterThan(30);
  });

  it("names what was lost", async () => {
    const c = written.chunks[2] as { end: number };
    const result = await recoverRecording(bytesSource(written.file.subarray(0, c.end - 100)));
    expect(result.end?.kind).toBe("torn");
    expect(result.problems.join("; ")).toMatch(/ends inside a chunk at byte \d+/);
    expect(result.info.recordingId).toBe("r");
    expect(result.stats.entities.length).toBeGreaterThan(0);
  });

  it("stops at a zero-filled tail (what some file systems leave after a crash)", async () => {
    const c = written.chunks[3] as { end: number };
    const torn = new Uint8Array(c.end - 50 + 4096);
    torn.set(written.file.subarray(0, c.end - 50));
    const sink = memorySink();
    const result = await finishRecording(bytesSource(torn), sink);
    expect(result.end?.kind).toBe("corrupt");
    const mcap = await McapIndexedReader.Initialize({
      readable: bytesSource(sink.bytes()),
      decompressHandlers,
    });
    let n = 0;
    for await (const _ of mcap.readMessages()) n++;
    expect(n).toBe(written.chunks.slice(0, 3).reduce((sum, k) => sum + k.receiveTimes.length, 0));
  });

  it("keeps every chunk that checks out past a damaged one, and names what was lost", async () => {
    // A 20-frame recording of ten or more chunks whose writer was killed (no summary); then 64 bytes in
    // the middle of the third chunk's records are overwritten.
    const frames = sent.filter((m) => m.captureTimeNs !== undefined && m.entityPath === "world/azure/depth");
    const twenty = frames.slice(0, 20);
    expect(twenty).toHaveLength(20);
    const sink = memorySink();
    const writer = createRecordingWriter(sink, { recordingId: "d", chunkDurationMs: 1 });
    for (const m of twenty) writer.append(m.bytes, m.receiveTimeNs);
    await writer.close();
    const finished = sink.bytes();
    const mcap = await McapIndexedReader.Initialize({ readable: bytesSource(finished), decompressHandlers });
    const chunks = [...mcap.chunkIndexes].sort((a, b) => Number(a.chunkStartOffset - b.chunkStartOffset));
    expect(chunks.length).toBeGreaterThanOrEqual(10);
    const damaged = chunks[2] as McapTypes.ChunkIndex;
    const file = finished.slice(0, Number(mcap.dataEndOffset));
    const middle = Number(damaged.chunkStartOffset + damaged.chunkLength / 2n);
    file.fill(0x5a, middle, middle + 64);

    const out = memorySink();
    const result = await finishRecording(bytesSource(file), out);
    const reader = await McapIndexedReader.Initialize({
      readable: bytesSource(out.bytes()),
      decompressHandlers,
    });
    const got: bigint[] = [];
    for await (const m of reader.readMessages()) got.push(m.publishTime);
    let lostInDamaged = 0;
    for await (const m of mcap.readMessages()) {
      if (m.logTime >= damaged.messageStartTime && m.logTime <= damaged.messageEndTime) lostInDamaged++;
    }
    expect(lostInDamaged).toBeGreaterThan(0);
    expect(got).toHaveLength(20 - lostInDamaged);
    expect(result.messages).toBe(20 - lostInDamaged);
    expect(result.problems.join("; ")).toContain(`chunk at byte ${damaged.chunkStartOffset}`);
    expect(result.problems.join("; ")).toMatch(/messages logged from \d+ to \d+ are lost/);
  });

  it("reads an unfinished file directly (indexed by scanning) with the same latest-at answers", async () => {
    const cut = (written.chunks[5] as { end: number }).end + 3;
    const reader = await openRecording(bytesSource(written.file.subarray(0, cut)));
    expect(reader.complete).toBe(false);
    const whole = new Set(written.chunks.filter((c) => c.end <= cut).flatMap((c) => c.receiveTimes));
    const kept = sent.filter((m) => whole.has(m.receiveTimeNs));
    for (const m of kept) {
      if (m.captureTimeNs === undefined) continue;
      const want = expectedLatestAt(kept, m.captureTimeNs);
      const got = await reader.latestAt(m.captureTimeNs);
      expect(got.length).toBe(want.size);
      for (const g of got) {
        expect(Buffer.compare(g.bytes, want.get(`${g.entityPath}#${g.kind}`) as Uint8Array)).toBe(0);
      }
    }
    await expect(
      openRecording(bytesSource(written.file.subarray(0, cut)), { allowUnindexed: false }),
    ).rejects.toMatchObject({
      code: "not-indexed",
    });
  });

  it("refuses what is not an MCAP file at all", async () => {
    const notMcap = new TextEncoder().encode("PNG or something else entirely");
    await expect(recoverRecording(bytesSource(notMcap))).rejects.toMatchObject({ code: "not-mcap" });
    await expect(recoverRecording(bytesSource(new Uint8Array(0)))).rejects.toMatchObject({
      code: "not-mcap",
    });
    await expect(recoverRecording(bytesSource(written.file.subarray(0, 5)))).rejects.toMatchObject({
      code: "truncated",
    });
    await expect(recoverRecording(bytesSource(notMcap))).rejects.toBeInstanceOf(RecordingError);
  });

  describe("on disk", () => {
    let dir: string;
    beforeAll(() => {
      dir = mkdtempSync(join(tmpdir(), "depthroom-recovery-"));
    });
    afterAll(() => rmSync(dir, { recursive: true, force: true }));

    it("recovers a file in place after the writer stopped mid-chunk, and the file then opens complete", async () => {
      const path = join(dir, "crashed.mcap");
      const writer = await createRecordingFile(path, { recordingId: "crash", chunkDurationMs: 150 });
      const half = sent.slice(0, Math.floor(sent.length * 0.8));
      for (const m of half) writer.append(m.bytes, m.receiveTimeNs);
      await writer.flush(); // everything so far reached the file; then the "kill" tears its tail
      await writer.abandon();
      const size = readFileSync(path).byteLength;
      truncateSync(path, size - 777); // the last chunk was torn by the kill
      const result = await recoverRecordingFile(path);
      expect(result.complete).toBe(false);
      expect(result.info.recordingId).toBe("crash");
      // At most the torn chunk (150 ms of stream) is lost.
      const lastKept = half[half.length - 1] as SentMessage;
      const reader = await openRecordingFile(path);
      try {
        expect(reader.complete).toBe(true);
        const range = reader.timeRange();
        expect(Number((lastKept.captureTimeNs as bigint) - (range?.endNs as bigint)) / 1e6).toBeLessThan(200);
        expect(range?.startNs).toBe(T0);
      } finally {
        await reader.close();
      }
      const again = await recoverRecordingFile(path);
      expect(again.complete).toBe(true);
    });
  });
});
