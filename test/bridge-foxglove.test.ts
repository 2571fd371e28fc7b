import { DepthImage, type LogMessage, type Pinhole, rvlEncode, type Transform3D } from "@depthroom/schema";
import { bridgeFoxglove, FOXGLOVE_SUBPROTOCOLS } from "@depthroom/sdk/node";
import { describe, expect, it } from "vitest";
import { cleanupsAfterEach } from "./support/cleanups.ts";
import { sessionAndFoxgloveSource } from "./support/foxgloveSession.ts";
import {
  AZURE_SAMPLES,
  bytesOf,
  cameraInfo,
  cdr,
  compressedDepthHeader,
  concat,
  loadSample,
  rawImage16,
  rosHeader,
  rvlSizeHeader,
  samePixels,
  TUM_SAMPLE,
} from "./support/foxgloveSource.ts";
import { collect, waitUntil } from "./support/sdk.ts";

// The Foxglove WebSocket bridge end to end: a real FoxgloveServer publishing the shipped sample frames
// the way foxglove_bridge does (CDR, ros2msg schemas, latched /tf_static and camera_info), the bridge,
// a real relay, two real subscribers.
describe("bridge: Foxglove WebSocket source -> session", () => {
  const cleanups = cleanupsAfterEach();

  it("bridges raw 16UC1, compressedDepth png and rvl, 32FC1, CameraInfo and /tf_static: both subscribers get every frame bit-exact", async () => {
    const { links, source } = await sessionAndFoxgloveSource(cleanups);

    const tum = loadSample(TUM_SAMPLE);
    const azure = AZURE_SAMPLES.map(loadSample);
    const K = [525.5, 0, 319.75, 0, 524.25, 239.5, 0, 0, 1];
    const OPTICAL = "camera_depth_optical_frame";
    const raw = source.addRos2Channel("/camera/camera/depth/image_rect_raw", "sensor_msgs/msg/Image");
    const png = source.addRos2Channel(
      "/camera/camera/depth/image_png/compressedDepth",
      "sensor_msgs/msg/CompressedImage",
    );
    const rvl = source.addRos2Channel(
      "/kinect/depth/image_raw/compressedDepth",
      "sensor_msgs/msg/CompressedImage",
    );
    const metres = source.addRos2Channel("/camera/camera/depth/image_metres", "sensor_msgs/msg/Image");
    const info = source.addRos2Channel("/camera/camera/depth/camera_info", "sensor_msgs/msg/CameraInfo");
    const tfStatic = source.addRos2Channel("/tf_static", "tf2_msgs/msg/TFMessage");
    const colour = source.addRos2Channel("/camera/camera/color/image_raw", "sensor_msgs/msg/Image");
    source.latch(info, cameraInfo(OPTICAL, 1n, K));
    const opticalRotation = [-0.5, 0.5, -0.5, 0.5];
    source.latch(
      tfStatic,
      cdr("tf2_msgs/msg/TFMessage", {
        transforms: [
          {
            header: rosHeader("camera_link", 1n),
            child_frame_id: "camera_depth_frame",
            transform: { translation: { x: 0, y: 0.015, z: 0 }, rotation: { x: 0, y: 0, z: 0, w: 1 } },
          },
          {
            header: rosHeader("camera_depth_frame", 1n),
            child_frame_id: OPTICAL,
            transform: {
              translation: { x: 0, y: 0, z: 0 },
              rotation: { x: -0.5, y: 0.5, z: -0.5, w: 0.5 },
            },
          },
        ],
      }),
    );

    const a = await collect(links.view);
    const b = await collect(links.view);
    cleanups.push(
      () => a.subscription.close(),
      () => b.subscription.close(),
    );
    const bridge = await bridgeFoxglove({ url: source.url, link: links.publish });
    cleanups.push(() => bridge.close());

    // It offered both subprotocols, newest first, and subscribed to what it bridges, not the colour image.
    expect(source.offered[0]).toEqual([...FOXGLOVE_SUBPROTOCOLS]);
    await waitUntil(() => source.subscribed.size === 6, 5000, "the bridge's subscriptions");
    expect(source.subscribed.has(colour)).toBe(false);

    const opticalPath = "world/camera_link/camera_depth_frame/camera_depth_optical_frame";
    const hasTransforms = (m: LogMessage[]) =>
      m.some((x) => x.entityPath === opticalPath && x.archetype.kind === "Transform3D") &&
      m.some((x) => x.entityPath === opticalPath && x.archetype.kind === "Pinhole");
    await waitUntil(
      () => hasTransforms(a.messages) && hasTransforms(b.messages),
      5000,
      "transforms and pinhole",
    );

    const base = 1_733_300_000_000_000_000n;
    const expected = new Map<string, { entity: string; pixels: ArrayBufferView }>();
    const FRAMES = 6;
    const entities = {
      raw: `${opticalPath}/camera.camera.depth.image_rect_raw`,
      png: `${opticalPath}/camera.camera.depth.image_png.compressedDepth`,
      metres: `${opticalPath}/camera.camera.depth.image_metres`,
      rvl: "world/kinect_depth_optical_frame/kinect.depth.image_raw.compressedDepth",
    };
    const stampOf = (m: LogMessage) => m.timelines.find((t) => t.timeline === "ros_time")?.value;
    const got = (messages: LogMessage[], entity: string, stamp: bigint) =>
      messages.some((m) => m.entityPath === entity && stampOf(m) === stamp);
    for (let i = 0; i < FRAMES; i++) {
      const stamp = base + BigInt(i) * 33_333_333n;
      source.publish(raw, rawImage16(tum, OPTICAL, stamp));
      source.publish(
        png,
        cdr("sensor_msgs/msg/CompressedImage", {
          header: rosHeader(OPTICAL, stamp),
          format: "16UC1; compressedDepth png",
          data: concat(compressedDepthHeader(), tum.png),
        }),
      );
      const kinect = azure[i] ?? tum;
      source.publish(
        rvl,
        cdr("sensor_msgs/msg/CompressedImage", {
          header: rosHeader("kinect_depth_optical_frame", stamp),
          format: "16UC1; compressedDepth rvl",
          data: concat(
            compressedDepthHeader(),
            rvlSizeHeader(kinect.width, kinect.height),
            rvlEncode(kinect.depth),
          ),
        }),
      );
      const asMetres = Float32Array.from(tum.depth, (v) => (v === 0 ? Number.NaN : (v + i) / 5000));
      source.publish(
        metres,
        cdr("sensor_msgs/msg/Image", {
          header: rosHeader(OPTICAL, stamp),
          height: tum.height,
          width: tum.width,
          encoding: "32FC1",
          is_bigendian: 0,
          step: tum.width * 4,
          data: bytesOf(asMetres),
        }),
      );
      expected.set(`${entities.raw}@${stamp}`, { entity: entities.raw, pixels: tum.depth });
      expected.set(`${entities.png}@${stamp}`, { entity: entities.png, pixels: tum.depth });
      expected.set(`${entities.rvl}@${stamp}`, { entity: entities.rvl, pixels: kinect.depth });
      expected.set(`${entities.metres}@${stamp}`, { entity: entities.metres, pixels: asMetres });
      // One frame per topic in flight: every frame reaches both subscribers (nothing is replaced).
      await waitUntil(
        () => Object.values(entities).every((e) => got(a.messages, e, stamp) && got(b.messages, e, stamp)),
        10_000,
        `frame ${i} on every topic at both subscribers`,
      );
    }

    for (const [name, sub] of [
      ["a", a],
      ["b", b],
    ] as const) {
      const frames = sub.messages.filter((m) => m.archetype.kind === "DepthImage");
      expect(frames.length, `subscriber ${name}`).toBe(FRAMES * 4);
      for (const m of frames) {
        const want = expected.get(`${m.entityPath}@${stampOf(m)}`);
        expect(want, `${name}: ${m.entityPath} @ ${stampOf(m)}`).toBeDefined();
        const image = m.archetype as DepthImage;
        expect(image).toBeInstanceOf(DepthImage);
        expect(
          samePixels(image.data, want?.pixels as ArrayBufferView),
          `${name}: ${m.entityPath} bit-exact`,
        ).toBe(true);
        expect(image.meter).toBe(m.entityPath === entities.metres ? 1 : 1000);
      }
      const pinhole = sub.messages.find((m) => m.archetype.kind === "Pinhole")?.archetype as Pinhole;
      expect(pinhole.imageFromCamera).toEqual([525.5, 0, 0, 0, 524.25, 0, 319.75, 239.5, 1]);
      expect(pinhole.resolution).toEqual([640, 480]);
      const transforms = new Map(
        sub.messages
          .filter((m) => m.archetype.kind === "Transform3D")
          .map((m) => [m.entityPath, m.archetype as Transform3D]),
      );
      expect(transforms.get("world/camera_link/camera_depth_frame")?.translation).toEqual([0, 0.015, 0]);
      expect(transforms.get(opticalPath)?.rotation).toEqual(opticalRotation);
      expect(transforms.get(opticalPath)?.translation).toEqual([0, 0, 0]);
    }
    expect(bridge.stats.skipped).toBe(0);
    const colourTopic = bridge.topics().find((t) => t.topic === "/camera/camera/color/image_raw");
    expect(colourTopic?.status).toEqual({
      state: "skipped",
      reason: "not a depth topic by name (pick it with --topics)",
    });
  });
});
