import { readFileSync } from "node:fs";
import { DepthImage, Pinhole, rvlEncode, Transform3D } from "@depthroom/schema";
import { parse } from "@foxglove/rosmsg";
import { MessageWriter } from "@foxglove/rosmsg2-serialization";
import { decode as decodePng } from "fast-png";
import { describe, expect, it } from "vitest";
import { type BridgeLog, ROS_TIME, SessionMapper, topicMatcher } from "./mapper.ts";
import { ROS2_SCHEMA_TEXT, type Ros2SchemaName } from "./rosSchemas.ts";

const samplePng = new Uint8Array(
  readFileSync(new URL("../../../../data/samples/tum-fr2/depth/TUM_depth.png", import.meta.url)),
);
const sample = decodePng(samplePng);
const sampleDepth = sample.data as Uint16Array; // 640 x 480, TUM units (5000 per metre)

const writers = new Map<string, MessageWriter>();
function cdr(schemaName: Ros2SchemaName, message: unknown): Uint8Array {
  let writer = writers.get(schemaName);
  if (!writer) {
    writer = new MessageWriter(parse(ROS2_SCHEMA_TEXT[schemaName], { ros2: true }));
    writers.set(schemaName, writer);
  }
  return writer.writeMessage(message);
}

let nextId = 1;
function channel(topic: string, schemaName: string, encoding = "cdr") {
  const schema = encoding === "cdr" ? (ROS2_SCHEMA_TEXT[schemaName as Ros2SchemaName] ?? "") : "";
  return {
    id: nextId++,
    topic,
    encoding,
    schemaName,
    schema,
    schemaEncoding: encoding === "cdr" ? "ros2msg" : "jsonschema",
  };
}

const header = (frame_id: string, sec = 1_700_000_000, nanosec = 123_456_789) => ({
  stamp: { sec, nanosec },
  frame_id,
});
const STAMP_NS = 1_700_000_000_123_456_789n;

function image(
  encoding: string,
  width: number,
  height: number,
  data: Uint8Array,
  opts: { step?: number; bigEndian?: boolean } = {},
) {
  return cdr("sensor_msgs/msg/Image", {
    header: header("camera_depth_optical_frame"),
    height,
    width,
    encoding,
    is_bigendian: opts.bigEndian ? 1 : 0,
    step: opts.step ?? data.length / height,
    data,
  });
}

function bytesOf(view: ArrayBufferView): Uint8Array {
  return new Uint8Array(view.buffer, view.byteOffset, view.byteLength);
}

function compressedDepthHeader(format = 0, a = 0, b = 0): Uint8Array {
  const h = new Uint8Array(12);
  const v = new DataView(h.buffer);
  v.setInt32(0, format, true);
  v.setFloat32(4, a, true);
  v.setFloat32(8, b, true);
  return h;
}

function concat(...parts: Uint8Array[]): Uint8Array {
  const out = new Uint8Array(parts.reduce((n, p) => n + p.length, 0));
  let o = 0;
  for (const p of parts) {
    out.set(p, o);
    o += p.length;
  }
  return out;
}

/** Bit-exact comparison of pixel arrays (vitest's deep equality is slow on 300k elements). */
function expectSamePixels(actual: ArrayBufferView, expected: ArrayBufferView): void {
  expect(actual.constructor).toBe(expected.constructor);
  expect(Buffer.compare(Buffer.from(bytesOf(actual)), Buffer.from(bytesOf(expected)))).toBe(0);
}

function onlyDepth(logs: BridgeLog[]): DepthImage {
  expect(logs).toHaveLength(1);
  const archetype = logs[0]?.archetype;
  expect(archetype).toBeInstanceOf(DepthImage);
  return archetype as DepthImage;
}

