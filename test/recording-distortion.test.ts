import { writeFileSync } from "node:fs";
import { join } from "node:path";
import { decodeMessage, encodeMessage, type Pinhole, readEnvelope } from "@depthroom/schema";
import { fetchLatestAt, recordingAccess, startRecording, stopRecording } from "@depthroom/sdk";
import { describe, expect, it } from "vitest";
import { cleanupsAfterEach } from "./support/cleanups.ts";
import { collectFrames, connectFrames, publish, subscribe, waitFor } from "./support/clients.ts";
import { ros2Frames, writeRos2Mcap } from "./support/mcapFiles.ts";
import { decodeAll, exportWithCli, readMcapFile, sessionWithScratchDir } from "./support/recordings.ts";
import { runCli } from "./support/sdk.ts";

// Issue 17: a ROS 2 MCAP whose CameraInfo has a plumb_bob D keeps it through `depthroom import`, a live
// session (published, fanned out to a viewer, recorded) and `depthroom export --format foxglove`
// (the exported CameraCalibration's distortion_model and D equal the source's).

const D = [-0.3, 0.12, 0.0011, -0.0007, -0.025];

describe("lens distortion through import, live and export", () => {
  const cleanups = cleanupsAfterEach();

  it("keeps a plumb_bob CameraInfo's D from a ROS 2 MCAP to the exported CameraCalibration", async () => {
    const { relay, session, dir } = await sessionWithScratchDir(cleanups, "depthroom-distortion-", {
      title: "distortion",
    });

    // Import.
    const frames = ros2Frames(
      [0, 1, 2].map((i) => ({ width: 64, height: 48, depth: new Uint16Array(64 * 48).fill(1500 + i) })),
    );
    const source = join(dir, "ros2.mcap");
    writeFileSync(source, await writeRos2Mcap({ frames, distortion: { model: "plumb_bob", d: D } }));
    const run = await runCli(["import", source, "--link", session.links.edit, "--json"]);
    expect(run.code, run.stderr).toBe(0);
    const imported = JSON.parse(run.stdout) as { recordingId: string; problems: unknown[] };
    expect(imported.problems).toEqual([]);
    const view = recordingAccess(session.links.view);
    const batch = await fetchLatestAt(view, imported.recordingId, frames[2]?.t as bigint);
    const pinholeBytes = batch.map((m) => m.bytes).find((b) => readEnvelope(b).kind === "Pinhole");
    expect(pinholeBytes).toBeDefined();
    const importedPinhole = decodeMessage(pinholeBytes as Uint8Array).archetype as Pinhole;
    expect(importedPinhole.distortion).toEqual({ model: "plumb_bob", coefficients: D });
    expect(decodeAll(batch).length).toBeGreaterThan(1);

    // Live: the imported Pinhole published into the session reaches a viewer unchanged, and is recorded.
    const edit = recordingAccess(session.links.edit);
    const recording = await startRecording(edit);
    const { socket: viewer } = await connectFrames(relay.url, session.id, session.tokens.view);
    cleanups.push(() => viewer.close());
    const received = collectFrames(viewer);
    expect(await subscribe(viewer)).toMatchObject({ ok: true });
    const { socket: rig } = await connectFrames(relay.url, session.id, session.tokens.publish);
    cleanups.push(() => rig.close());
    const live = decodeMessage(pinholeBytes as Uint8Array);
    expect(await publish(rig, encodeMessage({ ...live, static: true }))).toEqual({ ok: true });
    await waitFor(() => received.some((f) => readEnvelope(f.bytes).kind === "Pinhole"), 5000, "the pinhole");
    const seen = received.find((f) => readEnvelope(f.bytes).kind === "Pinhole") as { bytes: Uint8Array };
    expect(readEnvelope(seen.bytes).kindVersion).toBe(2);
    expect((decodeMessage(seen.bytes).archetype as Pinhole).distortion).toEqual({
      model: "plumb_bob",
      coefficients: D,
    });
    await stopRecording(edit, recording.id);

    // Export the live recording as a Foxglove MCAP: its CameraCalibration carries the source's D.
    const exported = join(dir, "exported.mcap");
    const exportRun = await exportWithCli(recording.id, session.links.view, "foxglove", exported);
    expect(exportRun.code, exportRun.stderr).toBe(0);
    const mcap = await readMcapFile(exported);
    const calibrations: { distortion_model: string; D: number[] }[] = [];
    for await (const m of mcap.readMessages()) {
      const schema = mcap.schemasById.get(mcap.channelsById.get(m.channelId)?.schemaId ?? -1);
      if (schema?.name === "foxglove.CameraCalibration")
        calibrations.push(JSON.parse(new TextDecoder().decode(m.data)));
    }
    expect(calibrations).toHaveLength(1);
    expect(calibrations[0]).toMatchObject({ distortion_model: "plumb_bob", D });
  });
});
