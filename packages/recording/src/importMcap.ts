import {
  DepthImage,
  decodeMessage,
  distortionFromCameraInfo,
  type EncodeOptions,
  encodeMessage,
  type LogMessage,
  loadUpZstdDecoder,
  Pinhole,
  Transform3D,
} from "@depthroom/schema";
import { parse as parseMessageDefinition } from "@foxglove/rosmsg";
import { MessageReader } from "@foxglove/rosmsg2-serialization";
import type { McapTypes } from "@mcap/core";
import { base64Decode } from "./base64.ts";
import { importEncoding, pixelsFromImage } from "./depthConversion.ts";
import { EntityMapper } from "./entityMapping.ts";
import { errorMessage } from "./errors.ts";
import { WIRE_MESSAGE_ENCODING } from "./format.ts";
import { colorModelOfEncoding, encodedImageFromCompressed, imageFromRaw } from "./imageConversion.ts";
import type { RecordingSource } from "./io.ts";
import { readIndexedSummary } from "./recovery.ts";
import { McapScan, type SkippedRecord } from "./scan.ts";

/** One imported message: the Depthroom message, its wire bytes, and where it came from. */
export interface ImportedMessage {
  readonly topic: string;
  /** The source message's MCAP log time (ns). */
  readonly logTimeNs: bigint;
  readonly message: LogMessage;
  readonly bytes: Uint8Array;
}

/** A channel that was not imported, and why. */
export interface SkippedChannel {
  readonly topic: string;
  readonly schema: string;
  readonly reason: string;
}

export type ImportProblemCode =
  /** The file ends inside a record: what follows was not read. */
  | "truncated"
  /** A record could not be read (bad CRC, bad compression, garbage): skipped or the rest unread. */
  | "corrupt"
  /** An image topic with an 8-bit encoding that is not imported (Bayer, YUV). */
  | "eight-bit-image"
  /** An image topic with another non-depth encoding. */
  | "unsupported-encoding"
  /** A CameraInfo / CameraCalibration whose K has fx or fy of 0 (uncalibrated). */
  | "zero-focal-length"
  /** A CameraInfo / CameraCalibration whose distortion is not one Pinhole holds: imported without it. */
  | "unsupported-distortion"
  /** A message that does not decode, or whose fields do not add up. */
  | "bad-message";

export interface ImportProblem {
  readonly code: ImportProblemCode;
  /** The topic concerned, if one. */
  readonly topic?: string;
  /** A sentence naming the problem (and the topic). */
  readonly message: string;
  /** How many messages (or records) it concerned. */
  count: number;
}

export interface ImportProgress {
  readonly bytesRead: number;
  readonly totalBytes: number;
  readonly messages: number;
}

export interface ImportOptions {
  readonly onProgress?: (progress: ImportProgress) => void;
  /** Wire encoding of imported depth (default: RVL for U16, raw otherwise). */
  readonly encode?: EncodeOptions;
}

export interface McapImport {
  /**
   * The imported messages in file order (calibrations and transforms of a chunk before its images).
   * Iterate once. Throws `RecordingError` `not-mcap` (or `truncated` within the magic, `io`) when
   * nothing can be read; every other problem lands in `problems` and the import goes on.
   */
  readonly messages: AsyncIterable<ImportedMessage>;
  /** Channels not imported (filled while iterating; complete after). */
  readonly skipped: readonly SkippedChannel[];
  /** Problems met (filled while iterating; complete after). */
  readonly problems: readonly ImportProblem[];
}

/** The conventional units per metre of imported depth, unless channel metadata says otherwise. */
export const IMPORT_METER_KEY = "depthroom.meter";
/** Channel metadata of an exported Image: its mono16 is a grey image, not depth. */
export const IMPORT_IMAGE_KEY = "depthroom.image";

/**
 * Import ROS 2 (`sensor_msgs/msg/Image`, `sensor_msgs/msg/CompressedImage`, `sensor_msgs/msg/CameraInfo`,
 * CDR), Foxglove (`foxglove.RawImage`, `foxglove.CompressedImage`, `foxglove.CameraCalibration`,
 * `foxglove.FrameTransform(s)`, JSON or ROS 2 CDR)
 * and Depthroom recordings as Depthroom messages. Unsupported channels are listed and skipped.
 */
