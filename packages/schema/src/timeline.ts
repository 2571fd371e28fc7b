/**
 * Timelines: the names every logged message is stamped on (Rerun's `set_time`). A name is 1-64 of
 * `A-Z a-z 0-9 _ . : -`; the wire format, the SDK and annotations check names with this one rule.
 */
export const MAX_TIMELINE_NAME_LENGTH = 64;

/** The timeline name rule, as a pattern (for zod schemas). */
export const TIMELINE_NAME = /^[A-Za-z0-9_.:-]{1,64}$/;

/** What a timeline name may hold, in words, for error messages. */
export const TIMELINE_NAME_RULE = "1-64 of A-Z a-z 0-9 _ . : -";

/** The timelines Depthroom itself stamps and reads. */
export const Timeline = {
  /** The producer's frame sequence (a `sequence` timeline). */
  Frame: "frame",
  /** When the camera captured the frame, ns since the Unix epoch (a `timestamp` timeline). */
  CaptureTime: "capture_time",
  /** Wall-clock time, ns since the Unix epoch: recordings' log time and annotations' time (Rerun's). */
  LogTime: "log_time",
} as const;
export type WellKnownTimeline = (typeof Timeline)[keyof typeof Timeline];

export function isTimelineName(name: unknown): name is string {
  return typeof name === "string" && TIMELINE_NAME.test(name);
}
