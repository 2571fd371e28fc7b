import {
  cameraInfoDistortion,
  DecodeError,
  type DepthImage,
  decodeMessage,
  type LogMessage,
  loadUpZstdDecoder,
  type Measurement,
  measure,
  measurementLabel,
  type Pinhole,
  type Transform3D,
} from "@depthroom/schema";
import { CameraCalibration, CompressedImage, FrameTransform, RawImage } from "@foxglove/schemas/jsonschema";
import { McapWriter } from "@mcap/core";
import { base64EncodeAscii } from "./base64.ts";
import { exportPixels } from "./depthConversion.ts";
import { compressedFormat, exportImage } from "./imageConversion.ts";
import { IMPORT_IMAGE_KEY, IMPORT_METER_KEY } from "./importMcap.ts";
import type { RecordingSink, RecordingSource } from "./io.ts";
import { openRecording, type RecordedMessage } from "./recordingReader.ts";

/*
 * Export a Depthroom recording as an MCAP file with Foxglove schemas, encoded as JSON with JSON Schema
 * (see README: Foxglove opens it, and it needs no protobuf descriptor machinery). Depth becomes
 * `foxglove.RawImage` (16UC1 or 32FC1), Image `foxglove.RawImage` (rgb8, bgr8, rgba8, bgra8, mono8,
 * mono16), EncodedImage `foxglove.CompressedImage` (jpeg, png), Pinhole `foxglove.CameraCalibration`, Transform3D
 * `foxglove.FrameTransform`; log times are kept, and message timestamps are the log (capture) times.
 */

export interface FoxgloveExportStats {
  /** Depth images. */
  readonly images: number;
  /** Colour and grey images (raw and compressed). */
  readonly colorImages: number;
  readonly calibrations: number;
  readonly transforms: number;
  /** Measurements written on `EXPORT_TOPICS.measurements`. */
  readonly measurements: number;
  readonly bytes: number;
  /**
   * Recorded messages left out: one per entity and reason, with how many. The relay records a frame's
   * wire bytes after reading only its envelope, so a payload that does not decode can be in a
   * recording; it costs that message, not the export.
   */
  readonly problems: readonly FoxgloveExportProblem[];
}

export interface FoxgloveExportProblem {
  /** A recorded message that does not decode (DecodeError). */
  readonly code: "bad-message";
  readonly entityPath: string;
  /** A sentence naming the problem and the entity (the first such message's). */
  readonly message: string;
  /** How many messages it concerned. */
  count: number;
}

export interface FoxgloveExportOptions {
  readonly onProgress?: (progress: { messages: number; totalMessages: number }) => void;
  /**
   * The room's measurements (issue 20; read with the schema's `listMeasurements`, so valid): the
   * complete ones are written on `EXPORT_TOPICS.measurements` as JSON (`depthroom.Measurement`), at
   * their log time (or the recording's start when they carry none).
   */
  readonly measurements?: readonly Measurement[];
}

/** Topic naming of the export (and what import maps back to the same entities). */
export const EXPORT_TOPICS = {
  image: (entityPath: string) => `/${entityPath}`,
  calibration: (entityPath: string) => `/${entityPath}/calibration`,
  transforms: "/transforms",
  measurements: "/depthroom/measurements",
} as const;

/** The JSON schema of an exported measurement (a Measurement plus its figures and label). */
const MEASUREMENT_JSON_SCHEMA = {
  title: "depthroom.Measurement",
  description: "A shared measurement: distance (2 points), polyline, or angle at the middle of 3 points",
  type: "object",
  properties: {
    timestamp: {
      type: "object",
      properties: { sec: { type: "integer" }, nsec: { type: "integer" } },
    },
    id: { type: "string" },
    kind: { type: "string", enum: ["distance", "polyline", "angle"] },
    entity_path: { type: "string" },
    points: {
      type: "array",
      items: {
        type: "object",
        properties: {
          x: { type: "number" },
          y: { type: "number" },
          z: { type: "number" },
          u: { type: ["integer", "null"] },
          v: { type: ["integer", "null"] },
        },
      },
    },
    length_m: { type: ["number", "null"], description: "distance or polyline total, metres" },
    angle_deg: { type: ["number", "null"] },
    label: { type: "string" },
    author: { type: "string" },
    time: { type: ["object", "null"], description: "timeline and value it was measured at" },
  },
} as const;

const JSON_SCHEMAS = {
  image: RawImage,
  compressedImage: CompressedImage,
  calibration: CameraCalibration,
  transform: FrameTransform,
  measurement: MEASUREMENT_JSON_SCHEMA,
} as const;

