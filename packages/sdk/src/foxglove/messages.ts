// Decoded source messages -> what they mean for a session: a depth image in a frame, a camera's
// calibration, transforms between frames. One function per schema family; every field is checked
// (a peer's schema text can say anything), failures are `BridgeMessageError`s.

import { type DepthImage, distortionFromCameraInfo, type LensDistortion, Pinhole } from "@depthroom/schema";
import { z } from "zod";
import {
  depthFromCompressedDepth,
  depthFromPng,
  depthFromRawImage,
  parseCompressedDepthFormat,
} from "./depth.ts";
import { BridgeMessageError } from "./errors.ts";

/** The message kinds the bridge maps; anything else is skipped when advertised. */
export type MessageKind = "image" | "compressed-image" | "camera-info" | "transforms";

/** A lens distortion as ROS CameraInfo / Foxglove CameraCalibration carry it (the source's words). */
export interface Distortion {
  readonly model: string;
  readonly coefficients: readonly number[];
}

export type Observation =
  | { readonly kind: "depth"; readonly frameId: string; readonly stampNs: bigint; readonly image: DepthImage }
  | {
      readonly kind: "camera";
      readonly frameId: string;
      readonly stampNs: bigint;
      readonly pinhole: Pinhole;
      readonly distortion: Distortion;
      /**
       * The source's distortion is not one Pinhole holds (an unknown model, non-zero extra coefficients):
       * the sentence saying so. The Pinhole is bridged without it (the MCAP import's rule).
       */
      readonly distortionProblem?: string;
    }
  | { readonly kind: "transforms"; readonly transforms: readonly FrameTransform[] };

export interface FrameTransform {
  readonly parent: string;
  readonly child: string;
  readonly stampNs: bigint;
  readonly translation: readonly [number, number, number];
  /** Quaternion x, y, z, w. */
  readonly rotation: readonly [number, number, number, number];
}

/** Schema names per message kind: ROS 2 (cdr) and Foxglove (json). */
export const ROS2_SCHEMAS: Readonly<Record<string, MessageKind>> = {
  "sensor_msgs/msg/Image": "image",
  "sensor_msgs/msg/CompressedImage": "compressed-image",
  "sensor_msgs/msg/CameraInfo": "camera-info",
  "tf2_msgs/msg/TFMessage": "transforms",
};
export const FOXGLOVE_SCHEMAS: Readonly<Record<string, MessageKind>> = {
  "foxglove.RawImage": "image",
  "foxglove.CompressedImage": "compressed-image",
  "foxglove.CameraCalibration": "camera-info",
  "foxglove.FrameTransform": "transforms",
  "foxglove.FrameTransforms": "transforms",
};

const u32 = z.number().int().min(0).max(0xffff_ffff);
const finite = z.number().finite();
const vec3 = z.object({ x: finite, y: finite, z: finite });
const quaternion = z.object({ x: finite, y: finite, z: finite, w: finite });

const rosTime = z.object({ sec: z.number().int(), nanosec: u32 });
const rosHeader = z.object({ stamp: rosTime, frame_id: z.string() });
const bytes = z.instanceof(Uint8Array);
const rosImage = z.object({
  header: rosHeader,
  height: u32,
  width: u32,
  encoding: z.string(),
  is_bigendian: z.number().int(),
  step: u32,
  data: bytes,
});
const rosCompressedImage = z.object({ header: rosHeader, format: z.string(), data: bytes });
const floats = z.union([z.array(finite), z.instanceof(Float64Array)]);
const rosCameraInfo = z.object({
  header: rosHeader,
  height: u32,
  width: u32,
  distortion_model: z.string(),
  d: floats,
  k: floats,
});
const rosTfMessage = z.object({
  transforms: z.array(
    z.object({
      header: rosHeader,
      child_frame_id: z.string(),
      transform: z.object({ translation: vec3, rotation: quaternion }),
    }),
  ),
});

