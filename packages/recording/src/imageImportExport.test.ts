import { EncodedImage, encodeMessage, Image, type LogMessage, Pinhole } from "@depthroom/schema";
import { describe, expect, it } from "vitest";
import { exportFoxglove } from "./exportFoxglove.ts";
import { type ImportedMessage, importMcapAll } from "./importMcap.ts";
import { bytesSource, memorySink } from "./io.ts";
import { createRecordingWriter } from "./recordingWriter.ts";
import { ros2McapWriter } from "./testing.ts";

// Colour images in and out of recordings (issue 16): ROS 2 sensor_msgs/Image rgb8 / bgr8 / mono8 and
// CompressedImage jpeg / png import as Image / EncodedImage; Foxglove export writes RawImage and
// CompressedImage, and its import gives the same images back.

const T0 = 1_700_000_000_000_000_000n;
const JPEG = Uint8Array.of(0xff, 0xd8, 0xff, 0xe0, 0, 16, 0x4a, 0x46, 0x49, 0x46, 0, 1, 0xff, 0xd9);
const PNG = Uint8Array.of(
  0x89,
  0x50,
  0x4e,
  0x47,
  0x0d,
  0x0a,
  0x1a,
  0x0a,
  0,
  0,
  0,
  13,
  0x49,
  0x48,
  0x44,
  0x52,
);

async function writeRos2Colour(): Promise<Uint8Array> {
  const sink = memorySink();
  const writer = await ros2McapWriter(sink);
  const channel = (topic: string, compressed = false) =>
    writer.channel(topic, compressed ? "sensor_msgs/msg/CompressedImage" : "sensor_msgs/msg/Image");
  const topics = {
    rgb: await channel("/cam/color/image_raw"),
    bgr: await channel("/cam/bgr/image_raw"),
    mono: await channel("/cam/ir/image_raw"),
    yuv: await channel("/cam/yuv/image_raw"),
    jpeg: await channel("/cam/color/image_raw/compressed", true),
    png: await channel("/cam/png/compressed", true),
    depth: await channel("/cam/depth/compressedDepth", true),
  };
  const header = { stamp: { sec: Number(T0 / 1_000_000_000n), nanosec: 5 }, frame_id: "cam_color" };
  const add = (channelId: number, message: Record<string, unknown>) => writer.add(channelId, T0, message);
  // 2 x 2 rgb8 with 2 bytes of row padding (step 8).
  const rgb = Uint8Array.of(255, 0, 0, 0, 255, 0, 9, 9, 0, 0, 255, 255, 255, 255, 9, 9);
  await add(topics.rgb, {
    header,
    height: 2,
    width: 2,
    encoding: "rgb8",
    is_bigendian: 0,
    step: 8,
    data: rgb,
  });
  await add(topics.bgr, {
    header,
    height: 1,
    width: 2,
    encoding: "bgr8",
    is_bigendian: 0,
    step: 6,
    data: Uint8Array.of(1, 2, 3, 4, 5, 6),
  });
  await add(topics.mono, {
    header,
    height: 1,
    width: 3,
    encoding: "mono8",
    is_bigendian: 0,
    step: 3,
    data: Uint8Array.of(7, 8, 9),
  });
  await add(topics.yuv, {
    header,
    height: 1,
    width: 2,
    encoding: "yuv422",
    is_bigendian: 0,
    step: 4,
    data: new Uint8Array(4),
  });
  await add(topics.jpeg, { header, format: "rgb8; jpeg compressed bgr8", data: JPEG });
  await add(topics.png, { header, format: "png", data: PNG });
  await add(topics.depth, { header, format: "16UC1; compressedDepth png", data: PNG });
  await writer.end();
  return sink.bytes();
}

const ofTopic = (messages: readonly ImportedMessage[], topic: string) =>
  messages.find((m) => m.topic === topic)?.message.archetype;