describe("SessionMapper: depth images", () => {
  it("maps a raw 16UC1 Image of the real sample bit-exact, millimetres, on ros_time", () => {
    const mapper = new SessionMapper();
    const ch = channel("/camera/camera/depth/image_rect_raw", "sensor_msgs/msg/Image");
    expect(mapper.advertise([ch])).toEqual([ch.id]);
    const logs = mapper.message(ch.id, 5n, image("16UC1", 640, 480, bytesOf(sampleDepth)));
    const depth = onlyDepth(logs);
    expect(depth.datatype).toBe("U16");
    expect(depth.meter).toBe(1000);
    expect([depth.width, depth.height]).toEqual([640, 480]);
    expectSamePixels(depth.data, sampleDepth);
    expect(logs[0]?.timeNs).toBe(STAMP_NS);
    expect(logs[0]?.static).toBe(false);
    expect(logs[0]?.entityPath).toBe("world/camera_depth_optical_frame/camera.camera.depth.image_rect_raw");
    expect(ROS_TIME).toBe("ros_time");
  });

  it("handles big-endian mono16 with padded rows", () => {
    const mapper = new SessionMapper();
    const ch = channel("/depth/mono", "sensor_msgs/msg/Image");
    mapper.advertise([ch]);
    const width = 3;
    const height = 2;
    const step = 8; // 6 bytes of pixels + 2 of padding
    const values = [1, 258, 65535, 4097, 0, 300];
    const data = new Uint8Array(step * height).fill(0xee);
    for (let i = 0; i < values.length; i++) {
      const offset = Math.floor(i / width) * step + (i % width) * 2;
      data[offset] = (values[i] as number) >> 8; // big-endian
      data[offset + 1] = (values[i] as number) & 0xff;
    }
    const depth = onlyDepth(
      mapper.message(ch.id, 0n, image("mono16", width, height, data, { step, bigEndian: true })),
    );
    expect([...depth.data]).toEqual(values);
  });

  it("maps 32FC1 to float32 metres, NaN kept", () => {
    const mapper = new SessionMapper();
    const ch = channel("/depth/float", "sensor_msgs/msg/Image");
    mapper.advertise([ch]);
    const values = new Float32Array([1.25, Number.NaN, 0, 3.5]);
    const depth = onlyDepth(mapper.message(ch.id, 0n, image("32FC1", 2, 2, bytesOf(values))));
    expect(depth.datatype).toBe("F32");
    expect(depth.meter).toBe(1);
    expect(depth.data).toEqual(values);
  });

  it("decodes compressedDepth png (the sample's own PNG behind the config header) bit-exact", () => {
    const mapper = new SessionMapper();
    const ch = channel("/camera/depth/image_rect_raw/compressedDepth", "sensor_msgs/msg/CompressedImage");
    mapper.advertise([ch]);
    const payload = cdr("sensor_msgs/msg/CompressedImage", {
      header: header("cam"),
      format: "16UC1; compressedDepth png",
      data: concat(compressedDepthHeader(), samplePng),
    });
    const depth = onlyDepth(mapper.message(ch.id, 0n, payload));
    expect(depth.meter).toBe(1000);
    expectSamePixels(depth.data, sampleDepth);
  });

  it("decodes compressedDepth rvl (u32 cols, rows, RVL words) bit-exact", () => {
    const mapper = new SessionMapper();
    const ch = channel("/camera/depth/image_rect_raw/compressedDepth", "sensor_msgs/msg/CompressedImage");
    mapper.advertise([ch]);
    const size = new Uint8Array(8);
    new DataView(size.buffer).setUint32(0, 640, true);
    new DataView(size.buffer).setUint32(4, 480, true);
    const payload = cdr("sensor_msgs/msg/CompressedImage", {
      header: header("cam"),
      format: "16UC1; compressedDepth rvl",
      data: concat(compressedDepthHeader(), size, rvlEncode(sampleDepth)),
    });
    expectSamePixels(onlyDepth(mapper.message(ch.id, 0n, payload)).data, sampleDepth);
  });

  it("restores 32FC1 compressedDepth from inverse depth as image_transport does", () => {
    const mapper = new SessionMapper();
    const ch = channel("/depth/compressedDepth", "sensor_msgs/msg/CompressedImage");
    mapper.advertise([ch]);
    // image_transport's quantisation with depth_quantization 100, depth_max 10.
    const a = Math.fround(100 * 101);
    const b = Math.fround(1 - a / 10);
    const inverse = new Uint16Array([0, 5000, 20000, 65535]);
    const size = new Uint8Array(8);
    new DataView(size.buffer).setUint32(0, 2, true);
    new DataView(size.buffer).setUint32(4, 2, true);
    const payload = cdr("sensor_msgs/msg/CompressedImage", {
      header: header("cam"),
      format: "32FC1; compressedDepth rvl",
      data: concat(compressedDepthHeader(0, a, b), size, rvlEncode(inverse)),
    });
    const depth = onlyDepth(mapper.message(ch.id, 0n, payload));
    expect(depth.datatype).toBe("F32");
    expect(Number.isNaN(depth.data[0])).toBe(true);
    for (let i = 1; i < 4; i++) {
      expect(depth.data[i]).toBe(Math.fround(a / Math.fround((inverse[i] as number) - b)));
    }
  });
});

