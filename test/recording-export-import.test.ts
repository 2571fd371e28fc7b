import { createHash } from "node:crypto";
import { readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import {
  DepthImage,
  encodeMessage,
  type LogMessage,
  loadUpZstdEncoder,
  Pinhole,
  type PublishResult,
  type Transform3D,
  Transform3D as Transform3DClass,
} from "@depthroom/schema";
import { AZURE_INTRINSICS, loadSampleSets } from "@depthroom/schema/testing";
import { fetchLatestAt, recordingAccess, startRecording, stopRecording } from "@depthroom/sdk";
import { describe, expect, it } from "vitest";
import { cleanupsAfterEach } from "./support/cleanups.ts";
import { connectFrames, type FrameSocket } from "./support/clients.ts";
import { ros2Frames, writeRos2Mcap } from "./support/mcapFiles.ts";
import {
  decodeAll,
  depthData,
  depthOf,
  exportWithCli,
  readMcapFile,
  sameValues,
  sessionWithScratchDir,
  timeOf,
} from "./support/recordings.ts";
import { runCli } from "./support/sdk.ts";

// `depthroom export --format foxglove` of a recording made through the relay, then `depthroom import`
// of that file: the new recording holds the same depth values, intrinsics, transforms and capture times.
// And a ROS 2 MCAP written here with @mcap/core + CDR imports with its exact depth and intrinsics.

const [tum, azure] = (() => {
  const sets = loadSampleSets();
  const find = (prefix: string) => sets.find((s) => s.name.startsWith(prefix)) ?? (sets[0] as never);
  return [find("TUM"), find("Azure")] as const;
})();

function publish(socket: FrameSocket, message: LogMessage): Promise<PublishResult> {
  return new Promise((resolve) => socket.emit("publish", encodeMessage(message), resolve));
}

describe("recording: export and import through the CLI", () => {
  const cleanups = cleanupsAfterEach();

  const setup = () => sessionWithScratchDir(cleanups, "depthroom-export-", { title: "round trip" });

  it("round-trips a recording through a Foxglove MCAP: same depth, intrinsics, transforms, times", async () => {
    const { dir, session, relay } = await setup();
    const { socket } = await connectFrames(relay.url, session.id, session.tokens.publish);
    cleanups.push(() => socket.close());
    const edit = recordingAccess(session.links.edit);
    const recording = await startRecording(edit);
    // Two cameras as a rig logs them: static Azure intrinsics, TUM intrinsics + pose over time.
    const sent: LogMessage[] = [
      {
        entityPath: "world/azure",
        timelines: [],
        static: true,
        archetype: Pinhole.fromIntrinsics(AZURE_INTRINSICS),
      },
    ];
    const base = BigInt(Date.now() + 1000) * 1_000_000n; // after the static Pinhole's receive time
    const at = (i: number) => [
      { timeline: "frame", kind: "sequence" as const, value: BigInt(i) },
      { timeline: "capture_time", kind: "timestamp" as const, value: base + BigInt(i) * 100_000_000n },
    ];
    for (let i = 0; i < 12; i++) {
      const a = azure.frames[i % azure.frames.length] as (typeof azure.frames)[number];
      sent.push({
        entityPath: "world/azure/depth",
        timelines: at(i),
        archetype: new DepthImage(a.depth, { width: a.width, height: a.height, meter: azure.unitsPerMetre }),
      });
      if (i % 4 === 0) {
        const g = tum.frames[0] as (typeof tum.frames)[number];
        sent.push(
          {
            entityPath: "world/tum",
            timelines: at(i),
            archetype: Pinhole.fromIntrinsics({
              fx: 525,
              fy: 525,
              cx: 319.5,
              cy: 239.5,
              width: g.width,
              height: g.height,
            }),
          },
          {
            entityPath: "world/tum",
            timelines: at(i),
            archetype: new Transform3DClass({
              translation: [0.1 * i, 0.2, -0.3],
              rotation: [0, 0.6, 0, 0.8],
            }),
          },
          {
            entityPath: "world/tum/depth",
            timelines: at(i),
            archetype: new DepthImage(g.depth, {
              width: g.width,
              height: g.height,
              meter: tum.unitsPerMetre,
            }),
          },
        );
      }
    }
    for (const m of sent) expect(await publish(socket, m)).toEqual({ ok: true });
    const stopped = await stopRecording(edit, recording.id);
    expect(stopped.frames).toBe(sent.length);

    const exported = join(dir, "exported.mcap");
    const exportRun = await exportWithCli(recording.id, session.links.view, "foxglove", exported);
    expect(exportRun.stderr).toContain(
      `exported recording ${recording.id} to ${exported} (Foxglove MCAP: 15 images`,
    );
    expect(exportRun.code).toBe(0);
    const mcap = await readMcapFile(exported);
    expect([...mcap.schemasById.values()].map((s) => s.name).sort()).toEqual([
      "foxglove.CameraCalibration",
      "foxglove.FrameTransform",
      "foxglove.RawImage",
    ]);

    const importRun = await runCli(["import", exported, "--link", session.links.edit, "--json"]);
    expect(importRun.code).toBe(0);
    const imported = JSON.parse(importRun.stdout) as {
      recordingId: string;
      messages: number;
      skipped: unknown[];
      problems: unknown[];
    };
    expect(imported).toMatchObject({ skipped: [], problems: [] });
    expect(imported.recordingId).not.toBe(recording.id);

    // Every temporal message of the original is in the copy, at the same capture time, with equal values.
    const view = recordingAccess(session.links.view);
    for (let i = 0; i < 12; i++) {
      const t = base + BigInt(i) * 100_000_000n;
      const original = decodeAll(await fetchLatestAt(view, recording.id, t));
      const copy = decodeAll(await fetchLatestAt(view, imported.recordingId, t));
      for (const entity of ["world/azure/depth", "world/tum/depth"]) {
        const a = depthOf(original, entity) as LogMessage;
        const b = depthOf(copy, entity) as LogMessage;
        expect(b, `${entity} at ${t}`).toBeDefined();
        expect(timeOf(b, "capture_time")).toBe(timeOf(a, "capture_time"));
        expect((b.archetype as DepthImage).meter).toBe((a.archetype as DepthImage).meter);
        expect(sameValues(depthData(b), depthData(a)), `${entity} depth at ${t}`).toBe(true);
      }
      for (const entity of ["world/azure", "world/tum"]) {
        const a = original.find((m) => m.entityPath === entity && m.archetype.kind === "Pinhole")
          ?.archetype as Pinhole;
        const b = copy.find((m) => m.entityPath === entity && m.archetype.kind === "Pinhole")
          ?.archetype as Pinhole;
        expect([b.fx, b.fy, b.cx, b.cy, ...(b.resolution ?? [])]).toEqual([
          a.fx,
          a.fy,
          a.cx,
          a.cy,
          ...(a.resolution ?? []),
        ]);
      }
      const ta = original.find((m) => m.archetype.kind === "Transform3D") as LogMessage;
      const tb = copy.find((m) => m.archetype.kind === "Transform3D") as LogMessage;
      expect(tb.entityPath).toBe(ta.entityPath);
      expect(timeOf(tb, "capture_time")).toBe(timeOf(ta, "capture_time"));
      expect((tb.archetype as Transform3D).translation).toEqual((ta.archetype as Transform3D).translation);
      expect((tb.archetype as Transform3D).rotation).toEqual((ta.archetype as Transform3D).rotation);
    }

    // --format depthroom: the file exactly as the relay stores it.
    const raw = join(dir, "raw.mcap");
    const rawRun = await exportWithCli(recording.id, session.links.view, "depthroom", raw, "--json");
    expect(rawRun.code).toBe(0);
    const download = await fetch(
      `${relay.url}/api/recordings/${recording.id}/file?token=${session.tokens.view}`,
    );
    expect(download.headers.get("content-disposition")).toBe(`attachment; filename="${recording.id}.mcap"`);
    const sha = (b: Uint8Array) => createHash("sha256").update(b).digest("hex");
    expect(sha(readFileSync(raw))).toBe(sha(new Uint8Array(await download.arrayBuffer())));
    expect(JSON.parse(rawRun.stdout)).toMatchObject({ recordingId: recording.id, format: "depthroom" });
  });

  it("exports a recording holding an undecodable frame: that frame is left out and named, the rest exported", async () => {
    // The relay records a frame after reading its envelope only, so a producer can get a payload that
    // does not decode into a recording; the export costs that frame, not the recording.
    const { dir, session, relay } = await setup();
    const { socket } = await connectFrames(relay.url, session.id, session.tokens.publish);
    cleanups.push(() => socket.close());
    const edit = recordingAccess(session.links.edit);
    const recording = await startRecording(edit);
    await loadUpZstdEncoder();
    const g = tum.frames[0] as (typeof tum.frames)[number];
    const base = BigInt(Date.now() + 1000) * 1_000_000n;
    for (let i = 0; i < 3; i++) {
      const bytes = encodeMessage(
        {
          entityPath: "world/tum/depth",
          timelines: [{ timeline: "capture_time", kind: "timestamp", value: base + BigInt(i) * 33_000_000n }],
          archetype: new DepthImage(g.depth, { width: g.width, height: g.height, meter: tum.unitsPerMetre }),
        },
        { depthEncoding: "up-zstd" },
      );
      // The middle frame's zstd magic zeroed: its envelope stays valid.
      if (i === 1) bytes[Buffer.from(bytes).indexOf(Buffer.from([0x28, 0xb5, 0x2f, 0xfd]))] = 0;
      expect(await new Promise((resolve) => socket.emit("publish", bytes, resolve))).toEqual({ ok: true });
    }
    expect((await stopRecording(edit, recording.id)).frames).toBe(3);

    const out = join(dir, "partial.mcap");
    const json = await exportWithCli(recording.id, session.links.view, "foxglove", out, "--json");
    expect(json.code).toBe(0);
    const report = JSON.parse(json.stdout) as {
      images: number;
      problems: { entityPath: string; count: number }[];
    };
    expect(report.images).toBe(2);
    expect(report.problems).toMatchObject([{ code: "bad-message", entityPath: "world/tum/depth", count: 1 }]);
    const text = await exportWithCli(recording.id, session.links.view, "foxglove", out, "-q");
    expect(text.code).toBe(0);
    expect(text.stderr).toMatch(/^problem \(bad-message\): entity world\/tum\/depth: .*corrupt-payload/m);
  });

  it("imports a ROS 2 MCAP (sensor_msgs Image 16UC1 + CameraInfo, CDR) written by the test", async () => {
    const { dir, session } = await setup();
    const frames = ros2Frames(azure.frames);
    const file = join(dir, "ros2.mcap");
    writeFileSync(file, await writeRos2Mcap({ frames, imu: true }));
    const run = await runCli(["import", file, "--link", session.links.edit]);
    expect(run.code).toBe(0);
    const id = run.stdout.trim();
    // Six images and one Pinhole (a CameraInfo repeated unchanged is kept once).
    expect(run.stderr).toContain(`imported ${frames.length + 1} messages from ${file} as recording ${id}`);
    expect(run.stderr).toContain("skipped /imu (sensor_msgs/msg/Imu)");

    const view = recordingAccess(session.links.view);
    for (const f of frames) {
      const answer = decodeAll(await fetchLatestAt(view, id, f.t));
      const depth = depthOf(answer, "cam_depth_optical_frame/image_raw") as LogMessage;
      expect(timeOf(depth, "capture_time")).toBe(f.t);
      expect(sameValues(depthData(depth), f.data)).toBe(true);
      expect((depth.archetype as DepthImage).meter).toBe(1000);
      const k = answer.find((m) => m.archetype.kind === "Pinhole");
      expect(k?.entityPath).toBe("cam_depth_optical_frame");
      const p = k?.archetype as Pinhole;
      expect([p.fx, p.fy, p.cx, p.cy]).toEqual([252, 252.5, 160, 144]);
    }
  });
});