describe("colour image import from ROS 2", () => {
  it("imports rgb8 (row padding dropped), bgr8 and mono8 as Images, jpeg and png as EncodedImages", async () => {
    const result = await importMcapAll(bytesSource(await writeRos2Colour()));
    const rgb = ofTopic(result.messages, "/cam/color/image_raw") as Image;
    expect(rgb).toBeInstanceOf(Image);
    expect([rgb.width, rgb.height, rgb.colorModel]).toEqual([2, 2, "RGB"]);
    expect([...rgb.data]).toEqual([255, 0, 0, 0, 255, 0, 0, 0, 255, 255, 255, 255]);
    expect(ofTopic(result.messages, "/cam/bgr/image_raw")).toMatchObject({
      colorModel: "BGR",
      data: Uint8Array.of(1, 2, 3, 4, 5, 6),
    });
    expect(ofTopic(result.messages, "/cam/ir/image_raw")).toMatchObject({
      colorModel: "L",
      data: Uint8Array.of(7, 8, 9),
    });
    const jpeg = ofTopic(result.messages, "/cam/color/image_raw/compressed") as EncodedImage;
    expect(jpeg).toBeInstanceOf(EncodedImage);
    expect([jpeg.mediaType, [...jpeg.blob]]).toEqual(["image/jpeg", [...JPEG]]);
    expect(ofTopic(result.messages, "/cam/png/compressed")).toMatchObject({ mediaType: "image/png" });
    // Every image of one camera frame lands under that frame's entity, with the capture time.
    const entity = result.messages.find((m) => m.topic === "/cam/color/image_raw")?.message;
    expect(entity?.entityPath).toBe("cam_color/image_raw");
    expect(entity?.timelines[0]?.value).toBe((T0 / 1_000_000_000n) * 1_000_000_000n + 5n);
    // YUV and compressed depth are named problems, not crashes.
    expect(result.problems.map((p) => [p.code, p.topic])).toEqual([
      ["eight-bit-image", "/cam/yuv/image_raw"],
      ["unsupported-encoding", "/cam/depth/compressedDepth"],
    ]);
  });
});

describe("colour image export to Foxglove and back", () => {
  it("writes foxglove.RawImage and foxglove.CompressedImage, and imports the same images", async () => {
    const sent: LogMessage[] = [
      {
        entityPath: "world/cam",
        timelines: [],
        static: true,
        archetype: Pinhole.fromFocalLength({ width: 2, height: 2, focalLength: 2 }),
      },
      ...(
        [
          [
            "world/cam/rgb",
            new Image(Uint8Array.of(1, 2, 3, 4, 5, 6), { width: 2, height: 1, colorModel: "RGB" }),
          ],
          [
            "world/cam/bgra",
            new Image(new Uint8Array(8).fill(7), { width: 2, height: 1, colorModel: "BGRA" }),
          ],
          [
            "world/cam/grey16",
            new Image(Uint16Array.of(1000, 65535), { width: 2, height: 1, colorModel: "L" }),
          ],
          ["world/cam/jpeg", new EncodedImage(JPEG)],
          ["world/cam/png", new EncodedImage(PNG)],
        ] as const
      ).map(
        ([entityPath, archetype], i): LogMessage => ({
          entityPath,
          timelines: [{ timeline: "capture_time", kind: "timestamp", value: T0 + BigInt(i) }],
          archetype,
        }),
      ),
    ];
    const recording = memorySink();
    const writer = createRecordingWriter(recording);
    for (const m of sent) writer.append(encodeMessage(m), T0);
    await writer.close();
    const out = memorySink();
    const stats = await exportFoxglove(bytesSource(recording.bytes()), out);
    expect(stats.colorImages).toBe(5);
    const back = await importMcapAll(bytesSource(out.bytes()));
    expect(back.problems).toEqual([]);
    for (const m of sent.slice(1)) {
      const got = back.messages.find((b) => b.message.entityPath === m.entityPath)?.message;
      expect(got?.archetype, m.entityPath).toEqual(m.archetype);
      expect(got?.timelines, m.entityPath).toEqual(m.timelines);
    }
  });
});
