import type { RecordingFeedPhase } from "../playback/recordingFeed.ts";
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

/** Refusals that mean the link itself is wrong: shown as a plain error page, not a viewer. */
export const LINK_FAILURES: Readonly<Record<string, string>> = {
  "bad-token": "This link's token is not valid",
  unauthorized: "This link has no token",
  forbidden: "This link does not allow viewing",
  "session-not-found": "This session does not exist",
  "bad-link": "This is not a session link",
  "recording-not-found": "This recording does not exist",
  "recording-active": "This recording is still being recorded",
  "recording-empty": "This recording holds no frames",
};
