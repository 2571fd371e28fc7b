import { rvlEncode } from "@depthroom/schema";
import { parse } from "@foxglove/rosmsg";
import { MessageWriter } from "@foxglove/rosmsg2-serialization";
import { describe, expect, it } from "vitest";
import { type BridgeMessageProblem, skipsMessage } from "./errors.ts";
import { SessionMapper } from "./mapper.ts";
import { ROS2_SCHEMA_TEXT, type Ros2SchemaName } from "./rosSchemas.ts";

// Seeded fuzz: valid messages of every bridged ROS 2 type, corrupted (bytes flipped, lengths and counts
// overwritten, truncated, extended): the mapper counts or maps each one and never throws, and no decode
// allocates past the image bounds.

function rng(seed: number) {
  let x = seed >>> 0;
  return () => {
    x ^= x << 13;
    x >>>= 0;
    x ^= x >>> 17;
    x ^= x << 5;
    x >>>= 0;
    return x / 0x1_0000_0000;
  };
}

const cdr = (name: Ros2SchemaName, message: unknown) =>
  new MessageWriter(parse(ROS2_SCHEMA_TEXT[name], { ros2: true })).writeMessage(message);
const header = { stamp: { sec: 1, nanosec: 2 }, frame_id: "optical" };
const depth = Uint16Array.from({ length: 64 * 48 }, (_, i) => (i % 7 === 0 ? 0 : 500 + (i % 300)));
const size = new Uint8Array(8);
new DataView(size.buffer).setUint32(0, 64, true);
new DataView(size.buffer).setUint32(4, 48, true);
const rvl = rvlEncode(depth);
const rvlPayload = new Uint8Array(12 + 8 + rvl.length);
rvlPayload.set(size, 12);
rvlPayload.set(rvl, 20);

const SEEDS: [Ros2SchemaName, string, Uint8Array][] = [
  [
    "sensor_msgs/msg/Image",
    "/f/depth/image",
    cdr("sensor_msgs/msg/Image", {
      header,
      height: 48,
      width: 64,
      encoding: "16UC1",
      is_bigendian: 0,
      step: 128,
      data: new Uint8Array(depth.buffer),
    }),
  ],
  [
    "sensor_msgs/msg/CompressedImage",
    "/f/depth/rvl/compressedDepth",
    cdr("sensor_msgs/msg/CompressedImage", {
      header,
      format: "16UC1; compressedDepth rvl",
      data: rvlPayload,
    }),
  ],
  [
    "sensor_msgs/msg/CameraInfo",
    "/f/depth/camera_info",
    cdr("sensor_msgs/msg/CameraInfo", {
      header,
      height: 48,
      width: 64,
      distortion_model: "plumb_bob",
      d: [0.1, 0.2, 0, 0, 0],
      k: [50, 0, 32, 0, 50, 24, 0, 0, 1],
      r: [1, 0, 0, 0, 1, 0, 0, 0, 1],
      p: new Array(12).fill(0),
      binning_x: 0,
      binning_y: 0,
      roi: { x_offset: 0, y_offset: 0, height: 0, width: 0, do_rectify: false },
    }),
  ],
  [
    "tf2_msgs/msg/TFMessage",
    "/tf",
    cdr("tf2_msgs/msg/TFMessage", {
      transforms: [
        {
          header: { ...header, frame_id: "base" },
          child_frame_id: "optical",
          transform: { translation: { x: 1, y: 2, z: 3 }, rotation: { x: 0, y: 0, z: 0, w: 1 } },
        },
      ],
    }),
  ],
];

function corrupt(bytes: Uint8Array, random: () => number): Uint8Array {
  const out = bytes.slice();
  const pick = random();
  if (pick < 0.3) {
    for (let i = 0, n = 1 + Math.floor(random() * 8); i < n; i++) {
      out[Math.floor(random() * out.length)] = Math.floor(random() * 256);
    }
    return out;
  }
  if (pick < 0.6) {
    // A u32 (a length or a count, most likely) overwritten with a large value.
    const at = 4 + 4 * Math.floor(random() * ((out.length - 8) / 4));
    new DataView(out.buffer).setUint32(
      at,
      [0xffffffff, 0x7fffffff, 1 << 24, 1 << 30][Math.floor(random() * 4)] as number,
      true,
    );
    return out;
  }
  if (pick < 0.85) return out.subarray(0, Math.floor(random() * out.length));
  const longer = new Uint8Array(out.length + Math.floor(random() * 64));
  longer.set(out);
  return longer;
}

describe("SessionMapper fuzz", () => {
  it("never throws on 4,000 corrupted messages and keeps memory flat", () => {
    const mapper = new SessionMapper();
    const channels = SEEDS.map(([schemaName, topic], id) => ({
      id,
      topic,
      encoding: "cdr",
      schemaName,
      schema: ROS2_SCHEMA_TEXT[schemaName],
      schemaEncoding: "ros2msg",
    }));
    expect(mapper.advertise(channels)).toHaveLength(SEEDS.length);
    // The uncorrupted seeds map.
    for (const [id, [, , bytes]] of SEEDS.entries())
      expect(mapper.message(id, 1n, bytes).length).toBeGreaterThan(0);
    const random = rng(0xdeb7);
    const before = process.memoryUsage().arrayBuffers;
    let mapped = 0;
    for (let i = 0; i < 4000; i++) {
      const id = i % SEEDS.length;
      const bytes = corrupt((SEEDS[id] as (typeof SEEDS)[number])[2], random);
      mapped += mapper.message(id, BigInt(i), bytes).length > 0 ? 1 : 0;
      const growth = process.memoryUsage().arrayBuffers - before;
      if (growth > 256 * 1024 * 1024) throw new Error(`message ${i}: array buffers grew by ${growth} bytes`);
    }
    const totals = mapper.totals();
    expect(totals.received).toBe(4000 + SEEDS.length);
    // Every message is accounted for: bridged, or counted with the reason it was skipped (a calibration
    // bridged without its unsupported distortion is bridged, and counted too).
    for (const t of mapper.topics()) {
      const skipped = Object.entries(t.problems)
        .filter(([problem]) => skipsMessage(problem as BridgeMessageProblem))
        .reduce((a, [, n]) => a + n, 0);
      expect(t.bridged + skipped, t.topic).toBe(t.received);
    }
    expect(mapped).toBeGreaterThan(0);
    expect(totals.skipped).toBeGreaterThan(1000);
  });
});
