import { performance } from "node:perf_hooks";
import { describe, expect, it } from "vitest";
import { decompressChunk, MAX_CHUNK_RATIO, MAX_RECORDS_PER_CHUNK } from "./compression.ts";
import { RecordingError } from "./errors.ts";
import { importMcapAll } from "./importMcap.ts";
import { bytesSource } from "./io.ts";
import { manyRecordsChunk, zstdChunkBomb } from "./testing.ts";

// Decompression bombs (issue 12 item 5): a chunk that would inflate far beyond its size, and a chunk of
// a million empty records, are refused as a problem, quickly, without allocating what they declare.
describe("import limits", () => {
  it("refuses a 4 KB zstd chunk that declares 128 MiB, before inflating it", async () => {
    const bomb = zstdChunkBomb();
    expect(bomb.byteLength).toBeLessThan(5000);
    const started = performance.now();
    const result = await importMcapAll(bytesSource(bomb));
    const elapsed = performance.now() - started;
    expect(result.messages).toEqual([]);
    expect(result.problems).toMatchObject([{ code: "corrupt" }]);
    expect(result.problems[0]?.message).toMatch(/would inflate .* more than \d+ times/);
    expect(elapsed).toBeLessThan(300);
  });

  it("refuses a chunk of a million empty records after the first MAX_RECORDS_PER_CHUNK", async () => {
    const started = performance.now();
    const result = await importMcapAll(bytesSource(manyRecordsChunk()));
    const elapsed = performance.now() - started;
    expect(result.messages).toEqual([]);
    expect(result.problems[0]?.message).toContain(`more than ${MAX_RECORDS_PER_CHUNK} records`);
    expect(elapsed).toBeLessThan(2000);
  });

  it("inflates a small chunk whatever its ratio, and names the limit otherwise", () => {
    const zeros = zstdChunkBomb(64 * 1024);
    expect(zeros.byteLength).toBeLessThan(200);
    const over = 64n * 1024n * 1024n;
    expect(() => decompressChunk("zstd", new Uint8Array(1000), over)).toThrow(RecordingError);
    expect(() => decompressChunk("zstd", new Uint8Array(1000), over)).toThrow(
      `more than ${MAX_CHUNK_RATIO} times`,
    );
  });
});
