import { DepthImage, encodeMessage, type LogMessage, Pinhole, Transform3D } from "@depthroom/schema";
import { AZURE_INTRINSICS, loadSampleSets, type SampleSet } from "@depthroom/schema/testing";

/*
 * Test and bench helpers (Node only): real sample frames from data/samples turned into a timed stream
 * of wire messages, as a relay would receive them.
 */

export interface SentMessage {
  readonly entityPath: string;
  readonly bytes: Uint8Array;
  readonly receiveTimeNs: bigint;
  /** The message's capture time (its MCAP log time), undefined for static messages. */
  readonly captureTimeNs: bigint | undefined;
  readonly message: LogMessage;
}

let cachedSets: SampleSet[] | undefined;
export function sampleSets(): SampleSet[] {
  cachedSets ??= loadSampleSets();
  return cachedSets;
}

/** The Azure Kinect set (320x288, mm) and the TUM set (640x480, 1/5000 m). */
export function azureSet(): SampleSet {
  const sets = sampleSets();
  return sets.find((s) => s.name.startsWith("Azure")) ?? (sets[0] as SampleSet);
}
export function tumSet(): SampleSet {
  const sets = sampleSets();
  return sets.find((s) => s.name.startsWith("TUM")) ?? (sets[0] as SampleSet);
}

export const T0 = 1_700_000_000_000_000_000n;
const NS_PER_S = 1_000_000_000n;

/**
 * A stream of `seconds` seconds: a static Pinhole at `world/azure`, its depth at `fps` (cycling the
 * Azure frames), a TUM camera `world/tum` (temporal Pinhole once, depth at `fps / 3`), and a
 * Transform3D of `world/tum` once a second. Capture times are exact; receive times lag by 2 ms.
 */
export function sampleStream(options: { seconds: number; fps?: number; startNs?: bigint }): SentMessage[] {
  const fps = options.fps ?? 30;
  const start = options.startNs ?? T0;
  const azure = azureSet();
  const tum = tumSet();
  const out: SentMessage[] = [];
  const push = (message: LogMessage, captureTimeNs: bigint | undefined, receiveTimeNs: bigint) => {
    out.push({
      entityPath: message.entityPath,
      bytes: encodeMessage(message),
      receiveTimeNs,
      captureTimeNs,
      message,
    });
  };
  push(
    {
      entityPath: "world/azure",
      timelines: [],
      static: true,
      archetype: Pinhole.fromIntrinsics(AZURE_INTRINSICS),
    },
    undefined,
    start,
  );
  const tumFirst = tum.frames[0] as SampleSet["frames"][number];
  push(
    {
      entityPath: "world/tum",
      timelines: [{ timeline: "capture_time", kind: "timestamp", value: start }],
      archetype: Pinhole.fromIntrinsics({
        fx: 525,
        fy: 525,
        cx: 319.5,
        cy: 239.5,
        width: tumFirst.width,
        height: tumFirst.height,
      }),
    },
    start,
    start + 1_000_000n,
  );
  const frames = Math.round(options.seconds * fps);
  for (let i = 0; i < frames; i++) {
    const t = start + (BigInt(i) * NS_PER_S) / BigInt(fps);
    const f = azure.frames[i % azure.frames.length] as SampleSet["frames"][number];
    push(
      {
        entityPath: "world/azure/depth",
        timelines: [
          { timeline: "frame", kind: "sequence", value: BigInt(i) },
          { timeline: "capture_time", kind: "timestamp", value: t },
        ],
        archetype: new DepthImage(f.depth, { width: f.width, height: f.height, meter: azure.unitsPerMetre }),
      },
      t,
      t + 2_000_000n,
    );
    if (i % 3 === 1) {
      const g = tum.frames[((i / 3) % tum.frames.length) | 0] as SampleSet["frames"][number];
      push(
        {
          entityPath: "world/tum/depth",
          timelines: [{ timeline: "capture_time", kind: "timestamp", value: t + 5_000_000n }],
          archetype: new DepthImage(g.depth, { width: g.width, height: g.height, meter: tum.unitsPerMetre }),
        },
        t + 5_000_000n,
        t + 7_000_000n,
      );
    }
    if (i % fps === 0) {
      push(
        {
          entityPath: "world/tum",
          timelines: [{ timeline: "capture_time", kind: "timestamp", value: t }],
          archetype: new Transform3D({ translation: [0.1 * i, 0, 0], rotation: [0, 0, 0, 1] }),
        },
        t,
        t + 2_500_000n,
      );
    }
  }
  return out;
}

/**
 * What a correct latest-at at `t` returns: per entity and archetype kind, the last message at or before
 * t (a static message always, and it wins over temporal ones). Keyed `entityPath#kind`.
 */
export function expectedLatestAt(sent: readonly SentMessage[], t: bigint): Map<string, Uint8Array> {
  const best = new Map<string, { time: bigint; static: boolean; bytes: Uint8Array }>();
  for (const m of sent) {
    const isStatic = m.captureTimeNs === undefined;
    const time = m.captureTimeNs ?? m.receiveTimeNs;
    if (!isStatic && time > t) continue;
    const key = `${m.entityPath}#${m.message.archetype.kind}`;
    const current = best.get(key);
    if (!current || (isStatic && !current.static) || (isStatic === current.static && time >= current.time)) {
      best.set(key, { time, static: isStatic, bytes: m.bytes });
    }
  }
  return new Map([...best].map(([k, v]) => [k, v.bytes]));
}
