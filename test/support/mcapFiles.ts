import { memorySink } from "@depthroom/recording";
import { ros2McapWriter, ros2Stamp } from "@depthroom/recording/testing";

/*
 * ROS 2 MCAP files written by the tests themselves (@mcap/core + CDR), as rosbag2 writes them:
 * `ros2msg` schemas, `cdr` messages. Used for imports, good and bad.
 */

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

/** A ROS 2 MCAP: `/cam/depth/image_raw` (frame `cam_depth_optical_frame`), its CameraInfo, maybe `/imu`. */
export async function writeRos2Mcap(options: Ros2FileOptions): Promise<Uint8Array<ArrayBuffer>> {
  const sink = memorySink();
  const writer = await ros2McapWriter(sink, { chunkSize: 256 * 1024 });
  const imageTopic = await writer.channel("/cam/depth/image_raw", "sensor_msgs/msg/Image");
  const infoTopic = await writer.channel("/cam/depth/camera_info", "sensor_msgs/msg/CameraInfo");
  const imuTopic = options.imu ? await writer.channel("/imu", "sensor_msgs/msg/Imu") : 0;
  const encoding = options.encoding ?? "16UC1";
  for (const f of options.frames) {
    const header = { stamp: ros2Stamp(f.t), frame_id: "cam_depth_optical_frame" };
    const add = (channelId: number, message: Record<string, unknown>) => writer.add(channelId, f.t, message);
    if (options.k !== null) {
      const k = options.k ?? [252, 0, 160, 0, 252.5, 144, 0, 0, 1];
      await add(infoTopic, {
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
      });
    }
    if (options.images !== false) {
      const bytes = new Uint8Array(f.data.buffer, f.data.byteOffset, f.data.byteLength);
      const channels = encoding === "rgb8" ? 3 : 1;
      await add(imageTopic, {
        header,
        height: f.height,
        width: f.width,
        encoding,
        is_bigendian: 0,
        step: f.width * (f.data instanceof Uint16Array ? 2 : channels),
        data: bytes,
      });
    }
    if (options.imu) await add(imuTopic, { header, orientation_covariance: 0 });
  }
  await writer.end();
  return sink.bytes() as Uint8Array<ArrayBuffer>;
}
