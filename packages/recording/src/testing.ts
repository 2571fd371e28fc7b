/// <reference path="./lz4js.d.ts" />
import { crc32 } from "@foxglove/crc";
import { parse as parseMessageDefinition } from "@foxglove/rosmsg";
import { MessageWriter } from "@foxglove/rosmsg2-serialization";
import { McapRecordBuilder, McapWriter, type McapWriterOptions } from "@mcap/core";
import lz4 from "lz4js";
import type { RecordingSink } from "./io.ts";

/*
 * For tests, benches and the hostile-input harness (not part of the package's API:
 * `@depthroom/recording/testing`): ROS 2 MCAP files as rosbag2 writes them, and MCAP files built to
 * hurt a reader.
 */

const TIME_DEF = "MSG: builtin_interfaces/Time\nint32 sec\nuint32 nanosec\n";
const HEADER_DEF = "MSG: std_msgs/Header\nbuiltin_interfaces/Time stamp\nstring frame_id\n";
const SEP = "================================================================================\n";
const WITH_HEADER = `${SEP}${HEADER_DEF}${SEP}${TIME_DEF}`;

/** The ros2msg text (as rosbag2 stores it) of the ROS 2 messages the tests write, by type. */
export const ROS2_DEFINITIONS = {
  "sensor_msgs/msg/Image": `std_msgs/Header header\nuint32 height\nuint32 width\nstring encoding\nuint8 is_bigendian\nuint32 step\nuint8[] data\n${WITH_HEADER}`,
  "sensor_msgs/msg/CameraInfo": `std_msgs/Header header\nuint32 height\nuint32 width\nstring distortion_model\nfloat64[] d\nfloat64[9] k\nfloat64[9] r\nfloat64[12] p\nuint32 binning_x\nuint32 binning_y\nsensor_msgs/RegionOfInterest roi\n${WITH_HEADER}${SEP}MSG: sensor_msgs/RegionOfInterest\nuint32 x_offset\nuint32 y_offset\nuint32 height\nuint32 width\nbool do_rectify\n`,
  "sensor_msgs/msg/CompressedImage": `std_msgs/Header header\nstring format\nuint8[] data\n${WITH_HEADER}`,
  "sensor_msgs/msg/Imu": `std_msgs/Header header\nfloat64 orientation_covariance\n${WITH_HEADER}`,
} as const;
export type Ros2Type = keyof typeof ROS2_DEFINITIONS;

/** A ROS 2 `builtin_interfaces/Time` of `ns` since the epoch. */
export function ros2Stamp(ns: bigint): { sec: number; nanosec: number } {
  return { sec: Number(ns / 1_000_000_000n), nanosec: Number(ns % 1_000_000_000n) };
}

export interface Ros2McapWriter {
  /** A `cdr` channel of `topic` carrying `type` (its `ros2msg` schema registered once). */
  channel(topic: string, type: Ros2Type): Promise<number>;
  /** `message` serialised as CDR of its channel's type, logged (and published) at `logTime`. */
  add(channelId: number, logTime: bigint, message: Record<string, unknown>): Promise<void>;
  /** Writes the summary and the footer. */
  end(): Promise<void>;
}