export async function exportFoxglove(
  recording: RecordingSource,
  sink: RecordingSink,
  options: FoxgloveExportOptions = {},
): Promise<FoxgloveExportStats> {
  // up-zstd depth (encoding 4) decodes in WebAssembly loaded asynchronously; then RawImage as MED's. If
  // it cannot load, only up-zstd frames are left out (each a named problem), not the whole export.
  await loadUpZstdDecoder().catch(() => undefined);
  const reader = await openRecording(recording);
  const entities = reader.entities();
  const pinholeEntities = new Set(entities.filter((e) => e.kind === "Pinhole").map((e) => e.entityPath));
  const totalMessages = entities.reduce((n, e) => n + e.messages, 0);

  let position = 0n;
  let bytes = 0;
  const writer = new McapWriter({
    writable: {
      position: () => position,
      write: async (buffer: Uint8Array) => {
        position += BigInt(buffer.byteLength);
        bytes += buffer.byteLength;
        await sink.write(buffer.slice());
      },
    },
    chunkSize: 4 << 20,
  });
  await writer.start({ profile: "", library: "@depthroom/recording" });
  // Schemas are registered when a channel first needs one, so the file names only those it uses.
  const schemaIds = new Map<keyof typeof JSON_SCHEMAS, number>();
  const schemaId = async (kind: keyof typeof JSON_SCHEMAS) => {
    let id = schemaIds.get(kind);
    if (id === undefined) {
      id = await writer.registerSchema({
        name: (JSON_SCHEMAS[kind] as { title: string }).title,
        encoding: "jsonschema",
        data: new TextEncoder().encode(JSON.stringify(JSON_SCHEMAS[kind])),
      });
      schemaIds.set(kind, id);
    }
    return id;
  };
  const channels = new Map<string, number>();
  const channel = async (kind: keyof typeof JSON_SCHEMAS, topic: string, metadata: Map<string, string>) => {
    let id = channels.get(topic);
    if (id === undefined) {
      id = await writer.registerChannel({
        schemaId: await schemaId(kind),
        topic,
        messageEncoding: "json",
        metadata,
      });
      channels.set(topic, id);
    }
    return id;
  };

  const frameOfImage = (entityPath: string): string => {
    for (let path = entityPath; path; path = parentPath(path)) if (pinholeEntities.has(path)) return path;
    return parentPath(entityPath) || entityPath;
  };

  const stats = { images: 0, colorImages: 0, calibrations: 0, transforms: 0 };
  let done = 0;
  let leftOut = 0; // counted in progress: the CLI's bar ends at totalMessages
  const problems = new Map<string, FoxgloveExportProblem>();
  const write = async (m: RecordedMessage) => {
    let message: LogMessage;
    try {
      message = decodeMessage(m.bytes);
    } catch (error) {
      if (!(error instanceof DecodeError)) throw error;
      const known = problems.get(m.entityPath);
      if (known) known.count++;
      else {
        const text = `entity ${m.entityPath}: a recorded message does not decode, left out: ${error.message}`;
        problems.set(m.entityPath, {
          code: "bad-message",
          entityPath: m.entityPath,
          message: text,
          count: 1,
        });
      }
      leftOut++;
      return;
    }
    const timestamp = toTime(m.logTimeNs);
    const encoder = new TextEncoder();
    let channelId: number;
    let body: Record<string, unknown>;
    let data: Uint8Array | undefined;
    switch (message.archetype.kind) {
      case "DepthImage": {
        const image = message.archetype as DepthImage;
        const px = exportPixels(image);
        const metadata = new Map([["depthroom.entity", m.entityPath]]);
        if (px.encoding === "16UC1" && px.meter !== 1000) metadata.set(IMPORT_METER_KEY, String(px.meter));
        channelId = await channel("image", EXPORT_TOPICS.image(m.entityPath), metadata);
        body = rawImageBody(timestamp, frameOfImage(m.entityPath), image, px);
        data = px.data;
        stats.images++;
        break;
      }
      case "Image": {
        const image = message.archetype;
        const px = exportImage(image);
        const metadata = new Map([
          ["depthroom.entity", m.entityPath],
          [IMPORT_IMAGE_KEY, "true"],
        ]);
        channelId = await channel("image", EXPORT_TOPICS.image(m.entityPath), metadata);
        body = rawImageBody(timestamp, frameOfImage(m.entityPath), image, px);
        data = px.data;
        stats.colorImages++;
        break;
      }
      case "EncodedImage": {
        const image = message.archetype;
        channelId = await channel(
          "compressedImage",
          EXPORT_TOPICS.image(m.entityPath),
          new Map([["depthroom.entity", m.entityPath]]),
        );
        body = { timestamp, frame_id: frameOfImage(m.entityPath), format: compressedFormat(image.mediaType) };
        data = image.blob;
        stats.colorImages++;
        break;
      }
      case "Pinhole": {
        const p = message.archetype as Pinhole;
        const [width, height] = p.resolution ?? [0, 0];
        channelId = await channel(
          "calibration",
          EXPORT_TOPICS.calibration(m.entityPath),
          new Map([["depthroom.entity", m.entityPath]]),
        );
        body = {
          timestamp,
          frame_id: m.entityPath,
          width: Math.round(width),
          height: Math.round(height),
          ...cameraInfoDistortion(p.distortion),
          K: [p.fx, 0, p.cx, 0, p.fy, p.cy, 0, 0, 1],
          R: [1, 0, 0, 0, 1, 0, 0, 0, 1],
          P: [p.fx, 0, p.cx, 0, 0, p.fy, p.cy, 0, 0, 0, 1, 0],
        };
        stats.calibrations++;
        break;
      }
      case "Transform3D": {
        const t = message.archetype as Transform3D;
        channelId = await channel("transform", EXPORT_TOPICS.transforms, new Map());
        body = {
          timestamp,
          parent_frame_id: parentPath(m.entityPath),
          child_frame_id: m.entityPath,
          translation: { x: t.translation[0], y: t.translation[1], z: t.translation[2] },
          rotation: { x: t.rotation[0], y: t.rotation[1], z: t.rotation[2], w: t.rotation[3] },
        };
        stats.transforms++;
        break;
      }
    }
    await writer.addMessage({
      channelId,
      sequence: done,
      logTime: m.logTimeNs,
      publishTime: m.receiveTimeNs,
      data: data ? jsonWithBase64Data(body, data) : encoder.encode(JSON.stringify(body)),
    });
    done++;
    if (done % 64 === 0) options.onProgress?.({ messages: done + leftOut, totalMessages });
  };

  const range = reader.timeRange();
  // Static messages (all times) first, stamped with their log time.
  for (const m of await reader.latestAt(range?.startNs ?? 0n)) if (m.static) await write(m);
  if (range) for await (const m of reader.messagesInRange(range.startNs, range.endNs)) await write(m);
  let measurements = 0;
  for (const m of options.measurements ?? []) {
    if (!m.complete) continue;
    const logTime =
      m.time?.timeline === "log_time" && m.time.value >= 0
        ? BigInt(Math.round(m.time.value))
        : (range?.startNs ?? 0n);
    const values = measure(m);
    const body = {
      timestamp: toTime(logTime),
      id: m.id,
      kind: m.kind,
      entity_path: m.entityPath,
      points: m.points.map((p) => ({
        x: p.world[0],
        y: p.world[1],
        z: p.world[2],
        u: p.pixel?.u ?? null,
        v: p.pixel?.v ?? null,
      })),
      length_m: "length" in values ? values.length : null,
      angle_deg: values.kind === "angle" ? values.degrees : null,
      label: measurementLabel(values),
      author: m.author.name,
      time: m.time,
    };
    await writer.addMessage({
      channelId: await channel("measurement", EXPORT_TOPICS.measurements, new Map()),
      sequence: done,
      logTime,
      publishTime: logTime,
      data: new TextEncoder().encode(JSON.stringify(body)),
    });
    done++;
    measurements++;
  }
  await writer.end();
  options.onProgress?.({ messages: done + leftOut, totalMessages });
  return { ...stats, measurements, bytes, problems: [...problems.values()] };
}

