import { execFile } from "node:child_process";
import { writeFile } from "node:fs/promises";
import { join } from "node:path";
import { performance } from "node:perf_hooks";
import { promisify } from "node:util";
import { manyRecordsChunk, zstdChunkBomb } from "@depthroom/recording/testing";
import { ErrorCode } from "@depthroom/schema";
import { loadSampleSets } from "@depthroom/schema/testing";
import { describe, expect, it } from "vitest";
import { cleanupsAfterEach } from "./support/cleanups.ts";
import { ros2Frames, writeRos2Mcap } from "./support/mcapFiles.ts";
import { relayWithSession, scratchDir, type TestRelay } from "./support/relay.ts";

const run = promisify(execFile);
/** argv: file, URL, token; prints the body, a newline and the status. */
const UPLOAD_SCRIPT = `
const [file, url, token] = process.argv.slice(1);
const body = require("node:fs").readFileSync(file);
fetch(url, { method: "POST", headers: { Authorization: "Bearer " + token }, body })
  .then(async (r) => process.stdout.write((await r.text()) + "\\n" + r.status));
`;

// Imports run off the relay's event loop, one at a time, in a worker with a memory limit (issue 12
// item 5): `/healthz` keeps answering while a big valid file, a decompression bomb and a chunk of
// 99,000 empty records are imported, and the bombs are refused with a named reason.

const tum = loadSampleSets()[0] as ReturnType<typeof loadSampleSets>[number];

/** Poll `/healthz` back to back while `work` runs; the slowest answer (ms). */
async function slowestHealthz(relay: TestRelay, work: Promise<unknown>): Promise<number> {
  let done = false;
  void work.finally(() => {
    done = true;
  });
  let slowest = 0;
  let polls = 0;
  while (!done || polls < 3) {
    const started = performance.now();
    const response = await fetch(`${relay.url}/healthz`);
    await response.arrayBuffer();
    expect(response.status).toBe(200);
    slowest = Math.max(slowest, performance.now() - started);
    polls++;
    await new Promise((resolve) => setTimeout(resolve, 5));
  }
  await work;
  return slowest;
}

describe("recording import isolation", () => {
  const cleanups = cleanupsAfterEach();

  it("keeps /healthz answering during imports of a big file and of bombs, which are refused", async () => {
    const { relay, session } = await relayWithSession(cleanups);
    const dir = await scratchDir(cleanups, "depthroom-import-isolation-");
    // Uploaded by another process: the test's own event loop is the relay's, and sending 70 MB
    // from it would be measured as the relay's latency.
    const upload = async (bytes: Uint8Array) => {
      const file = join(dir, `upload-${bytes.byteLength}.mcap`);
      await writeFile(file, bytes);
      const { stdout } = await run(process.execPath, [
        "-e",
        UPLOAD_SCRIPT,
        file,
        `${relay.url}/api/sessions/${session.id}/recordings/import`,
        session.tokens.edit,
      ]);
      const lines = stdout.trimEnd().split("\n");
      const status = Number(lines.pop());
      const body = JSON.parse(lines.join("\n")) as { error?: { code: string; message: string } };
      return { status, error: body.error };
    };

    const frames = ros2Frames(tum.frames, 120);
    const big = await writeRos2Mcap({ frames });
    expect(big.byteLength).toBeGreaterThan(60 * 1024 * 1024);
    const goodUpload = upload(big);
    const duringGood = await slowestHealthz(relay, goodUpload);
    const good = await goodUpload;
    expect(good.status).toBe(201);

    const bombUpload = upload(zstdChunkBomb());
    const duringBomb = await slowestHealthz(relay, bombUpload);
    const bomb = await bombUpload;
    expect(bomb.status).toBe(400);
    expect(bomb.error?.code).toBe(ErrorCode.BadMessage);
    expect(bomb.error?.message).toContain("decompression bomb");

    const recordsUpload = upload(manyRecordsChunk(99_000, 150));
    const duringRecords = await slowestHealthz(relay, recordsUpload);
    const records = await recordsUpload;
    expect(records.status).toBe(400);
    expect(records.error?.message).toMatch(/^nothing to import/);

    console.log(
      `slowest /healthz during imports: big valid file ${duringGood.toFixed(1)} ms, zstd bomb ${duringBomb.toFixed(1)} ms, 99,000 records ${duringRecords.toFixed(1)} ms`,
    );
    // On a quiet machine all three stay under 100 ms (26, 22 and 77 ms measured); a shared, loaded test
    // box delays any round trip by hundreds of ms, so the bound asserted is the one that tells a
    // blocked event loop (the 128 MiB bomb held it 3.6 s before the import limits and the worker).
    for (const slowest of [duringGood, duringBomb, duringRecords]) expect(slowest).toBeLessThan(1000);
  });
});
