import { ClientErrorCode, ErrorCode } from "@depthroom/schema";
import { RECORDING_EMPTY, type RecordingFeedPhase } from "../playback/recordingFeed.ts";
import type { StatusSummary } from "../state/viewerState.ts";

/** The top bar's status: the live feed's summary, or the review room's. */
export type ShownStatus = Omit<StatusSummary, "key"> & { readonly key: StatusSummary["key"] | "review" };

export function reviewStatus(phase: RecordingFeedPhase): ShownStatus {
  switch (phase.kind) {
    case "loading":
      return {
        key: "connecting",
        label: "Opening",
        detail: "Reading the recording from the relay…",
        tone: "wait",
      };
    case "ready":
      return {
        key: "review",
        label: "Review",
        detail: `${phase.recording.entities.length} entities · ${((phase.endNs - phase.startNs) / 1e9).toFixed(1)} s recorded`,
        tone: "ok",
      };
    case "failed":
      return { key: "closed", label: "Cannot play", detail: phase.message, tone: "bad" };
    default: {
      const unhandled: never = phase;
      throw new TypeError(`unhandled phase ${(unhandled as { kind: string }).kind}`);
    }
  }
}

/**
 * Refusals that mean the link itself cannot work: shown as a plain error page, not a viewer. Keyed by
 * the schema's error codes (`ERROR_CODES` says what each means and that none is retried).
 */
const LINK_FAILURES: Partial<Record<ErrorCode | ClientErrorCode | typeof RECORDING_EMPTY, string>> = {
  [ErrorCode.BadToken]: "This link's token is not valid",
  [ErrorCode.Unauthorized]: "This link has no token",
  [ErrorCode.Forbidden]: "This link does not allow viewing",
  [ErrorCode.TokenExpired]: "This link has expired",
  [ErrorCode.SessionNotFound]: "This session does not exist",
  [ClientErrorCode.BadLink]: "This is not a session link",
  [ErrorCode.RecordingNotFound]: "This recording does not exist",
  [ErrorCode.RecordingActive]: "This recording is still being recorded",
  [RECORDING_EMPTY]: "This recording holds no frames",
};

/** The error page's title for a connection closed with `code`, if that code means the link cannot work. */
export function linkFailureTitle(code: string): string | undefined {
  return Object.hasOwn(LINK_FAILURES, code) ? LINK_FAILURES[code as keyof typeof LINK_FAILURES] : undefined;
}