describe("SessionMapper: cameras and transforms", () => {
  const K = [615.5, 0, 424.25, 0, 616.75, 240.5, 0, 0, 1];
  const cameraInfo = (frame: string) =>
    cdr("sensor_msgs/msg/CameraInfo", {
      header: header(frame),
      height: 480,
      width: 848,
      distortion_model: "plumb_bob",
      d: [0.1, -0.2, 0.001, 0.002, 0.05],
      k: K,
      r: [1, 0, 0, 0, 1, 0, 0, 0, 1],
      p: new Array(12).fill(0),
      binning_x: 0,
      binning_y: 0,
      roi: { x_offset: 0, y_offset: 0, height: 0, width: 0, do_rectify: false },
    });
  const tf = (
    list: {
      parent: string;
      child: string;
      t: [number, number, number];
      q: [number, number, number, number];
    }[],
  ) =>
    cdr("tf2_msgs/msg/TFMessage", {
      transforms: list.map(({ parent, child, t, q }) => ({
        header: header(parent),
        child_frame_id: child,
        transform: {
          translation: { x: t[0], y: t[1], z: t[2] },
          rotation: { x: q[0], y: q[1], z: q[2], w: q[3] },
        },
      })),
    });

  it("maps CameraInfo to a static Pinhole with K column-major, once per change; distortion kept", () => {
    const mapper = new SessionMapper();
    const depth = channel("/camera/camera/depth/image_rect_raw", "sensor_msgs/msg/Image");
    const info = channel("/camera/camera/depth/camera_info", "sensor_msgs/msg/CameraInfo");
    expect(mapper.advertise([info, depth]).sort()).toEqual([info.id, depth.id].sort());
    const logs = mapper.message(info.id, 0n, cameraInfo("camera_depth_optical_frame"));
    expect(logs).toHaveLength(1);
    const pinhole = logs[0]?.archetype as Pinhole;
    expect(pinhole).toBeInstanceOf(Pinhole);
    expect(logs[0]?.static).toBe(true);
    expect(logs[0]?.entityPath).toBe("world/camera_depth_optical_frame");
    expect([pinhole.fx, pinhole.fy, pinhole.cx, pinhole.cy]).toEqual([615.5, 616.75, 424.25, 240.5]);
    expect(pinhole.imageFromCamera).toEqual([615.5, 0, 0, 0, 616.75, 0, 424.25, 240.5, 1]);
    expect(pinhole.resolution).toEqual([848, 480]);
    expect(pinhole.distortion).toEqual({ model: "plumb_bob", coefficients: [0.1, -0.2, 0.001, 0.002, 0.05] });
    expect(mapper.message(info.id, 0n, cameraInfo("camera_depth_optical_frame"))).toEqual([]);
    const stats = mapper.topics().find((t) => t.topic === info.topic);
    expect(stats?.distortion).toEqual({ model: "plumb_bob", coefficients: [0.1, -0.2, 0.001, 0.002, 0.05] });
  });

  it("places /tf_static frames as the entity tree and a depth image under its optical frame", () => {
    const mapper = new SessionMapper();
    const tfStatic = channel("/tf_static", "tf2_msgs/msg/TFMessage");
    const depth = channel("/camera/camera/depth/image_rect_raw", "sensor_msgs/msg/Image");
    mapper.advertise([tfStatic, depth]);
    const q = [-0.5, 0.5, -0.5, 0.5] as [number, number, number, number];
    const logs = mapper.message(
      tfStatic.id,
      0n,
      tf([
        { parent: "camera_link", child: "camera_depth_frame", t: [0, 0.015, 0], q: [0, 0, 0, 1] },
        { parent: "camera_depth_frame", child: "camera_depth_optical_frame", t: [0, 0, 0], q },
      ]),
    );
    expect(logs.map((l) => [l.entityPath, l.static])).toEqual([
      ["world/camera_link/camera_depth_frame", true],
      ["world/camera_link/camera_depth_frame/camera_depth_optical_frame", true],
    ]);
    const optical = logs[1]?.archetype as Transform3D;
    expect(optical).toBeInstanceOf(Transform3D);
    expect(optical.rotation).toEqual(q);
    expect((logs[0]?.archetype as Transform3D | undefined)?.translation).toEqual([0, 0.015, 0]);
    const image16 = mapper.message(depth.id, 0n, image("16UC1", 2, 1, new Uint8Array(4)));
    expect(image16[0]?.entityPath).toBe(
      "world/camera_link/camera_depth_frame/camera_depth_optical_frame/camera.camera.depth.image_rect_raw",
    );
  });

  it("moves a camera's Pinhole when a transform places its frame after the camera info came", () => {
    const mapper = new SessionMapper();
    const depth = channel("/cam/depth/image_rect_raw", "sensor_msgs/msg/Image");
    const info = channel("/cam/depth/camera_info", "sensor_msgs/msg/CameraInfo");
    const tfc = channel("/tf_static", "tf2_msgs/msg/TFMessage");
    mapper.advertise([depth, info, tfc]);
    expect(mapper.message(info.id, 0n, cameraInfo("optical"))[0]?.entityPath).toBe("world/optical");
    const logs = mapper.message(
      tfc.id,
      0n,
      tf([{ parent: "camera_link", child: "optical", t: [0, 0, 0], q: [0, 0, 0, 1] }]),
    );
    expect(logs.map((l) => [l.entityPath, l.archetype.kind])).toEqual([
      ["world/camera_link/optical", "Transform3D"],
      ["world/camera_link/optical", "Pinhole"],
    ]);
  });

  it("re-logs the transforms of a subtree when its root gets a parent later; refuses cycles", () => {
    const mapper = new SessionMapper();
    const tfc = channel("/tf", "tf2_msgs/msg/TFMessage");
    mapper.advertise([tfc]);
    mapper.message(
      tfc.id,
      0n,
      tf([{ parent: "camera_link", child: "optical", t: [1, 0, 0], q: [0, 0, 0, 1] }]),
    );
    const logs = mapper.message(
      tfc.id,
      0n,
      tf([{ parent: "base_link", child: "camera_link", t: [0, 0, 1], q: [0, 0, 0, 1] }]),
    );
    expect(logs.map((l) => [l.entityPath, l.static, l.timeNs])).toEqual([
      ["world/base_link/camera_link", false, STAMP_NS],
      ["world/base_link/camera_link/optical", false, STAMP_NS],
    ]);
    expect(
      mapper.message(
        tfc.id,
        0n,
        tf([{ parent: "optical", child: "base_link", t: [0, 0, 0], q: [0, 0, 0, 1] }]),
      ),
    ).toEqual([]);
    expect(mapper.topics()[0]?.problems["bad-value"]).toBe(1);
    const long = "f".repeat(300);
    expect(
      mapper.message(tfc.id, 0n, tf([{ parent: "base_link", child: long, t: [0, 0, 0], q: [0, 0, 0, 1] }])),
    ).toEqual([]);
    expect(mapper.topics()[0]?.problems["bad-value"]).toBe(2);
  });
});

