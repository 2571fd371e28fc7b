import type { HandedFrame, RecordingFeed } from "../playback/recordingFeed.ts";
import type { ReviewController } from "../playback/reviewController.ts";
import type { VisualStats } from "../render/ViewerScene.ts";
import type { ClipFrames } from "./clip.ts";
import { CaptureError } from "./snapshot.ts";

/** How long one frame may take to arrive (fetched and decoded) before the clip gives up. */
const FRAME_TIMEOUT_MS = 20_000;

/**
 * Whether the scene shows what the feed handed it for `timeNs`: a message at that time was handed, and
 * every depth image handed is the one on screen (same log time, or same `frame` when it has no time).
 */
export function showsFrame(
  handed: readonly HandedFrame[],
  stats: readonly VisualStats[],
  timeNs: number,
): boolean {
  if (!handed.some((h) => Math.abs(Number(h.timeNs) - timeNs) < 1024)) return false;
  for (const h of handed) {
    const shown = stats.find((s) => s.entity === h.entityPath);
    if (!shown) continue; // not a depth image
    if (shown.timeNs !== undefined ? shown.timeNs !== h.timeNs : shown.frame !== h.frame) return false;
  }
  return true;
}

/**
 * A review room's recording as the frames of a clip: the controller holds this page's cursor on each
 * frame in turn (the room's shared playback is not touched), the feed fetches and decodes it, and the
 * scene's stats say when it is there. `release()` gives the page back to the room's cursor.
 */
export function reviewClipFrames(
  controller: ReviewController,
  feed: RecordingFeed,
  stats: () => readonly VisualStats[],
): ClipFrames & { release(): void } {
  return {
    frameAfter: (afterNs) => feed.stepTime(afterNs, 1),
    show: (timeNs, signal) =>
      new Promise<void>((resolve, reject) => {
        controller.hold(timeNs);
        const deadline = performance.now() + FRAME_TIMEOUT_MS;
        const check = () => {
          if (signal.aborted) reject(new CaptureError("cancelled", "The clip was cancelled."));
          else if (showsFrame(feed.handed(), stats(), timeNs)) resolve();
          else if (performance.now() > deadline)
            reject(
              new CaptureError(
                "encode-failed",
                `The frame at ${new Date(timeNs / 1e6).toISOString()} did not arrive within ${FRAME_TIMEOUT_MS / 1000} s.`,
              ),
            );
          else setTimeout(check, 8);
        };
        check();
      }),
    release: () => controller.hold(undefined),
  };
}
