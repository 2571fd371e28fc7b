import { createHash } from "node:crypto";
import { readdirSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { ErrorCode, type ImportRecordingResponse } from "@depthroom/schema";
import { loadSampleSets } from "@depthroom/schema/testing";
import { importRecording, listRecordings, recordingAccess } from "@depthroom/sdk";
import { describe, expect, it } from "vitest";
import { cleanupsAfterEach } from "./support/cleanups.ts";
import { ros2Frames, writeRos2Mcap } from "./support/mcapFiles.ts";
import { sessionWithScratchDir } from "./support/recordings.ts";
import { relayWithSession } from "./support/relay.ts";
import { runCli } from "./support/sdk.ts";

// Bad files given to `depthroom import` and to the relay's import endpoint: not MCAP, truncated, an
// 8-bit image, a CameraInfo with zero focal length. Each gets a message naming the problem (refused
// when nothing could be imported, listed when some could) and nothing already stored is harmed.

const azure = (() => {
  const sets = loadSampleSets();
  return sets.find((s) => s.name.startsWith("Azure")) ?? (sets[0] as (typeof sets)[number]);
})();
const frames = ros2Frames(azure.frames);

describe("recording: bad files", () => {
  const cleanups = cleanupsAfterEach();

  it("names each problem and harms nothing stored", async () => {
    const { relay, session, dir } = await sessionWithScratchDir(cleanups, "depthroom-bad-files-");
    const edit = recordingAccess(session.links.edit);
    const good = await writeRos2Mcap({ frames });
    const baseline = await importRecording(edit, new Blob([good]), { title: "baseline" });
    const download = async (id: string) => {
      const response = await fetch(`${relay.url}/api/recordings/${id}/file?token=${session.tokens.view}`);
      return createHash("sha256")
        .update(new Uint8Array(await response.arrayBuffer()))
        .digest("hex");
    };
    const baselineSha = await download(baseline.recordingId);
    const file = (name: string, bytes: Uint8Array) => {
      const path = join(dir, name);
      writeFileSync(path, bytes);
      return path;
    };
    const importCli = (path: string) => runCli(["import", path, "--link", session.links.edit]);
    const importHttp = (bytes: Uint8Array<ArrayBuffer>) =>
      fetch(`${relay.url}/api/sessions/${session.id}/recordings/import`, {
        method: "POST",
        headers: { Authorization: `Bearer ${session.tokens.edit}` },
        body: bytes,
      });

    // Not MCAP: the CLI says so before uploading; the relay says so too.
    const text = new TextEncoder().encode("frame,depth\n0,1234\n");
    const notMcap = await importCli(file("depth.csv", text));
    expect(notMcap.code).toBe(3);
    expect(notMcap.stderr).toContain("depth.csv: not an MCAP file");
    const response = await importHttp(text);
    expect(response.status).toBe(400);
    const refused = ((await response.json()) as { error: { code: string; message: string } }).error;
    expect(refused.code).toBe(ErrorCode.BadMessage);
    expect(refused.message).toMatch(/^not imported: .*MCAP/);

    // MCAP magic, then garbage: refused by the relay, its message reaches the CLI.
    const garbage = new Uint8Array(4096).map((_, i) => (i * 7919) % 251);
    garbage.set(good.subarray(0, 8));
    const garbled = await importCli(file("garbled.mcap", garbage));
    expect(garbled.code).toBe(3);
    expect(garbled.stderr).toMatch(/depthroom import: the relay refused: (not imported|nothing to import): /);

    // Truncated: what can be read is imported, and the cut is named.
    const truncated = await runCli([
      "import",
      file("cut.mcap", good.subarray(0, Math.floor(good.byteLength * 0.6))),
      "--link",
      session.links.edit,
      "--json",
    ]);
    expect(truncated.code).toBe(0);
    const partial = JSON.parse(truncated.stdout) as ImportRecordingResponse & { recordingId: string };
    expect(partial.messages).toBeGreaterThan(0);
    expect(partial.messages).toBeLessThan(baseline.messages);
    expect(partial.problems.map((p) => p.code)).toContain("truncated");
    expect(partial.problems.find((p) => p.code === "truncated")?.message).toMatch(
      /bytes from there were not imported/,
    );

    // An 8-bit Bayer image (mono8, rgb8 and bgr8 import as colour images; Bayer and YUV do not):
    // nothing to import; the message names the encoding.
    const bayer = frames.map((f) => ({ ...f, data: new Uint8Array(f.width * f.height).fill(200) }));
    const eightBit = await importCli(
      file("bayer.mcap", await writeRos2Mcap({ frames: bayer, encoding: "bayer_rggb8", k: null })),
    );
    expect(eightBit.code).toBe(3);
    expect(eightBit.stderr).toContain("nothing to import: topic /cam/depth/image_raw:");
    expect(eightBit.stderr).toMatch(/8-bit/);

    // A CameraInfo with zero focal length: alone, nothing to import; with depth, the depth is imported
    // and the calibration named.
    const zeroK = [0, 0, 160, 0, 0, 144, 0, 0, 1];
    const zeroOnly = await importCli(
      file("zero-k.mcap", await writeRos2Mcap({ frames, k: zeroK, images: false })),
    );
    expect(zeroOnly.code).toBe(3);
    expect(zeroOnly.stderr).toContain("camera calibration has focal length fx=0, fy=0");
    const zeroWithDepth = await importCli(
      file("zero-k-depth.mcap", await writeRos2Mcap({ frames, k: zeroK })),
    );
    expect(zeroWithDepth.code).toBe(0);
    expect(zeroWithDepth.stderr).toContain(
      "problem (zero-focal-length): topic /cam/depth/camera_info: camera calibration has focal length fx=0, fy=0",
    );

    // Nothing stored was harmed: the baseline is listed as before, its file unchanged; the refused
    // imports left no recording and no file behind.
    const listed = await listRecordings(recordingAccess(session.links.view));
    expect(listed.map((r) => r.id).sort()).toEqual(
      [baseline.recordingId, partial.recordingId, zeroWithDepth.stdout.trim()].sort(),
    );
    expect(listed.find((r) => r.id === baseline.recordingId)).toEqual(
      (({ links: _links, ...rest }) => rest)(baseline.recording),
    );
    expect(await download(baseline.recordingId)).toBe(baselineSha);
    const files = readdirSync(join(relay.dataDir, "recordings")).sort();
    expect(files).toEqual(listed.map((r) => `${r.id}.mcap`).sort());
  });

  it("refuses imports without an edit token of the session, with named errors", async () => {
    const { relay, session } = await relayWithSession(cleanups);
    const good = await writeRos2Mcap({ frames: frames.slice(0, 1) });
    const post = (token: string | undefined, session_ = session.id) =>
      fetch(`${relay.url}/api/sessions/${session_}/recordings/import`, {
        method: "POST",
        headers: token ? { Authorization: `Bearer ${token}` } : {},
        body: good,
      }).then(async (r) => [r.status, ((await r.json()) as { error: { code: string } }).error.code]);
    expect(await post(undefined)).toEqual([401, ErrorCode.Unauthorized]);
    expect(await post(session.tokens.view)).toEqual([403, ErrorCode.Forbidden]);
    expect(await post(session.tokens.publish)).toEqual([403, ErrorCode.Forbidden]);
    expect(await post("v1.forged.token")).toEqual([403, ErrorCode.BadToken]);
    const other = await relay.createSession();
    expect(await post(other.tokens.edit)).toEqual([403, ErrorCode.BadToken]);
    const viewCli = await runCli(["import", "/dev/null", "--link", session.links.view]);
    expect(viewCli.code).toBe(4);
    expect(viewCli.stderr).toContain("this is a view link; importing needs the session's edit link");
    expect(await listRecordings(recordingAccess(session.links.view))).toEqual([]);
  });
});
