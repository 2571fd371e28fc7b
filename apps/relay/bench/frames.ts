import { DepthImage, encodeMessage, Pinhole, readEnvelope } from "@depthroom/schema";
import { loadSampleSets } from "@depthroom/schema/testing";

/*
 * The bench's frames: the real TUM fr2 640x480 sample (data/samples), RVL-encoded once; every published
 * frame is a copy with its sequence and capture time (wall-clock ms) stamped into the header.
 */

export interface BenchStream {
  readonly pinhole: Uint8Array;
  readonly depth: Uint8Array;
  readonly frameOffset: number;
  readonly captureOffset: number;
}

export const wallMs = (): number => performance.timeOrigin + performance.now();

export function benchStream(): BenchStream {
  const tum = loadSampleSets()[0];
  const sample = tum?.frames[0];
  if (!tum || !sample) throw new Error("data/samples/tum-fr2 is missing");
  const pinhole = encodeMessage({
    entityPath: "world/camera",
    timelines: [],
    static: true,
    archetype: Pinhole.fromIntrinsics({ fx: 525, fy: 525, cx: 319.5, cy: 239.5, width: 640, height: 480 }),
  });
  const entityPath = "world/camera/depth";
  const depth = encodeMessage(
    {
      entityPath,
      timelines: [
        { timeline: "frame", kind: "sequence", value: 0n },
        { timeline: "capture_time", kind: "timestamp", value: 0n },
      ],
      archetype: new DepthImage(sample.depth, {
        width: sample.width,
        height: sample.height,
        meter: tum.unitsPerMetre,
      }),
    },
    { depthEncoding: "rvl" },
  );
  // magic(4) version kind kindVersion flags | u16 path length, path | u8 timelines | u8 name length, name, u8 kind, i64
  const frameOffset = 8 + 2 + entityPath.length + 1 + 1 + "frame".length + 1;
  const captureOffset = frameOffset + 8 + 1 + "capture_time".length + 1;
  return { pinhole, depth, frameOffset, captureOffset };
}

export function stampFrame(stream: BenchStream, sequence: number, captureMs: number): Uint8Array {
  const bytes = new Uint8Array(stream.depth);
  const view = new DataView(bytes.buffer);
  view.setBigInt64(stream.frameOffset, BigInt(sequence), true);
  view.setBigInt64(stream.captureOffset, BigInt(Math.round(captureMs * 1e6)), true);
  return bytes;
}

/** Capture time (wall-clock ms) of a stamped depth frame; undefined for other messages. */
export function captureMsOf(bytes: Uint8Array): number | undefined {
  const envelope = readEnvelope(bytes);
  if (envelope.kind !== "DepthImage") return undefined;
  const capture = envelope.timelines.find((t) => t.timeline === "capture_time");
  return capture ? Number(capture.value) / 1e6 : undefined;
}
