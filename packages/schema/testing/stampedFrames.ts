import { DepthImage, encodeMessage, type LogMessage, Pinhole, readEnvelope } from "@depthroom/schema";
import { loadSampleSets, TUM_INTRINSICS } from "./samples.ts";

/*
 * Real depth frames for rate tests: the TUM fr2 640x480 sample (data/samples), RVL-encoded once; each
 * published frame is a copy with its `frame` sequence and `capture_time` stamped into the header, so a
 * receiver reads its latency from the bytes alone.
 */

export interface SampleStream {
  /** Static Pinhole of the camera (`world/camera` unless another is named). */
  readonly pinhole: Uint8Array;
  /** `<camera>/depth`, RVL, stamped with frame 0 / capture_time 0. */
  readonly depth: Uint8Array;
  /** Offsets of the two i64 time values in `depth`. */
  readonly frameOffset: number;
  readonly captureOffset: number;
}

/**
 * Milliseconds with sub-ms precision on a clock every process of this machine shares: the system's
 * monotonic clock (`process.hrtime`: CLOCK_MONOTONIC on Linux, ms since boot, not a date). Stamps and
 * arrivals of benches and rate tests are compared across processes with it. The wall clock is not fit
 * for that: `performance.timeOrigin + performance.now()` fixes the wall clock's offset when a process
 * starts, and on a virtual machine whose wall clock is stepped (NTP; steps of 177-188 ms seen here) a
 * process started before a step and one started after disagree from then on (the relay bench's 0 fps
 * rounds). Node only: a browser page has no such clock.
 */
export function clockMs(): number {
  return Number(process.hrtime.bigint()) / 1e6;
}

/** The first TUM frame as a DepthImage at `entityPath`, at frame 0 and capture_time 0, unencoded. */
export function sampleDepthMessage(entityPath = "world/camera/depth"): LogMessage<DepthImage> {
  const tum = loadSampleSets()[0]!;
  const sample = tum.frames[0]!;
  return {
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
  };
}

/** The stream of one camera; `camera` names its entity (two streams with different names do not
 * replace each other in a viewer's latest-wins slots). */
export function sampleStream(camera = "world/camera"): SampleStream {
  const pinhole = encodeMessage({
    entityPath: camera,
    timelines: [],
    static: true,
    archetype: Pinhole.fromIntrinsics(TUM_INTRINSICS),
  });
  const entityPath = `${camera}/depth`;
  const depth = encodeMessage(sampleDepthMessage(entityPath), { depthEncoding: "rvl" });
  // Header: magic(4) version kind kindVersion flags, u16 path length + path, u8 timeline count,
  // then per timeline: u8 name length + name, u8 kind, i64 value.
  const frameOffset = 8 + 2 + entityPath.length + 1 + 1 + "frame".length + 1;
  const captureOffset = frameOffset + 8 + 1 + "capture_time".length + 1;
  return { pinhole, depth, frameOffset, captureOffset };
}

/** A copy of the depth frame stamped with `sequence` and a capture time in clockMs milliseconds. */
export function stampFrame(stream: SampleStream, sequence: number, captureMs: number): Uint8Array {
  const bytes = new Uint8Array(stream.depth);
  const view = new DataView(bytes.buffer);
  view.setBigInt64(stream.frameOffset, BigInt(sequence), true);
  view.setBigInt64(stream.captureOffset, BigInt(Math.round(captureMs * 1e6)), true);
  return bytes;
}

/** The sequence and capture time (clockMs milliseconds) of a stamped frame, read from its header. */
export function readStamp(bytes: Uint8Array): { sequence: number; captureMs: number } {
  const envelope = readEnvelope(bytes);
  const frame = envelope.timelines.find((t) => t.timeline === "frame");
  const capture = envelope.timelines.find((t) => t.timeline === "capture_time");
  return { sequence: Number(frame?.value ?? -1n), captureMs: Number(capture?.value ?? 0n) / 1e6 };
}

/** Capture time (wall-clock ms) of a stamped depth frame; undefined for other messages. */
export function captureMsOf(bytes: Uint8Array): number | undefined {
  const envelope = readEnvelope(bytes);
  if (envelope.kind !== "DepthImage") return undefined;
  const capture = envelope.timelines.find((t) => t.timeline === "capture_time");
  return capture ? Number(capture.value) / 1e6 : undefined;
}