export function importMcap(source: RecordingSource, options: ImportOptions = {}): McapImport {
  const skipped: SkippedChannel[] = [];
  const problems: ImportProblem[] = [];
  const run = new ImportRun(source, options, skipped, problems);
  return { messages: run.messages(), skipped, problems };
}

/** `importMcap` collected into arrays (for small files and tests). */
export async function importMcapAll(
  source: RecordingSource,
  options: ImportOptions = {},
): Promise<{
  messages: ImportedMessage[];
  skipped: readonly SkippedChannel[];
  problems: readonly ImportProblem[];
}> {
  const run = importMcap(source, options);
  const messages: ImportedMessage[] = [];
  for await (const m of run.messages) messages.push(m);
  return { messages, skipped: run.skipped, problems: run.problems };
}

type Kind = "image" | "compressedImage" | "calibration" | "transform" | "transforms" | "depthroom";

interface ChannelPlan {
  readonly kind: Kind;
  readonly decode: (data: Uint8Array) => Record<string, unknown>;
  readonly meter: number | undefined;
  /** Set on channels a Depthroom export wrote from an Image: their mono16 is grey, not depth. */
  readonly greyImage?: boolean;
}

const SCHEMA_KINDS: Record<string, Kind> = {
  "sensor_msgs/msg/Image": "image",
  "sensor_msgs/Image": "image",
  "foxglove.RawImage": "image",
  "foxglove_msgs/msg/RawImage": "image",
  "sensor_msgs/msg/CompressedImage": "compressedImage",
  "sensor_msgs/CompressedImage": "compressedImage",
  "foxglove.CompressedImage": "compressedImage",
  "foxglove_msgs/msg/CompressedImage": "compressedImage",
  "sensor_msgs/msg/CameraInfo": "calibration",
  "sensor_msgs/CameraInfo": "calibration",
  "foxglove.CameraCalibration": "calibration",
  "foxglove_msgs/msg/CameraCalibration": "calibration",
  "foxglove.FrameTransform": "transform",
  "foxglove_msgs/msg/FrameTransform": "transform",
  "foxglove.FrameTransforms": "transforms",
  "foxglove_msgs/msg/FrameTransforms": "transforms",
};

class ImportRun {
  readonly #plans = new Map<number, ChannelPlan | null>();
  readonly #mapper = new EntityMapper();
  readonly #lastPinhole = new Map<string, string>();
  readonly #problemIndex = new Map<string, ImportProblem>();
  #count = 0;

  constructor(
    readonly source: RecordingSource,
    readonly options: ImportOptions,
    readonly skipped: SkippedChannel[],
    readonly problems: ImportProblem[],
  ) {}

  async *messages(): AsyncGenerator<ImportedMessage, void, void> {
    // Depthroom channels may hold up-zstd depth (encoding 4), decoded in WebAssembly; if it cannot load,
    // only those frames are skipped (named problems), not the import.
    await loadUpZstdDecoder().catch(() => undefined);
    // A complete file's summary names every channel up front (a damaged chunk may hold the only
    // definition of one); a file without a summary is read on its own.
    const summary = await readIndexedSummary(this.source);
    const scan = new McapScan(this.source, {
      skipCorrupt: true,
      ...(summary
        ? { known: { schemas: summary.index.schemas.values(), channels: summary.index.channels.values() } }
        : {}),
      onSkip: (s: SkippedRecord) =>
        this.#problem("corrupt", undefined, `${s.reason}; its ${s.length} bytes were skipped`),
    });
    const totalBytes = Number(await this.source.size());
    for await (const record of scan.records()) {
      const messages = record.records.filter(
        (r): r is McapTypes.TypedMcapRecords["Message"] => r.type === "Message",
      );
      // Transforms first, so the frames of this chunk's images are placed in the tree.
      const ordered = [
        ...messages.filter((m) => this.#isTransform(m.channelId, scan)),
        ...messages.filter((m) => !this.#isTransform(m.channelId, scan)),
      ];
      for (const m of ordered) {
        for (const out of this.#convert(m, scan)) {
          this.#count++;
          yield out;
        }
      }
      this.options.onProgress?.({
        bytesRead: record.offset + record.length,
        totalBytes,
        messages: this.#count,
      });
    }
    const end = scan.end;
    if (end && end.kind === "torn") {
      this.#problem(
        "truncated",
        undefined,
        `${end.detail}; the ${end.fileSize - end.offset} bytes from there were not imported`,
      );
    } else if (end && end.kind === "corrupt") {
      this.#problem(
        "corrupt",
        undefined,
        `${end.detail}; the ${end.fileSize - end.offset} bytes from there were not imported`,
      );
    }
    this.options.onProgress?.({ bytesRead: totalBytes, totalBytes, messages: this.#count });
  }

  #isTransform(channelId: number, scan: McapScan): boolean {
    const kind = this.#plan(channelId, scan)?.kind;
    return kind === "transform" || kind === "transforms";
  }

  #problem(code: ImportProblemCode, topic: string | undefined, message: string): void {
    const key = `${code}\u0000${topic ?? ""}\u0000${topic === undefined ? message : ""}`;
    const existing = this.#problemIndex.get(key);
    if (existing) {
      existing.count++;
      return;
    }
    const problem: ImportProblem = { code, message, count: 1, ...(topic !== undefined ? { topic } : {}) };
    this.#problemIndex.set(key, problem);
    this.problems.push(problem);
  }