/** A ROS 2 MCAP into `sink` as rosbag2 writes it: `ros2` profile, `ros2msg` schemas, `cdr` messages. */
export async function ros2McapWriter(
  sink: RecordingSink,
  options: Pick<McapWriterOptions, "chunkSize" | "compressChunk"> = {},
): Promise<Ros2McapWriter> {
  let position = 0n;
  const writer = new McapWriter({
    writable: {
      position: () => position,
      write: async (bytes: Uint8Array) => {
        position += BigInt(bytes.byteLength);
        await sink.write(bytes);
      },
    },
    ...options,
  });
  await writer.start({ profile: "ros2", library: "depthroom test" });
  const schemas = new Map<Ros2Type, number>();
  const cdr = new Map<number, MessageWriter>();
  let sequence = 0;
  return {
    async channel(topic, type) {
      let schemaId = schemas.get(type);
      if (schemaId === undefined) {
        const data = new TextEncoder().encode(ROS2_DEFINITIONS[type]);
        schemaId = await writer.registerSchema({ name: type, encoding: "ros2msg", data });
        schemas.set(type, schemaId);
      }
      const channelId = await writer.registerChannel({
        topic,
        schemaId,
        messageEncoding: "cdr",
        metadata: new Map(),
      });
      cdr.set(channelId, new MessageWriter(parseMessageDefinition(ROS2_DEFINITIONS[type], { ros2: true })));
      return channelId;
    },
    async add(channelId, logTime, message) {
      const data = (cdr.get(channelId) as MessageWriter).writeMessage(message);
      await writer.addMessage({ channelId, sequence: sequence++, logTime, publishTime: logTime, data });
    },
    end: () => writer.end(),
  };
}

/** A file of one zstd chunk that declares `uncompressedBytes` of zeros, in about size/32 Ki bytes. */
export function zstdChunkBomb(uncompressedBytes = 128 * 1024 * 1024): Uint8Array {
  return fileWithChunk({
    compression: "zstd",
    records: zstdRunOfZeros(uncompressedBytes),
    uncompressedSize: BigInt(uncompressedBytes),
    uncompressedCrc: 0,
  });
}

/**
 * A file of one lz4 chunk holding `count` records of an unknown opcode with `recordBytes` of zeros
 * each (default 0: empty records, 9 bytes apiece).
 */
export function manyRecordsChunk(count = 1_000_000, recordBytes = 0): Uint8Array {
  const stride = 9 + recordBytes;
  const inner = new Uint8Array(count * stride);
  const view = new DataView(inner.buffer);
  for (let i = 0; i < count; i++) {
    inner[i * stride] = 0x80;
    view.setUint32(i * stride + 1, recordBytes, true);
  }
  return fileWithChunk({
    compression: "lz4",
    records: lz4.compress(inner),
    uncompressedSize: BigInt(inner.byteLength),
    uncompressedCrc: crc32(inner),
  });
}

function fileWithChunk(chunk: {
  compression: string;
  records: Uint8Array;
  uncompressedSize: bigint;
  uncompressedCrc: number;
}): Uint8Array {
  const b = new McapRecordBuilder();
  b.writeMagic();
  b.writeHeader({ profile: "", library: "depthroom hostile test" });
  b.writeChunk({ messageStartTime: 0n, messageEndTime: 0n, ...chunk });
  b.writeDataEnd({ dataSectionCrc: 0 });
  b.writeFooter({ summaryStart: 0n, summaryOffsetStart: 0n, summaryCrc: 0 });
  b.writeMagic();
  return b.buffer.slice();
}

/**
 * A zstd frame of `bytes` zeros made of RLE blocks (RFC 8878 3.1.1.2: a 3-byte block header, then the
 * byte to repeat), 128 KiB per block, window 128 KiB.
 */
function zstdRunOfZeros(bytes: number): Uint8Array {
  const block = 128 * 1024;
  const blocks = Math.max(1, Math.ceil(bytes / block));
  const out = new Uint8Array(4 + 1 + 1 + blocks * 4);
  new DataView(out.buffer).setUint32(0, 0xfd2fb528, true);
  out[4] = 0x00; // frame header descriptor: no content size, no checksum, no dictionary, window byte follows
  out[5] = 7 << 3; // window descriptor: 2^(10+7) = 128 KiB
  let at = 6;
  for (let i = 0; i < blocks; i++) {
    const size = Math.min(block, bytes - i * block);
    const last = i === blocks - 1 ? 1 : 0;
    const header = last | (1 << 1) | (size << 3);
    out[at] = header & 0xff;
    out[at + 1] = (header >> 8) & 0xff;
    out[at + 2] = (header >> 16) & 0xff;
    out[at + 3] = 0;
    at += 4;
  }
  return out;
}