describe("SessionMapper: Foxglove json schemas", () => {
  const json = (value: unknown) => new TextEncoder().encode(JSON.stringify(value));
  const timestamp = { sec: 1_700_000_000, nsec: 123_456_789 };

  it("maps RawImage, CompressedImage (png), CameraCalibration and FrameTransform", () => {
    const mapper = new SessionMapper();
    const raw = channel("/oak/stereo/depth", "foxglove.RawImage", "json");
    const png = channel("/oak/stereo/depth_png", "foxglove.CompressedImage", "json");
    const calibration = channel("/oak/stereo/calibration", "foxglove.CameraCalibration", "json");
    const transform = channel("/transforms", "foxglove.FrameTransform", "json");
    const ids = mapper.advertise([raw, png, calibration, transform]);
    expect(ids.sort()).toEqual([raw.id, png.id, calibration.id, transform.id].sort());

    const rawDepth = onlyDepth(
      mapper.message(
        raw.id,
        0n,
        json({
          timestamp,
          frame_id: "oak",
          width: 640,
          height: 480,
          encoding: "16UC1",
          step: 1280,
          data: Buffer.from(bytesOf(sampleDepth)).toString("base64"),
        }),
      ),
    );
    expectSamePixels(rawDepth.data, sampleDepth);
    const pngLogs = mapper.message(
      png.id,
      0n,
      json({ timestamp, frame_id: "oak", format: "png", data: Buffer.from(samplePng).toString("base64") }),
    );
    expectSamePixels(onlyDepth(pngLogs).data, sampleDepth);
    expect(pngLogs[0]?.timeNs).toBe(STAMP_NS);

    const K = [500, 0, 320, 0, 501, 240, 0, 0, 1];
    const cal = mapper.message(
      calibration.id,
      0n,
      json({
        timestamp,
        frame_id: "oak",
        width: 640,
        height: 480,
        distortion_model: "rational_polynomial",
        D: [1, 2, 3, 4, 5, 6, 7, 8],
        K,
        R: [],
        P: [],
      }),
    );
    expect((cal[0]?.archetype as Pinhole | undefined)?.imageFromCamera).toEqual([
      500, 0, 0, 0, 501, 0, 320, 240, 1,
    ]);
    expect(cal[0]?.entityPath).toBe("world/oak");

    const t = mapper.message(
      transform.id,
      0n,
      json({
        timestamp,
        parent_frame_id: "base",
        child_frame_id: "oak",
        translation: { x: 1, y: 2, z: 3 },
        rotation: { x: 0, y: 0, z: 0, w: 1 },
      }),
    );
    expect(t[0]?.entityPath).toBe("world/base/oak");
    expect((t[0]?.archetype as Transform3D | undefined)?.translation).toEqual([1, 2, 3]);
  });
});