  #plan(channelId: number, scan: McapScan): ChannelPlan | undefined {
    const known = this.#plans.get(channelId);
    if (known !== undefined) return known ?? undefined;
    const channel = scan.channels.get(channelId);
    if (!channel) return undefined;
    const schema = channel.schemaId === 0 ? undefined : scan.schemas.get(channel.schemaId);
    const schemaName = schema?.name ?? "";
    const skip = (reason: string) => {
      this.skipped.push({ topic: channel.topic, schema: schemaName, reason });
      this.#plans.set(channelId, null);
      return undefined;
    };
    let plan: ChannelPlan;
    const meterText = channel.metadata.get(IMPORT_METER_KEY);
    const meter = meterText !== undefined && Number(meterText) > 0 ? Number(meterText) : undefined;
    const greyImage = channel.metadata.get(IMPORT_IMAGE_KEY) === "true";
    if (channel.messageEncoding === WIRE_MESSAGE_ENCODING) {
      plan = { kind: "depthroom", decode: () => ({}), meter };
    } else {
      const kind = SCHEMA_KINDS[schemaName];
      if (!kind)
        return skip(`schema "${schemaName || "(none)"}" is not a depth image, calibration or transform`);
      if (channel.messageEncoding === "cdr") {
        if (schema?.encoding !== "ros2msg") {
          return skip(`CDR with schema encoding "${schema?.encoding ?? ""}" is not supported (ros2msg is)`);
        }
        let reader: MessageReader;
        try {
          reader = new MessageReader(
            parseMessageDefinition(new TextDecoder().decode(schema.data), { ros2: true }),
          );
        } catch (error) {
          return skip(`its ros2msg definition does not parse: ${errorMessage(error)}`);
        }
        plan = {
          kind,
          decode: (data) => reader.readMessage<Record<string, unknown>>(data),
          meter,
          greyImage,
        };
      } else if (channel.messageEncoding === "json") {
        const text = new TextDecoder();
        plan = {
          kind,
          decode: (data) => JSON.parse(text.decode(data)) as Record<string, unknown>,
          meter,
          greyImage,
        };
      } else {
        return skip(
          `message encoding "${channel.messageEncoding}" is not supported (ROS 2 CDR, JSON and Depthroom are)`,
        );
      }
    }
    this.#plans.set(channelId, plan);
    return plan;
  }

  *#convert(m: McapTypes.Message, scan: McapScan): Generator<ImportedMessage> {
    const plan = this.#plan(m.channelId, scan);
    if (!plan) return;
    const topic = scan.channels.get(m.channelId)?.topic ?? "";
    if (plan.kind === "depthroom") {
      try {
        yield { topic, logTimeNs: m.logTime, message: decodeMessage(m.data), bytes: m.data };
      } catch (error) {
        this.#problem(
          "bad-message",
          topic,
          `topic ${topic}: a Depthroom message does not decode: ${errorMessage(error)}`,
        );
      }
      return;
    }
    let fields: Record<string, unknown>;
    try {
      fields = plan.decode(m.data);
    } catch (error) {
      this.#problem(
        "bad-message",
        topic,
        `topic ${topic}: a message does not decode: ${errorMessage(error)}`,
      );
      return;
    }
    try {
      switch (plan.kind) {
        case "image":
          yield* this.#image(topic, m, fields, plan);
          break;
        case "compressedImage":
          yield* this.#compressedImage(topic, m, fields);
          break;
        case "calibration":
          yield* this.#calibration(topic, m, fields);
          break;
        case "transform":
          yield* this.#transform(topic, m, fields);
          break;
        case "transforms":
          for (const t of asArray(fields.transforms)) yield* this.#transform(topic, m, asRecord(t));
          break;
      }
    } catch (error) {
      this.#problem("bad-message", topic, `topic ${topic}: ${errorMessage(error)}`);
    }
  }

  #emit(topic: string, m: McapTypes.Message, message: LogMessage): ImportedMessage {
    return { topic, logTimeNs: m.logTime, message, bytes: encodeMessage(message, this.options.encode) };
  }

  *#image(topic: string, m: McapTypes.Message, f: Record<string, unknown>, plan: ChannelPlan) {
    const { stamp, frameId } = header(f);
    const encoding = str(f.encoding);
    if (colorModelOfEncoding(encoding) || (plan.greyImage && encoding === "mono16")) {
      const image = imageFromRaw(
        encoding,
        num(f.width, "width"),
        num(f.height, "height"),
        num(f.step, "step"),
        bytes(f.data),
        Boolean(f.is_bigendian),
      );
      const entityPath = this.#mapper.imageEntity(topic, frameId);
      yield this.#emit(topic, m, { entityPath, timelines: timelines(stamp, m.logTime), archetype: image });
      return;
    }
    const meter = plan.meter;
    const verdict = importEncoding(encoding);
    if (!verdict.ok) {
      this.#problem(
        verdict.eightBit ? "eight-bit-image" : "unsupported-encoding",
        topic,
        `topic ${topic}: ${verdict.reason}; its images were skipped`,
      );
      return;
    }
    const width = num(f.width, "width");
    const height = num(f.height, "height");
    const step = num(f.step, "step");
    const data = bytes(f.data);
    const pixels = pixelsFromImage(verdict.datatype, width, height, step, data, Boolean(f.is_bigendian));
    const image = new DepthImage(pixels, { width, height, ...(meter !== undefined ? { meter } : {}) });
    const entityPath = this.#mapper.imageEntity(topic, frameId);
    yield this.#emit(topic, m, { entityPath, timelines: timelines(stamp, m.logTime), archetype: image });
  }

  *#compressedImage(topic: string, m: McapTypes.Message, f: Record<string, unknown>) {
    const { stamp, frameId } = header(f);
    const format = str(f.format);
    if (/compressedDepth/i.test(format)) {
      this.#problem(
        "unsupported-encoding",
        topic,
        `topic ${topic}: format "${format}" is compressed depth, not imported from recordings; its images were skipped`,
      );
      return;
    }
    const image = encodedImageFromCompressed(format, bytes(f.data));
    const entityPath = this.#mapper.imageEntity(topic, frameId);
    yield this.#emit(topic, m, { entityPath, timelines: timelines(stamp, m.logTime), archetype: image });
  }

  *#calibration(topic: string, m: McapTypes.Message, f: Record<string, unknown>) {
    const { stamp, frameId } = header(f);
    const k = asArray(f.K ?? f.k).map((v) => Number(v));
    if (k.length !== 9) throw new Error(`K has ${k.length} values, expected 9`);
    const [fx, , cx, , fy, cy] = k as [number, number, number, number, number, number];
    if (!(fx > 0 && fy > 0)) {
      this.#problem(
        "zero-focal-length",
        topic,
        `topic ${topic}: camera calibration has focal length fx=${fx}, fy=${fy} (an uncalibrated camera); no Pinhole was imported from it`,
      );
      return;
    }
    const width = Number(f.width);
    const height = Number(f.height);
    const { distortion, problem } = distortionFromCameraInfo(
      str(f.distortion_model),
      asArray(f.D ?? f.d ?? []).map((v) => Number(v)),
    );
    if (problem) this.#problem("unsupported-distortion", topic, `topic ${topic}: ${problem}`);
    const pinhole = Pinhole.fromIntrinsics({
      fx,
      fy,
      cx,
      cy,
      ...(width > 0 && height > 0 ? { width, height } : {}),
      distortion,
    });
    const entityPath = this.#mapper.calibrationEntity(topic, frameId);
    // A camera publishes the same calibration with every frame: keep the changes only.
    const signature = `${pinhole.imageFromCamera.join(",")}|${pinhole.resolution?.join(",") ?? ""}|${distortion?.model ?? ""}:${distortion?.coefficients.join(",") ?? ""}`;
    if (this.#lastPinhole.get(entityPath) === signature) return;
    this.#lastPinhole.set(entityPath, signature);
    yield this.#emit(topic, m, { entityPath, timelines: timelines(stamp, m.logTime), archetype: pinhole });
  }

  *#transform(topic: string, m: McapTypes.Message, f: Record<string, unknown>) {
    const parent = str(f.parent_frame_id);
    const child = str(f.child_frame_id);
    if (!child) throw new Error("a transform without child_frame_id");
    const t = asRecord(f.translation);
    const r = asRecord(f.rotation);
    const transform = new Transform3D({
      translation: [Number(t.x ?? 0), Number(t.y ?? 0), Number(t.z ?? 0)],
      rotation: [Number(r.x ?? 0), Number(r.y ?? 0), Number(r.z ?? 0), Number(r.w ?? 1)],
    });
    const entityPath = parent ? this.#mapper.transformEntity(parent, child) : this.#mapper.frameEntity(child);
    const stamp = timeNs(f.timestamp);
    yield this.#emit(topic, m, { entityPath, timelines: timelines(stamp, m.logTime), archetype: transform });
  }
}

