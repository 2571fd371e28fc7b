import { DepthImage, encodeMessage, type LogMessage, type Measurement } from "@depthroom/schema";
import { McapIndexedReader } from "@mcap/core";
import { describe, expect, it } from "vitest";
import { decompressHandlers } from "./compression.ts";
import { EXPORT_TOPICS, exportFoxglove } from "./exportFoxglove.ts";
import { bytesSource, memorySink } from "./io.ts";
import { createRecordingWriter } from "./recordingWriter.ts";

// Issue 20: a room's measurements go into the recording's Foxglove export as a JSON channel.
const T0 = 1_700_000_000_000_000_000n;
const author = { id: "u1", name: "Alice", color: "#ef476f" };

const measurement = (id: string, patch: Partial<Measurement>): Measurement => ({
  id,
  kind: "distance",
  entityPath: "world/cam/depth",
  time: { timeline: "log_time", value: Number(T0 + 100_000_000n) },
  points: [
    { world: [0, 0, 2], pixel: { u: 1, v: 1 } },
    { world: [0.3, 0.4, 2], pixel: { u: 3, v: 1 } },
  ],
  complete: true,
  author,
  createdAt: 1,
  ...patch,
});

describe("Foxglove export of measurements", () => {
  it("writes the complete ones on /depthroom/measurements at their log time, with their figures", async () => {
    const recording = memorySink();
    const writer = createRecordingWriter(recording);
    for (let i = 0n; i < 3n; i++) {
      const message: LogMessage = {
        entityPath: "world/cam/depth",
        timelines: [{ timeline: "capture_time", kind: "timestamp", value: T0 + i * 100_000_000n }],
        archetype: new DepthImage(new Uint16Array(16).fill(2000), { width: 4, height: 4 }),
      };
      writer.append(encodeMessage(message), T0 + i * 100_000_000n);
    }
    await writer.close();
    const out = memorySink();
    const stats = await exportFoxglove(bytesSource(recording.bytes()), out, {
      measurements: [
        measurement("m1", {}),
        measurement("m2", { complete: false, points: [] }),
        measurement("m3", {
          kind: "angle",
          time: { timeline: "frame", value: 4 },
          points: [
            { world: [1, 0, 2], pixel: null },
            { world: [0, 0, 2], pixel: null },
            { world: [0, 1, 2], pixel: null },
          ],
        }),
      ],
    });
    expect(stats).toMatchObject({ images: 3, measurements: 2 });
    const mcap = await McapIndexedReader.Initialize({
      readable: bytesSource(out.bytes()),
      decompressHandlers,
    });
    const channel = [...mcap.channelsById.values()].find((c) => c.topic === EXPORT_TOPICS.measurements);
    expect(channel?.messageEncoding).toBe("json");
    expect(mcap.schemasById.get(channel?.schemaId ?? -1)).toMatchObject({
      name: "depthroom.Measurement",
      encoding: "jsonschema",
    });
    const read: { logTime: bigint; body: Record<string, unknown> }[] = [];
    for await (const m of mcap.readMessages({ topics: [EXPORT_TOPICS.measurements] }))
      read.push({ logTime: m.logTime, body: JSON.parse(new TextDecoder().decode(m.data)) });
    expect(read.map((r) => r.body.id).sort()).toEqual(["m1", "m3"]);
    const m1 = read.find((r) => r.body.id === "m1")!;
    expect(m1.logTime).toBe(T0 + 100_000_000n);
    expect(m1.body).toMatchObject({
      kind: "distance",
      entity_path: "world/cam/depth",
      length_m: 0.5,
      label: "500 mm (X 300 mm, Y 400 mm, Z 0 mm)",
      author: "Alice",
      timestamp: { sec: Number(T0 / 1_000_000_000n), nsec: 100_000_000 },
    });
    expect(m1.body.points).toEqual([
      { x: 0, y: 0, z: 2, u: 1, v: 1 },
      { x: 0.3, y: 0.4, z: 2, u: 3, v: 1 },
    ]);
    // Without a log time, at the recording's start.
    const m3 = read.find((r) => r.body.id === "m3")!;
    expect(m3.logTime).toBe(T0);
    expect(m3.body.angle_deg).toBeCloseTo(90, 9);
  });
});