function parentPath(path: string): string {
  const i = path.lastIndexOf("/");
  return i < 0 ? "" : path.slice(0, i);
}

function toTime(ns: bigint): { sec: number; nsec: number } {
  return { sec: Number(ns / 1_000_000_000n), nsec: Number(ns % 1_000_000_000n) };
}

/** `JSON.stringify({...body, data: base64(data)})` as UTF-8, without building the big string. */
function jsonWithBase64Data(body: Record<string, unknown>, data: Uint8Array): Uint8Array {
  const encoder = new TextEncoder();
  const head = encoder.encode(`${JSON.stringify(body).slice(0, -1)},"data":"`);
  const b64 = base64EncodeAscii(data);
  const out = new Uint8Array(head.length + b64.length + 2);
  out.set(head, 0);
  out.set(b64, head.length);
  out[out.length - 2] = 0x22; // "
  out[out.length - 1] = 0x7d; // }
  return out;
}

/** A foxglove.RawImage's fields but its data, for a depth or colour image exported as raw pixels. */
function rawImageBody(
  timestamp: unknown,
  frameId: string,
  image: { readonly width: number; readonly height: number },
  px: { readonly encoding: string; readonly step: number },
): Record<string, unknown> {
  return {
    timestamp,
    frame_id: frameId,
    width: image.width,
    height: image.height,
    encoding: px.encoding,
    step: px.step,
  };
}