const foxgloveTime = z.object({ sec: z.number().int(), nsec: u32 });
const base64 = z.string();
const foxgloveRawImage = z.object({
  timestamp: foxgloveTime,
  frame_id: z.string(),
  width: u32,
  height: u32,
  encoding: z.string(),
  step: u32,
  data: base64,
});
const foxgloveCompressedImage = z.object({
  timestamp: foxgloveTime,
  frame_id: z.string(),
  format: z.string(),
  data: base64,
});
const foxgloveCalibration = z.object({
  timestamp: foxgloveTime,
  frame_id: z.string(),
  width: u32,
  height: u32,
  distortion_model: z.string(),
  D: z.array(finite),
  K: z.array(finite),
});
const foxgloveTransform = z.object({
  timestamp: foxgloveTime,
  parent_frame_id: z.string(),
  child_frame_id: z.string(),
  translation: vec3,
  rotation: quaternion,
});
const foxgloveTransforms = z.object({ transforms: z.array(foxgloveTransform) });

function parse<T>(schema: z.ZodType<T>, value: unknown, what: string): T {
  const result = schema.safeParse(value);
  if (result.success) return result.data;
  const issue = result.error.issues[0];
  throw new BridgeMessageError(
    "malformed",
    `${what}.${issue?.path.join(".") ?? ""}: ${issue?.message ?? "invalid"}`,
  );
}

/** Stamp in nanoseconds; a zero stamp (drivers that leave it unset) takes the message's log time. */
function stampNs(sec: number, nanos: number, logTimeNs: bigint): bigint {
  const ns = BigInt(sec) * 1_000_000_000n + BigInt(nanos);
  return ns === 0n ? logTimeNs : ns;
}

/** A calibration message as a camera observation; its distortion by the schema's rule (shared with the MCAP import). */
function cameraOf(
  frameId: string,
  stamp: bigint,
  k: ArrayLike<number>,
  width: number,
  height: number,
  what: string,
  distortion: Distortion,
): Observation {
  const lens = distortionFromCameraInfo(distortion.model, distortion.coefficients);
  return {
    kind: "camera",
    frameId,
    stampNs: stamp,
    pinhole: pinholeOf(k, width, height, what, lens.distortion),
    distortion,
    ...(lens.problem ? { distortionProblem: `${what}: ${lens.problem}` } : {}),
  };
}

function pinholeOf(
  k: ArrayLike<number>,
  width: number,
  height: number,
  what: string,
  distortion: LensDistortion | undefined,
): Pinhole {
  if (k.length !== 9) throw new BridgeMessageError("bad-value", `${what}: K has ${k.length} values, not 9`);
  const fx = k[0] as number;
  const fy = k[4] as number;
  if (!(fx > 0 && fy > 0)) {
    throw new BridgeMessageError(
      "bad-value",
      `${what}: focal lengths ${fx}, ${fy} (an uncalibrated camera has K = 0)`,
    );
  }
  if (!(width > 0 && height > 0))
    throw new BridgeMessageError("bad-value", `${what}: size ${width} x ${height}`);
  // K is row-major [fx 0 cx; 0 fy cy; 0 0 1]; Pinhole.imageFromCamera is column-major, as Rerun's.
  return new Pinhole({
    imageFromCamera: [k[0], k[3], k[6], k[1], k[4], k[7], k[2], k[5], k[8]] as number[],
    resolution: [width, height],
    distortion,
  });
}

