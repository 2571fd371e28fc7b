import { join } from "node:path";
import {
  addMeasurement,
  listMeasurements,
  type Measurement,
  measure,
  measurementLabel,
  reviewRoomName,
} from "@depthroom/schema";
import {
  describeRecording,
  fetchMeasurements,
  recordingAccess,
  startRecording,
  stopRecording,
} from "@depthroom/sdk";
import { describe, expect, it } from "vitest";
import { cleanupsAfterEach } from "./support/cleanups.ts";
import { openDoc } from "./support/clients.ts";
import { exportWithCli, readMcapFile, recordableSession } from "./support/recordings.ts";
import { scratchDir } from "./support/relay.ts";

// Issue 20: the measurements of a recording's review room go into its Foxglove export. A real relay
// records a session; a y-websocket client (edit token) writes measurements into the review room
// `rec-<id>`; `depthroom export --format foxglove` with the recording's view link writes the complete
// ones on /depthroom/measurements as JSON, each equal to what was written (and its figures).

const MEASUREMENTS_TOPIC = "/depthroom/measurements";

/** An exported measurement's JSON, as far as this test reads it. */
interface ExportedMeasurement {
  id: string;
  points: { x: number; y: number; z: number; u: number | null; v: number | null }[];
}

/** Checks an exported body against the measurement written: same id, kind, entity, points, author, time. */
function expectExported(body: ExportedMeasurement | undefined, m: Measurement): void {
  const values = measure(m);
  expect(body).toMatchObject({
    kind: m.kind,
    entity_path: m.entityPath,
    author: m.author.name,
    time: m.time,
    label: measurementLabel(values),
    length_m: values.kind === "distance" || values.kind === "polyline" ? values.length : null,
    angle_deg: values.kind === "angle" ? values.degrees : null,
  });
  expect(body?.points.map((p) => [p.x, p.y, p.z])).toEqual(m.points.map((p) => p.world));
  expect(body?.points.map((p) => (p.u === null ? null : { u: p.u, v: p.v }))).toEqual(
    m.points.map((p) => p.pixel),
  );
}

describe("recording export: the review room's measurements", () => {
  const cleanups = cleanupsAfterEach();

  it("a CLI Foxglove export carries the complete measurements of the review room, as written", async () => {
    const { relay, session, edit } = await recordableSession(cleanups, "measured");
    const dir = await scratchDir(cleanups, "depthroom-export-measurements-");
    const recording = await startRecording(edit);
    await stopRecording(edit, recording.id);
    const viewLink = (await describeRecording(edit, recording.id)).links?.view;
    if (!viewLink) throw new Error("the recording has no review view link");

    const room = openDoc(relay.url, reviewRoomName(recording.id), session.tokens.edit);
    cleanups.push(() => room.destroy());
    await room.synced();
    const author = { id: "user-a", name: "Alice", color: "#e6194b" };
    const distanceId = addMeasurement(room.doc, {
      kind: "distance",
      entityPath: "world/camera/depth",
      time: { timeline: "log_time", value: 1_700_000_000_100_000_000 },
      points: [
        { world: [0.1, -0.2, 2], pixel: { u: 100, v: 100 } },
        { world: [0.45, -0.2, 2.01], pixel: { u: 200, v: 100 } },
      ],
      author,
      createdAt: 1000,
    });
    const angleId = addMeasurement(room.doc, {
      kind: "angle",
      entityPath: "world/camera/depth",
      time: null,
      points: [
        { world: [1, 0, 2], pixel: null },
        { world: [0, 0, 2], pixel: { u: 10, v: 20 } },
        { world: [0, 1, 2], pixel: null },
      ],
      author,
      createdAt: 2000,
    });
    // Still being drawn: not exported.
    addMeasurement(room.doc, {
      kind: "polyline",
      entityPath: "world/camera/depth",
      points: [{ world: [0, 0, 1], pixel: null }],
      complete: false,
      author,
      createdAt: 3000,
    });
    const written = listMeasurements(room.doc);
    const complete = written.filter((m) => m.complete);
    expect(complete.map((m) => m.id)).toEqual([distanceId, angleId]);

    // The relay's answer (view token): the complete ones once the relay has applied the updates.
    const view = recordingAccess(viewLink);
    const deadline = Date.now() + 5000;
    let fromRelay: readonly Measurement[] = [];
    while (Date.now() < deadline) {
      fromRelay = await fetchMeasurements(view, recording.id);
      if (fromRelay.length === complete.length) break;
      await new Promise((resolve) => setTimeout(resolve, 50));
    }
    expect(fromRelay).toEqual(complete);

    const out = join(dir, "measured.foxglove.mcap");
    const result = await exportWithCli(recording.id, viewLink, "foxglove", out, "--json");
    expect(result.code, result.stderr).toBe(0);
    expect(JSON.parse(result.stdout)).toMatchObject({ recordingId: recording.id, measurements: 2 });

    const reader = await readMcapFile(out);
    const channel = [...reader.channelsById.values()].find((c) => c.topic === MEASUREMENTS_TOPIC);
    if (!channel) throw new Error(`no ${MEASUREMENTS_TOPIC} channel in the export`);
    expect(channel.messageEncoding).toBe("json");
    const schema = reader.schemasById.get(channel.schemaId);
    expect(schema?.encoding).toBe("jsonschema");
    const bodies: ExportedMeasurement[] = [];
    const logTimes: bigint[] = [];
    for await (const message of reader.readMessages({ topics: [MEASUREMENTS_TOPIC] })) {
      bodies.push(JSON.parse(new TextDecoder().decode(message.data)) as ExportedMeasurement);
      logTimes.push(message.logTime);
    }
    expect(bodies).toHaveLength(2);
    for (const m of complete)
      expectExported(
        bodies.find((body) => body.id === m.id),
        m,
      );
    // The distance is stamped at its log time; the angle (no time) at the recording's start.
    expect(logTimes).toContain(1_700_000_000_100_000_000n);
  });
});