describe("SessionMapper: a calibration whose distortion Pinhole cannot hold", () => {
  const json = (value: unknown) => new TextEncoder().encode(JSON.stringify(value));
  const calibration = (model: string, D: number[]) =>
    json({
      timestamp: { sec: 1, nsec: 0 },
      frame_id: "cam",
      width: 640,
      height: 480,
      distortion_model: model,
      D,
      K: [500, 0, 320, 0, 500, 240, 0, 0, 1],
      R: [],
      P: [],
    });

  it("bridges the Pinhole without it, counts it on the topic (not as skipped), one log line per change", () => {
    const lines: string[] = [];
    const mapper = new SessionMapper({ onProblem: (line) => lines.push(line) });
    const depth = channel("/cam/depth", "foxglove.RawImage", "json");
    const info = channel("/cam/calibration", "foxglove.CameraCalibration", "json");
    mapper.advertise([depth, info]);
    const first = mapper.message(info.id, 0n, calibration("fov", [0.9]));
    expect((first[0]?.archetype as Pinhole | undefined)?.distortion).toBeUndefined();
    expect(first[0]?.archetype).toBeInstanceOf(Pinhole);
    expect(first[0]?.entityPath).toBe("world/cam");
    for (let i = 0; i < 4; i++) mapper.message(info.id, 0n, calibration("fov", [0.9]));
    // Non-zero coefficients past the model's: named too, a new line.
    mapper.message(info.id, 0n, calibration("plumb_bob", [0.1, 0, 0, 0, 0, 0.2]));
    const stats = mapper.topics().find((t) => t.topic === info.topic);
    expect(stats?.problems["unsupported-distortion"]).toBe(6);
    expect(stats?.bridged).toBe(6);
    expect(mapper.totals().skipped).toBe(0);
    expect(lines).toEqual([
      expect.stringMatching(
        /^\/cam\/calibration -> world\/cam: CameraCalibration: distortion model "fov" is not supported/,
      ),
      expect.stringMatching(
        /CameraCalibration: plumb_bob takes 5 coefficients, D has 6 with non-zero extras/,
      ),
    ]);
    // A supported calibration clears the topic's problem (its count stays).
    const fixed = mapper.message(info.id, 0n, calibration("plumb_bob", [0.1, 0, 0, 0, 0]));
    expect((fixed[0]?.archetype as Pinhole | undefined)?.distortion?.model).toBe("plumb_bob");
    expect(mapper.topics().find((t) => t.topic === info.topic)?.distortionProblem).toBeUndefined();
  });
});

