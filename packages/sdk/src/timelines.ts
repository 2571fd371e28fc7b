import { isTimelineName, MAX_TIMELINES, TIMELINE_NAME_RULE, type TimePoint } from "@depthroom/schema";
import { SdkError, SdkErrorCode } from "./errors.ts";

/**
 * The producer's current time on each timeline, stamped on every logged message (Rerun's `set_time`):
 * a `number` is a sequence (frame index), a `bigint` a timestamp in nanoseconds.
 */
export class Timelines {
  private readonly points = new Map<string, TimePoint>();
  /** The points as an array, built when read after a change (a rig sets two or three times per frame). */
  private cached: readonly TimePoint[] | undefined = [];

  set(timeline: string, value: number | bigint): void {
    if (!isTimelineName(timeline)) {
      throw new SdkError(
        SdkErrorCode.BadMessage,
        `timeline: "${String(timeline)}" is not a timeline name (${TIMELINE_NAME_RULE})`,
        "timeline",
      );
    }
    let point: TimePoint;
    if (typeof value === "bigint") {
      if (value < -(1n << 63n) || value >= 1n << 63n) {
        throw new SdkError(
          SdkErrorCode.BadMessage,
          `timeline "${timeline}": ${value} does not fit in 64 bits`,
          "timeline",
        );
      }
      point = { timeline, kind: "timestamp", value };
    } else if (typeof value === "number" && Number.isSafeInteger(value)) {
      point = { timeline, kind: "sequence", value: BigInt(value) };
    } else {
      throw new SdkError(
        SdkErrorCode.BadMessage,
        `timeline "${timeline}": ${String(value)} is neither an integer sequence number nor a bigint of nanoseconds`,
        "timeline",
      );
    }
    if (!this.points.has(timeline) && this.points.size >= MAX_TIMELINES) {
      throw new SdkError(SdkErrorCode.BadMessage, `more than ${MAX_TIMELINES} timelines`, "timeline");
    }
    this.points.set(timeline, point);
    this.cached = undefined;
  }

  disable(timeline: string): void {
    if (this.points.delete(timeline)) this.cached = undefined;
  }

  reset(): void {
    this.points.clear();
    this.cached = [];
  }

  /** The current time points (a fresh array only when they changed since the last read). */
  get current(): readonly TimePoint[] {
    this.cached ??= [...this.points.values()];
    return this.cached;
  }
}
