import { DepthImage, decodeMessage, encodeMessage, type LogMessage, type Pinhole } from "@depthroom/schema";
import { McapIndexedReader } from "@mcap/core";
import lz4 from "lz4js";
import { beforeAll, describe, expect, it } from "vitest";
import { azureSet, type SentMessage, sampleStream, T0 } from "../testing/fixtures.ts";
import { decompressHandlers } from "./compression.ts";
import { RecordingError } from "./errors.ts";
import { exportFoxglove } from "./exportFoxglove.ts";
import { type ImportedMessage, type ImportProgress, importMcapAll } from "./importMcap.ts";
import { bytesSource, memorySink } from "./io.ts";
import { createRecordingWriter } from "./recordingWriter.ts";
import { ros2McapWriter, ros2Stamp } from "./testing.ts";

function byEntity(messages: readonly ImportedMessage[], entityPath: string, kind: string): ImportedMessage[] {
  return messages.filter((m) => m.message.entityPath === entityPath && m.message.archetype.kind === kind);
}

function captureTime(m: LogMessage): bigint | undefined {
  return m.timelines.find((t) => t.kind === "timestamp")?.value;
}

/** A ROS 2 MCAP as rosbag2 writes it: ros2msg schemas, CDR messages, lz4 chunks. */
async function writeRos2Mcap(): Promise<{ bytes: Uint8Array; frames: { t: bigint; depth: Uint16Array }[] }> {
  const azure = azureSet();
  const sink = memorySink();
  const writer = await ros2McapWriter(sink, {
    chunkSize: 256 * 1024,
    compressChunk: (data) => ({ compression: "lz4", compressedData: lz4.compress(data) }),
  });
  const depthTopic = await writer.channel("/cam/depth/image_raw", "sensor_msgs/msg/Image");
  const infoTopic = await writer.channel("/cam/depth/camera_info", "sensor_msgs/msg/CameraInfo");
  const floatTopic = await writer.channel("/cam/depth_m/image", "sensor_msgs/msg/Image");
  const colorTopic = await writer.channel("/cam/color/image_raw", "sensor_msgs/msg/Image");
  const badInfoTopic = await writer.channel("/cam/ir/camera_info", "sensor_msgs/msg/CameraInfo");
  const imuTopic = await writer.channel("/imu", "sensor_msgs/msg/Imu");
  const frames: { t: bigint; depth: Uint16Array }[] = [];
  const add = (channelId: number, t: bigint, message: Record<string, unknown>) =>
    writer.add(channelId, t + 3_000_000n, message);
  for (let i = 0; i < 12; i++) {
    const t = T0 + BigInt(i) * 33_333_333n;
    const f = azure.frames[i % azure.frames.length] as { width: number; height: number; depth: Uint16Array };
    frames.push({ t, depth: f.depth });
    const header = { stamp: ros2Stamp(t), frame_id: "cam_depth_optical_frame" };
    const info = {
      header,
      height: f.height,
      width: f.width,
      distortion_model: "plumb_bob",
      d: [0, 0, 0, 0, 0],
      k: [252.5, 0, 160.5, 0, 252.25, 144.5, 0, 0, 1],
      r: [1, 0, 0, 0, 1, 0, 0, 0, 1],
      p: [252.5, 0, 160.5, 0, 0, 252.25, 144.5, 0, 0, 0, 1, 0],
      binning_x: 0,
      binning_y: 0,
      roi: { x_offset: 0, y_offset: 0, height: 0, width: 0, do_rectify: false },
    };
    await add(infoTopic, t, info);
    await add(badInfoTopic, t, {
      ...info,
      header: { ...header, frame_id: "cam_ir" },
      k: [0, 0, 0, 0, 0, 0, 0, 0, 0],
    });
    // 16UC1 with 8 bytes of row padding.
    const step = f.width * 2 + 8;
    const padded = new Uint8Array(step * f.height);
    const raw = new Uint8Array(f.depth.buffer, f.depth.byteOffset, f.depth.byteLength);
    for (let y = 0; y < f.height; y++)
      padded.set(raw.subarray(y * f.width * 2, (y + 1) * f.width * 2), y * step);
    await add(depthTopic, t, {
      header,
      height: f.height,
      width: f.width,
      encoding: "16UC1",
      is_bigendian: 0,
      step,
      data: padded,
    });
    // 32FC1 metres, big-endian.
    const metres = new DataView(new ArrayBuffer(f.depth.length * 4));
    for (let p = 0; p < f.depth.length; p++) metres.setFloat32(p * 4, (f.depth[p] as number) / 1000, false);
    await add(floatTopic, t, {
      header,
      height: f.height,
      width: f.width,
      encoding: "32FC1",
      is_bigendian: 1,
      step: f.width * 4,
      data: new Uint8Array(metres.buffer),
    });
    await add(colorTopic, t, {
      header,
      height: 2,
      width: 2,
      encoding: "rgb8",
      is_bigendian: 0,
      step: 6,
      data: new Uint8Array(12),
    });
    await add(imuTopic, t, { header, orientation_covariance: 0.5 });
  }
  await writer.end();
  return { bytes: sink.bytes(), frames };
}