/** Map one decoded ROS 2 message of a channel of `kind`. */
export function fromRos2(kind: MessageKind, message: unknown, logTimeNs: bigint): Observation {
  switch (kind) {
    case "image": {
      const m = parse(rosImage, message, "Image");
      const image = depthFromRawImage({
        width: m.width,
        height: m.height,
        encoding: m.encoding,
        step: m.step,
        isBigEndian: m.is_bigendian !== 0,
        data: m.data,
      });
      const stamp = stampNs(m.header.stamp.sec, m.header.stamp.nanosec, logTimeNs);
      return { kind: "depth", frameId: m.header.frame_id, stampNs: stamp, image };
    }
    case "compressed-image": {
      const m = parse(rosCompressedImage, message, "CompressedImage");
      const format = parseCompressedDepthFormat(m.format);
      const image = format ? depthFromCompressedDepth(format, m.data) : compressedFallback(m.format, m.data);
      const stamp = stampNs(m.header.stamp.sec, m.header.stamp.nanosec, logTimeNs);
      return { kind: "depth", frameId: m.header.frame_id, stampNs: stamp, image };
    }
    case "camera-info": {
      const m = parse(rosCameraInfo, message, "CameraInfo");
      const stamp = stampNs(m.header.stamp.sec, m.header.stamp.nanosec, logTimeNs);
      return cameraOf(m.header.frame_id, stamp, m.k, m.width, m.height, "CameraInfo", {
        model: m.distortion_model,
        coefficients: [...m.d],
      });
    }
    case "transforms": {
      const m = parse(rosTfMessage, message, "TFMessage");
      return {
        kind: "transforms",
        transforms: m.transforms.map((t) => ({
          parent: t.header.frame_id,
          child: t.child_frame_id,
          stampNs: stampNs(t.header.stamp.sec, t.header.stamp.nanosec, logTimeNs),
          translation: [t.transform.translation.x, t.transform.translation.y, t.transform.translation.z],
          rotation: [
            t.transform.rotation.x,
            t.transform.rotation.y,
            t.transform.rotation.z,
            t.transform.rotation.w,
          ],
        })),
      };
    }
  }
}

/** A CompressedImage that is not compressedDepth: a plain 16-bit PNG is depth too; anything else is not. */
function compressedFallback(format: string, data: Uint8Array): DepthImage {
  const f = format.trim().toLowerCase();
  if (f === "png" || f === "16uc1; png" || f.endsWith("; png compressed 16uc1") || f === "mono16; png") {
    return depthFromPng(data);
  }
  throw new BridgeMessageError(
    "unsupported-encoding",
    `format "${format}" is not compressedDepth or a 16-bit PNG`,
  );
}

function fromBase64(text: string, what: string): Uint8Array {
  if (!/^[A-Za-z0-9+/]*={0,2}$/.test(text))
    throw new BridgeMessageError("malformed", `${what}: data is not base64`);
  return Buffer.from(text, "base64");
}

/** Map one decoded Foxglove (json) message of a channel of `kind`. */
export function fromFoxglove(
  schemaName: string,
  kind: MessageKind,
  message: unknown,
  logTimeNs: bigint,
): Observation {
  switch (kind) {
    case "image": {
      const m = parse(foxgloveRawImage, message, "RawImage");
      const image = depthFromRawImage({
        width: m.width,
        height: m.height,
        encoding: m.encoding,
        step: m.step,
        isBigEndian: false,
        data: fromBase64(m.data, "RawImage"),
      });
      return {
        kind: "depth",
        frameId: m.frame_id,
        stampNs: stampNs(m.timestamp.sec, m.timestamp.nsec, logTimeNs),
        image,
      };
    }
    case "compressed-image": {
      const m = parse(foxgloveCompressedImage, message, "CompressedImage");
      const data = fromBase64(m.data, "CompressedImage");
      const format = parseCompressedDepthFormat(m.format);
      const image = format ? depthFromCompressedDepth(format, data) : compressedFallback(m.format, data);
      return {
        kind: "depth",
        frameId: m.frame_id,
        stampNs: stampNs(m.timestamp.sec, m.timestamp.nsec, logTimeNs),
        image,
      };
    }
    case "camera-info": {
      const m = parse(foxgloveCalibration, message, "CameraCalibration");
      const stamp = stampNs(m.timestamp.sec, m.timestamp.nsec, logTimeNs);
      return cameraOf(m.frame_id, stamp, m.K, m.width, m.height, "CameraCalibration", {
        model: m.distortion_model,
        coefficients: m.D,
      });
    }
    case "transforms": {
      const list =
        schemaName === "foxglove.FrameTransforms"
          ? parse(foxgloveTransforms, message, "FrameTransforms").transforms
          : [parse(foxgloveTransform, message, "FrameTransform")];
      return {
        kind: "transforms",
        transforms: list.map((t) => ({
          parent: t.parent_frame_id,
          child: t.child_frame_id,
          stampNs: stampNs(t.timestamp.sec, t.timestamp.nsec, logTimeNs),
          translation: [t.translation.x, t.translation.y, t.translation.z],
          rotation: [t.rotation.x, t.rotation.y, t.rotation.z, t.rotation.w],
        })),
      };
    }
  }
}
