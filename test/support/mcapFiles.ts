import { parse as parseMessageDefinition } from "@foxglove/rosmsg";
import { MessageWriter } from "@foxglove/rosmsg2-serialization";
import { McapWriter } from "@mcap/core";

/*
 * ROS 2 MCAP files written by the tests themselves (@mcap/core + CDR), as rosbag2 writes them:
 * `ros2msg` schemas, `cdr` messages. Used for imports, good and bad.
 */

const TIME_DEF = "MSG: builtin_interfaces/Time\nint32 sec\nuint32 nanosec\n";
const HEADER_DEF = "MSG: std_msgs/Header\nbuiltin_interfaces/Time stamp\nstring frame_id\n";
const SEP = "================================================================================\n";
const IMAGE_DEF = `std_msgs/Header header\nuint32 height\nuint32 width\nstring encoding\nuint8 is_bigendian\nuint32 step\nuint8[] data\n${SEP}${HEADER_DEF}${SEP}${TIME_DEF}`;
const CAMERA_INFO_DEF = `std_msgs/Header header\nuint32 height\nuint32 width\nstring distortion_model\nfloat64[] d\nfloat64[9] k\nfloat64[9] r\nfloat64[12] p\nuint32 binning_x\nuint32 binning_y\nsensor_msgs/RegionOfInterest roi\n${SEP}${HEADER_DEF}${SEP}${TIME_DEF}${SEP}MSG: sensor_msgs/RegionOfInterest\nuint32 x_offset\nuint32 y_offset\nuint32 height\nuint32 width\nbool do_rectify\n`;
const IMU_DEF = `std_msgs/Header header\nfloat64 orientation_covariance\n${SEP}${HEADER_DEF}${SEP}${TIME_DEF}`;

export interface Ros2Frame {
  /** Header stamp (ns). */
  readonly t: bigint;
  readonly width: number;
  readonly height: number;
  /** 16UC1 depth (mm), or for `mono8`/`rgb8` the 8-bit bytes. */
  readonly data: Uint16Array | Uint8Array;
}

export interface Ros2FileOptions {
  readonly frames: readonly Ros2Frame[];
  /** Image encoding (default 16UC1). */
  readonly encoding?: string;
  /** K = [fx 0 cx 0 fy cy 0 0 1]; null writes no CameraInfo. */
  readonly k?: readonly number[] | null;
  /** Add an IMU topic (unsupported: listed as skipped). */
  readonly imu?: boolean;
  /** Write the images (default true). */
  readonly images?: boolean;
  /** The CameraInfo's distortion_model and d (default plumb_bob, all zero). */
  readonly distortion?: { readonly model: string; readonly d: readonly number[] };
}

/** Where the tests' ROS 2 recordings start (ns): 2023-11-14. */
export const ROS2_T0 = 1_700_000_000_000_000_000n;

/**
 * `count` depth frames (default: each once) as ROS 2 images 1/30 s apart from `ROS2_T0`, the
 * frames repeated in order when `count` is larger.
 */
export function ros2Frames(
  frames: readonly { readonly width: number; readonly height: number; readonly depth: Uint16Array }[],
  count = frames.length,
): Ros2Frame[] {
  return Array.from({ length: count }, (_, i) => {
    const f = frames[i % frames.length] as (typeof frames)[number];
    return { t: ROS2_T0 + BigInt(i) * 33_333_333n, width: f.width, height: f.height, data: f.depth };
  });
}

const stamp = (ns: bigint) => ({ sec: Number(ns / 1_000_000_000n), nanosec: Number(ns % 1_000_000_000n) });

/** A ROS 2 MCAP: `/cam/depth/image_raw` (frame `cam_depth_optical_frame`), its CameraInfo, maybe `/imu`. */
export async function writeRos2Mcap(options: Ros2FileOptions): Promise<Uint8Array<ArrayBuffer>> {
  const parts: Uint8Array[] = [];
  let position = 0n;
  const writer = new McapWriter({
    writable: {
      position: () => position,
      write: async (bytes: Uint8Array) => {
        position += BigInt(bytes.byteLength);
        parts.push(bytes.slice());
      },
    },
    chunkSize: 256 * 1024,
  });
  await writer.start({ profile: "ros2", library: "depthroom test" });
  const schema = (name: string, text: string) =>
    writer.registerSchema({ name, encoding: "ros2msg", data: new TextEncoder().encode(text) });
  const channel = (topic: string, schemaId: number) =>
    writer.registerChannel({ topic, schemaId, messageEncoding: "cdr", metadata: new Map() });
  const imageTopic = await channel("/cam/depth/image_raw", await schema("sensor_msgs/msg/Image", IMAGE_DEF));
  const infoTopic = await channel(
    "/cam/depth/camera_info",
    await schema("sensor_msgs/msg/CameraInfo", CAMERA_INFO_DEF),
  );
  const imuTopic = options.imu ? await channel("/imu", await schema("sensor_msgs/msg/Imu", IMU_DEF)) : 0;
  const imageWriter = new MessageWriter(parseMessageDefinition(IMAGE_DEF, { ros2: true }));
  const infoWriter = new MessageWriter(parseMessageDefinition(CAMERA_INFO_DEF, { ros2: true }));
  const imuWriter = new MessageWriter(parseMessageDefinition(IMU_DEF, { ros2: true }));
  const encoding = options.encoding ?? "16UC1";
  let sequence = 0;
  for (const f of options.frames) {
    const header = { stamp: stamp(f.t), frame_id: "cam_depth_optical_frame" };
    const add = (channelId: number, data: Uint8Array) =>
      writer.addMessage({ channelId, sequence: sequence++, logTime: f.t, publishTime: f.t, data });
    if (options.k !== null) {
      const k = options.k ?? [252, 0, 160, 0, 252.5, 144, 0, 0, 1];
      await add(
        infoTopic,
        infoWriter.writeMessage({
          header,
          height: f.height,
          width: f.width,
          distortion_model: options.distortion?.model ?? "plumb_bob",
          d: options.distortion?.d ?? [0, 0, 0, 0, 0],
          k,
          r: [1, 0, 0, 0, 1, 0, 0, 0, 1],
          p: [k[0], 0, k[2], 0, 0, k[4], k[5], 0, 0, 0, 1, 0],
          binning_x: 0,
          binning_y: 0,
          roi: { x_offset: 0, y_offset: 0, height: 0, width: 0, do_rectify: false },
        }),
      );
    }
    if (options.images !== false) {
      const bytes = new Uint8Array(f.data.buffer, f.data.byteOffset, f.data.byteLength);
      const channels = encoding === "rgb8" ? 3 : 1;
      await add(
        imageTopic,
        imageWriter.writeMessage({
          header,
          height: f.height,
          width: f.width,
          encoding,
          is_bigendian: 0,
          step: f.width * (f.data instanceof Uint16Array ? 2 : channels),
          data: bytes,
        }),
      );
    }
    if (options.imu) await add(imuTopic, imuWriter.writeMessage({ header, orientation_covariance: 0 }));
  }
  await writer.end();
  return new Uint8Array(Buffer.concat(parts));
}