describe("import of a ROS 2 MCAP written here with @mcap/core and CDR", () => {
  let ros: Awaited<ReturnType<typeof writeRos2Mcap>>;
  let result: Awaited<ReturnType<typeof importMcapAll>>;
  const progress: ImportProgress[] = [];
  beforeAll(async () => {
    ros = await writeRos2Mcap();
    result = await importMcapAll(bytesSource(ros.bytes), { onProgress: (p) => progress.push(p) });
  });

  it("imports 16UC1 (padded rows) and big-endian 32FC1 depth with the exact values and stamps", () => {
    const depth = byEntity(result.messages, "cam_depth_optical_frame/image_raw", "DepthImage");
    expect(depth).toHaveLength(ros.frames.length);
    for (const [i, m] of depth.entries()) {
      const img = m.message.archetype as DepthImage;
      expect(img.datatype).toBe("U16");
      expect(img.meter).toBe(1000);
      expect(
        Buffer.compare(
          Buffer.from(img.data.buffer, img.data.byteOffset, img.data.byteLength),
          Buffer.from(ros.frames[i]?.depth.buffer as ArrayBuffer),
        ),
      ).toBe(0);
      expect(captureTime(m.message)).toBe(ros.frames[i]?.t);
      expect(decodeMessage(m.bytes).entityPath).toBe("cam_depth_optical_frame/image_raw");
    }
    const metres = byEntity(result.messages, "cam_depth_optical_frame/image", "DepthImage");
    expect(metres).toHaveLength(ros.frames.length);
    const img = metres[3]?.message.archetype as DepthImage;
    expect(img.datatype).toBe("F32");
    expect(img.meter).toBe(1);
    const want = ros.frames[3]?.depth as Uint16Array;
    for (let p = 0; p < want.length; p += 997) expect(img.data[p]).toBeCloseTo((want[p] as number) / 1000, 6);
  });

  it("turns CameraInfo K into one Pinhole on the frame's entity, the parent of its images", () => {
    const pinholes = byEntity(result.messages, "cam_depth_optical_frame", "Pinhole");
    expect(pinholes).toHaveLength(1); // the same calibration every frame: kept once
    const p = pinholes[0]?.message.archetype as Pinhole;
    expect([p.fx, p.fy, p.cx, p.cy]).toEqual([252.5, 252.25, 160.5, 144.5]);
    expect(p.resolution).toEqual([320, 288]);
    expect(captureTime(pinholes[0]?.message as LogMessage)).toBe(T0);
  });

  it("lists unsupported channels and names zero focal lengths; imports rgb8 as a colour Image", () => {
    expect(result.skipped).toEqual([
      {
        topic: "/imu",
        schema: "sensor_msgs/msg/Imu",
        reason: 'schema "sensor_msgs/msg/Imu" is not a depth image, calibration or transform',
      },
    ]);
    const colour = result.messages.filter((m) => m.message.archetype.kind === "Image");
    expect(colour).toHaveLength(12);
    expect(colour[0]?.message.archetype).toMatchObject({ width: 2, height: 2, colorModel: "RGB" });
    const zero = result.problems.find((p) => p.code === "zero-focal-length");
    expect(zero?.topic).toBe("/cam/ir/camera_info");
    expect(zero?.message).toMatch(/\/cam\/ir\/camera_info.*fx=0, fy=0/);
    expect(result.problems).toHaveLength(1);
  });

  it("reports progress up to the whole file", () => {
    expect(progress.length).toBeGreaterThan(2);
    expect(progress[progress.length - 1]).toMatchObject({
      bytesRead: ros.bytes.byteLength,
      totalBytes: ros.bytes.byteLength,
    });
    for (let i = 1; i < progress.length; i++) {
      expect((progress[i] as ImportProgress).bytesRead).toBeGreaterThanOrEqual(
        (progress[i - 1] as ImportProgress).bytesRead,
      );
    }
  });

  it("imports what a truncated file holds and says where it ends", async () => {
    const cut = Math.floor(ros.bytes.byteLength * 0.6);
    const partial = await importMcapAll(bytesSource(ros.bytes.subarray(0, cut)));
    const depth = byEntity(partial.messages, "cam_depth_optical_frame/image_raw", "DepthImage");
    expect(depth.length).toBeGreaterThan(0);
    expect(depth.length).toBeLessThan(ros.frames.length);
    const truncated = partial.problems.find((p) => p.code === "truncated");
    expect(truncated?.message).toMatch(/ends inside a chunk at byte \d+.*were not imported/);
  });

  it("skips a corrupt chunk, names it, and imports the chunks after it", async () => {
    const mcap = await McapIndexedReader.Initialize({ readable: bytesSource(ros.bytes), decompressHandlers });
    const chunks = [...mcap.chunkIndexes].sort((a, b) => Number(a.chunkStartOffset - b.chunkStartOffset));
    const victim = chunks[1] as (typeof chunks)[number];
    const damaged = ros.bytes.slice();
    const middle = Number(victim.chunkStartOffset + victim.chunkLength / 2n);
    for (let i = 0; i < 64; i++) damaged[middle + i] = (damaged[middle + i] as number) ^ 0x5a;
    const partial = await importMcapAll(bytesSource(damaged));
    const corrupt = partial.problems.filter((p) => p.code === "corrupt");
    expect(corrupt).toHaveLength(1);
    expect(corrupt[0]?.message).toMatch(new RegExp(`chunk at byte ${victim.chunkStartOffset}: .*skipped`));
    const depth = byEntity(partial.messages, "cam_depth_optical_frame/image_raw", "DepthImage");
    expect(depth.length).toBeGreaterThan(0);
    expect(depth.length).toBeLessThan(ros.frames.length);
    // Messages after the damaged chunk still arrive (the reader was re-primed with the known channels).
    expect(captureTime(depth[depth.length - 1]?.message as LogMessage)).toBe(
      ros.frames[ros.frames.length - 1]?.t,
    );
  });

  it("refuses a file that is not MCAP with a named error", async () => {
    const png = new Uint8Array([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a, 0, 0, 0, 13]);
    const error = await importMcapAll(bytesSource(png)).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(RecordingError);
    expect(error).toMatchObject({ code: "not-mcap", message: expect.stringMatching(/not an MCAP file/) });
  });
});