function timelines(stampNs: bigint | undefined, logTime: bigint): LogMessage["timelines"] {
  return [
    { timeline: "capture_time", kind: "timestamp", value: stampNs && stampNs > 0n ? stampNs : logTime },
  ];
}

/** ROS `header {stamp, frame_id}` or Foxglove `timestamp` + `frame_id`. */
function header(f: Record<string, unknown>): { stamp: bigint | undefined; frameId: string } {
  const h = f.header === undefined ? undefined : asRecord(f.header);
  return {
    stamp: timeNs(h ? h.stamp : f.timestamp),
    frameId: str(h ? h.frame_id : f.frame_id),
  };
}

/** `{sec, nanosec}` (ROS 2) or `{sec, nsec}` (Foxglove, ROS 1) as ns. */
function timeNs(value: unknown): bigint | undefined {
  if (value === undefined || value === null) return undefined;
  const t = asRecord(value);
  const sec = Number(t.sec ?? 0);
  const nsec = Number(t.nanosec ?? t.nsec ?? 0);
  if (!Number.isInteger(sec) || !Number.isInteger(nsec) || sec < 0 || nsec < 0) {
    throw new Error(`bad time stamp ${JSON.stringify(value)}`);
  }
  return BigInt(sec) * 1_000_000_000n + BigInt(nsec);
}

function asRecord(value: unknown): Record<string, unknown> {
  if (value === null || typeof value !== "object") throw new Error(`expected an object, got ${typeof value}`);
  return value as Record<string, unknown>;
}

function asArray(value: unknown): unknown[] {
  if (Array.isArray(value)) return value;
  if (ArrayBuffer.isView(value)) return Array.from(value as unknown as ArrayLike<unknown>);
  throw new Error(`expected an array, got ${typeof value}`);
}

function str(value: unknown): string {
  return typeof value === "string" ? value : "";
}

function num(value: unknown, field: string): number {
  const n = Number(value);
  if (!Number.isInteger(n) || n < 0) throw new Error(`${field} is ${String(value)}`);
  return n;
}

/** CDR gives a Uint8Array; JSON a base64 string. */
function bytes(value: unknown): Uint8Array {
  if (value instanceof Uint8Array) return value;
  if (typeof value === "string") return base64Decode(value);
  if (Array.isArray(value)) return Uint8Array.from(value as number[]);
  throw new Error("image data is missing");
}