describe("SessionMapper: selection and bad input", () => {
  it("picks depth topics, their camera_info and transforms by default; says why others are skipped", () => {
    const mapper = new SessionMapper();
    const chans = [
      channel("/camera/camera/color/image_raw", "sensor_msgs/msg/Image"),
      channel("/camera/camera/color/camera_info", "sensor_msgs/msg/CameraInfo"),
      channel("/camera/camera/depth/camera_info", "sensor_msgs/msg/CameraInfo"),
      channel("/camera/camera/depth/image_rect_raw", "sensor_msgs/msg/Image"),
      channel("/tf_static", "tf2_msgs/msg/TFMessage"),
      channel("/imu", "sensor_msgs/msg/Imu"),
      channel("/camera/depth/points", "foxglove.PointCloud", "protobuf"),
    ];
    const ids = mapper.advertise(chans);
    expect(ids.sort()).toEqual([chans[2]?.id, chans[3]?.id, chans[4]?.id].sort());
    const reasons = Object.fromEntries(
      mapper.topics().map((t) => [t.topic, t.status.state === "skipped" ? t.status.reason : "bridged"]),
    );
    expect(reasons).toEqual({
      "/camera/camera/color/image_raw": "not a depth topic by name (pick it with --topics)",
      "/camera/camera/color/camera_info": "camera info of no bridged depth topic",
      "/camera/camera/depth/camera_info": "bridged",
      "/camera/camera/depth/image_rect_raw": "bridged",
      "/tf_static": "bridged",
      "/imu": "schema sensor_msgs/msg/Imu is not bridged",
      "/camera/depth/points": 'message encoding "protobuf" is not bridged (cdr and json are)',
    });
  });

  it("bridges one variant of each camera image: compressedDepth over raw over compressed, unless --topics says", () => {
    const chans = [
      channel("/camera/depth/image_rect_raw", "sensor_msgs/msg/Image"),
      channel("/camera/depth/image_rect_raw/compressed", "sensor_msgs/msg/CompressedImage"),
      channel("/camera/depth/image_rect_raw/compressedDepth", "sensor_msgs/msg/CompressedImage"),
      channel("/other/depth/image_raw", "sensor_msgs/msg/Image"),
      channel("/other/depth/image_raw/compressed", "sensor_msgs/msg/CompressedImage"),
    ];
    const mapper = new SessionMapper();
    expect(mapper.advertise(chans).sort()).toEqual([chans[2]?.id, chans[3]?.id].sort());
    const reasons = Object.fromEntries(
      mapper.topics().map((t) => [t.topic, t.status.state === "skipped" ? t.status.reason : "bridged"]),
    );
    expect(reasons["/camera/depth/image_rect_raw"]).toBe(
      "the same image is bridged from /camera/depth/image_rect_raw/compressedDepth (pick this one with --topics)",
    );
    expect(reasons["/other/depth/image_raw/compressed"]).toBe(
      "the same image is bridged from /other/depth/image_raw (pick this one with --topics)",
    );
    const chosen = new SessionMapper({ topics: ["/camera/depth/**"] });
    expect(chosen.advertise(chans.slice(0, 3))).toHaveLength(3);
  });

  it("takes --topics globs", () => {
    const match = topicMatcher(["/cam*/**/image_raw", "/x/?"]);
    expect(match("/camera/camera/color/image_raw")).toBe(true);
    expect(match("/cam/image_raw")).toBe(false);
    expect(match("/x/a")).toBe(true);
    expect(match("/x/ab")).toBe(false);
    const mapper = new SessionMapper({ topics: ["/camera/**/image_raw"] });
    const color = channel("/camera/color/image_raw", "sensor_msgs/msg/Image");
    const depth = channel("/camera/depth/image_rect_raw", "sensor_msgs/msg/Image");
    expect(mapper.advertise([color, depth])).toEqual([color.id]);
  });

  it("counts malformed, unsupported and corrupt messages and keeps mapping good ones", () => {
    const mapper = new SessionMapper();
    const raw = channel("/depth/image", "sensor_msgs/msg/Image");
    const comp = channel("/depth/second/compressedDepth", "sensor_msgs/msg/CompressedImage");
    mapper.advertise([raw, comp, { id: "x", topic: 5 }]);
    expect(mapper.invalidChannels).toBe(1);
    const good = image("16UC1", 640, 480, bytesOf(sampleDepth));
    const bad: [number, Uint8Array][] = [
      [raw.id, good.subarray(0, 100)], // truncated CDR
      [raw.id, good.subarray(0, 3)],
      [raw.id, Uint8Array.of(0, 0, 0, 0, 0, 0, 0, 0xff)], // big-endian encapsulation
      [raw.id, image("rgb8", 2, 1, new Uint8Array(6))],
      [raw.id, image("16UC1", 2, 2, new Uint8Array(6), { step: 4 })], // too little data
      [raw.id, image("16UC1", 100_000, 100_000, new Uint8Array(8), { step: 200_000 })],
      [
        comp.id,
        cdr("sensor_msgs/msg/CompressedImage", {
          header: header("c"),
          format: "16UC1; compressedDepth png",
          data: concat(compressedDepthHeader(), samplePng.subarray(0, 200)),
        }),
      ],
      [
        comp.id,
        cdr("sensor_msgs/msg/CompressedImage", {
          header: header("c"),
          format: "jpeg",
          data: new Uint8Array(10),
        }),
      ],
      [
        comp.id,
        cdr("sensor_msgs/msg/CompressedImage", {
          header: header("c"),
          format: "16UC1; compressedDepth rvl",
          data: concat(compressedDepthHeader(), Uint8Array.of(255, 255, 0, 0, 255, 255, 0, 0)),
        }),
      ],
    ];
    for (const [id, payload] of bad) expect(mapper.message(id, 0n, payload)).toEqual([]);
    expectSamePixels(onlyDepth(mapper.message(raw.id, 0n, good)).data, sampleDepth);
    const stats = Object.fromEntries(mapper.topics().map((t) => [t.topic, t]));
    expect(stats["/depth/image"]?.problems).toEqual({
      malformed: 3,
      "unsupported-encoding": 1,
      "bad-image": 2,
      "bad-value": 0,
      "unsupported-distortion": 0,
    });
    expect(stats["/depth/image"]?.bridged).toBe(1);
    expect(stats["/depth/second/compressedDepth"]?.problems).toEqual({
      malformed: 0,
      "unsupported-encoding": 1,
      "bad-image": 2,
      "bad-value": 0,
      "unsupported-distortion": 0,
    });
  });

  it("forgets unadvertised channels and says which entities they fed", () => {
    const mapper = new SessionMapper();
    const raw = channel("/depth/image", "sensor_msgs/msg/Image");
    mapper.advertise([raw]);
    mapper.message(raw.id, 0n, image("16UC1", 2, 1, new Uint8Array(4)));
    expect(mapper.unadvertise([raw.id, 999])).toEqual([
      { id: raw.id, entities: ["world/camera_depth_optical_frame/depth.image"] },
    ]);
    expect(mapper.message(raw.id, 0n, image("16UC1", 2, 1, new Uint8Array(4)))).toEqual([]);
    expect(mapper.hasDepthTopics).toBe(false);
    // Counts outlive their channel (progress lines and summaries stay cumulative).
    expect(mapper.totals()).toEqual({
      received: 1,
      depthReceived: 1,
      bytesIn: expect.any(Number),
      skipped: 0,
    });
  });
});