describe("export to Foxglove MCAP and import back", () => {
  let sent: SentMessage[];
  let exported: Uint8Array;
  beforeAll(async () => {
    sent = sampleStream({ seconds: 1 });
    // Add float depth (metres) and a U16 image whose meter is not 1000 is already in the stream (TUM, 5000).
    const azure = azureSet();
    const f = azure.frames[0] as { width: number; height: number; depth: Uint16Array };
    const metres = Float32Array.from(f.depth, (v) => v / 1000);
    const floatMessage: LogMessage = {
      entityPath: "world/azure/metres",
      timelines: [{ timeline: "capture_time", kind: "timestamp", value: T0 + 500_000_000n }],
      archetype: new DepthImage(metres, { width: f.width, height: f.height }),
    };
    sent.push({
      entityPath: floatMessage.entityPath,
      bytes: encodeMessage(floatMessage),
      receiveTimeNs: T0 + 501_000_000n,
      captureTimeNs: T0 + 500_000_000n,
      message: floatMessage,
    });
    const recording = memorySink();
    const writer = createRecordingWriter(recording);
    for (const m of sent) writer.append(m.bytes, m.receiveTimeNs);
    await writer.close();
    const out = memorySink();
    const stats = await exportFoxglove(bytesSource(recording.bytes()), out);
    exported = out.bytes();
    expect(stats.images).toBe(sent.filter((m) => m.message.archetype.kind === "DepthImage").length);
  });

  it("writes Foxglove schemas (JSON Schema, JSON messages) in a valid indexed MCAP", async () => {
    const mcap = await McapIndexedReader.Initialize({ readable: bytesSource(exported), decompressHandlers });
    expect([...mcap.schemasById.values()].map((s) => `${s.name} ${s.encoding}`).sort()).toEqual([
      "foxglove.CameraCalibration jsonschema",
      "foxglove.FrameTransform jsonschema",
      "foxglove.RawImage jsonschema",
    ]);
    const topics = [...mcap.channelsById.values()].map((c) => `${c.topic} ${c.messageEncoding}`).sort();
    expect(topics).toContain("/world/azure/depth json");
    expect(topics).toContain("/world/azure/calibration json");
    expect(topics).toContain("/transforms json");
    for await (const m of mcap.readMessages({ topics: ["/world/azure/depth"] })) {
      const body = JSON.parse(new TextDecoder().decode(m.data));
      expect(body).toMatchObject({
        encoding: "16UC1",
        frame_id: "world/azure",
        width: 320,
        height: 288,
        step: 640,
      });
      expect(body.timestamp.sec * 1e9 + body.timestamp.nsec).toBeCloseTo(Number(m.logTime), -3);
      break;
    }
  });

  it("round-trips depth values, intrinsics, transforms, entity paths and timestamps", async () => {
    const { messages, skipped, problems } = await importMcapAll(bytesSource(exported));
    expect(skipped).toEqual([]);
    expect(problems).toEqual([]);
    expect(messages).toHaveLength(sent.length);
    for (const original of sent) {
      const kind = original.message.archetype.kind;
      const time = original.captureTimeNs ?? original.receiveTimeNs;
      const match = byEntity(messages, original.entityPath, kind).find(
        (m) => captureTime(m.message) === time,
      );
      expect(match, `${original.entityPath} ${kind} at ${time}`).toBeDefined();
      const a = original.message.archetype;
      const b = match?.message.archetype;
      if (a.kind === "DepthImage" && b?.kind === "DepthImage") {
        expect(b.datatype).toBe(a.datatype);
        expect(b.meter).toBe(a.meter);
        expect([b.width, b.height]).toEqual([a.width, a.height]);
        expect(
          Buffer.compare(
            Buffer.from(b.data.buffer, b.data.byteOffset, b.data.byteLength),
            Buffer.from(a.data.buffer, a.data.byteOffset, a.data.byteLength),
          ),
        ).toBe(0);
      } else if (a.kind === "Pinhole" && b?.kind === "Pinhole") {
        expect([b.fx, b.fy, b.cx, b.cy]).toEqual([a.fx, a.fy, a.cx, a.cy]);
        expect(b.resolution).toEqual(a.resolution);
      } else if (a.kind === "Transform3D" && b?.kind === "Transform3D") {
        expect(b.translation).toEqual(a.translation);
        expect(b.rotation).toEqual(a.rotation);
      } else {
        expect.unreachable(`kinds differ: ${a.kind} vs ${b?.kind}`);
      }
    }
  });
});
