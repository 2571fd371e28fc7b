import type { Quaternion, Vec3 } from "@depthroom/schema";
import { InputError } from "../inputError.ts";
import type { Intrinsics } from "./intrinsics.ts";

/*
 * TUM RGB-D layout (https://cvg.cit.tum.de/data/datasets/rgbd-dataset/file_formats):
 *   depth.txt         "# comment" lines, then "<timestamp> <file>" per frame (file relative to the folder)
 *   depth/<t>.png     16-bit depth, 5000 units per metre, 0 = no depth
 *   rgb.txt, rgb/     the colour images, listed the same way (optional); each depth frame takes the colour
 *                     image nearest in time within 20 ms, as TUM's associate.py pairs them
 *   groundtruth.txt   "<timestamp> tx ty tz qx qy qz qw": camera pose in the world (optical centre, Hamilton
 *                     quaternion); sampled at its own rate, so each frame takes the nearest pose in time.
 */

export const TUM_UNITS_PER_METRE = 5000;
/** TUM's `associate.py` pairs stamps at most 20 ms apart. */
export const TUM_MAX_POSE_GAP_NS = 20_000_000n;

export interface TumFrame {
  /** Nanoseconds since the epoch, exact (parsed from the decimal string). */
  readonly timeNs: bigint;
  readonly file: string;
  /** 1-based line in depth.txt, for messages. */
  readonly line: number;
}

export interface TimedPose {
  readonly timeNs: bigint;
  readonly translation: Vec3;
  readonly rotation: Quaternion;
}

/** `"1305031102.160407"` -> 1305031102160407000n; undefined if not a plain decimal number of seconds. */
export function secondsToNs(text: string): bigint | undefined {
  const m = /^(\d{1,12})(?:\.(\d{1,9}))?$/.exec(text);
  if (!m) return undefined;
  return BigInt(m[1] as string) * 1_000_000_000n + BigInt((m[2] ?? "").padEnd(9, "0"));
}

function contentLines(text: string): { line: number; fields: string[] }[] {
  const out: { line: number; fields: string[] }[] = [];
  text.split(/\r?\n/).forEach((raw, i) => {
    const trimmed = raw.trim();
    if (trimmed === "" || trimmed.startsWith("#")) return;
    out.push({ line: i + 1, fields: trimmed.split(/\s+/) });
  });
  return out;
}

/** Parse depth.txt (or rgb.txt: the same form); throws `InputError` naming the file and line. */
export function parseTumDepthList(text: string, where: string, what = "depth frames"): TumFrame[] {
  const frames: TumFrame[] = [];
  for (const { line, fields } of contentLines(text)) {
    const timeNs = fields.length === 2 ? secondsToNs(fields[0] as string) : undefined;
    if (timeNs === undefined) {
      throw new InputError(
        "data",
        `${where}:${line}: expected "<timestamp> <file>", got "${fields.join(" ")}"`,
      );
    }
    frames.push({ timeNs, file: fields[1] as string, line });
  }
  if (frames.length === 0) throw new InputError("data", `${where}: lists no ${what}`);
  return frames;
}

/** Parse groundtruth.txt; throws `InputError` naming the file and line. Returns poses sorted by time. */
export function parseTumGroundtruth(text: string, where: string): TimedPose[] {
  const poses: TimedPose[] = [];
  for (const { line, fields } of contentLines(text)) {
    const timeNs = fields.length === 8 ? secondsToNs(fields[0] as string) : undefined;
    const numbers = fields.slice(1).map(Number);
    if (timeNs === undefined || numbers.some((n) => !Number.isFinite(n))) {
      throw new InputError(
        "data",
        `${where}:${line}: expected "<timestamp> tx ty tz qx qy qz qw", got "${fields.join(" ")}"`,
      );
    }
    const [tx, ty, tz, qx, qy, qz, qw] = numbers as [number, number, number, number, number, number, number];
    if (Math.hypot(qx, qy, qz, qw) < 1e-6)
      throw new InputError("data", `${where}:${line}: the quaternion is zero`);
    poses.push({ timeNs, translation: [tx, ty, tz], rotation: [qx, qy, qz, qw] });
  }
  return poses.sort((a, b) => (a.timeNs < b.timeNs ? -1 : a.timeNs > b.timeNs ? 1 : 0));
}

/** For each time, the pose nearest in time if within `maxGapNs`, else undefined. `poses` sorted by time. */
export function associatePoses(
  times: readonly bigint[],
  poses: readonly TimedPose[],
  maxGapNs: bigint = TUM_MAX_POSE_GAP_NS,
): (TimedPose | undefined)[] {
  return associateNearest(times, poses, maxGapNs);
}

/**
 * For each time, the stamped item nearest in time if within `maxGapNs` (TUM's associate.py rule), else
 * undefined. `items` sorted by time.
 */
export function associateNearest<T extends { readonly timeNs: bigint }>(
  times: readonly bigint[],
  items: readonly T[],
  maxGapNs: bigint = TUM_MAX_POSE_GAP_NS,
): (T | undefined)[] {
  return times.map((t) => {
    let lo = 0;
    let hi = items.length;
    while (lo < hi) {
      const mid = (lo + hi) >> 1;
      if ((items[mid] as T).timeNs < t) lo = mid + 1;
      else hi = mid;
    }
    let best: T | undefined;
    let bestGap = maxGapNs + 1n;
    for (const candidate of [items[lo - 1], items[lo]]) {
      if (!candidate) continue;
      const gap = candidate.timeNs > t ? candidate.timeNs - t : t - candidate.timeNs;
      if (gap < bestGap) {
        best = candidate;
        bestGap = gap;
      }
    }
    return best;
  });
}

/**
 * TUM's published calibrated intrinsics of each Freiburg rig (depth is registered to colour), picked
 * from the bag name in depth.txt's comments (`# file: 'rgbd_dataset_freiburg2_xyz.bag'`).
 */
const FREIBURG: Record<string, Omit<Intrinsics, "source">> = {
  "1": { fx: 517.3, fy: 516.5, cx: 318.6, cy: 255.3 },
  "2": { fx: 520.9, fy: 521.0, cx: 325.1, cy: 249.7 },
  "3": { fx: 535.4, fy: 539.2, cx: 320.1, cy: 247.6 },
};

export function tumIntrinsicsFromHeader(depthList: string, where: string): Intrinsics | undefined {
  for (const line of depthList.split(/\r?\n/)) {
    if (!line.startsWith("#")) continue;
    const m = /freiburg([123])/.exec(line);
    if (m)
      return {
        ...(FREIBURG[m[1] as string] as Omit<Intrinsics, "source">),
        source: `TUM fr${m[1]} calibration (named in ${where})`,
      };
  }
  return undefined;
}
