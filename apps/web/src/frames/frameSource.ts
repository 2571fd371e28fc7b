import type { LogMessage } from "@depthroom/schema";
import type { ViewerAction } from "../state/viewerState.ts";
import type { DecodedImage } from "./imageDecode.ts";

/**
 * Where frames go: one sink for every source. Messages go to the scene (which keeps the newest per
 * entity until it draws), actions to the viewer state; `onClear` hides what an entity showed when the
 * source has nothing of it at the time shown (a review cursor before its first message).
 */
export interface FrameSink {
  /**
   * A decoded message; `arrivedAt` is a `performance.now()` time of when it was handed over decoded;
   * `image`: an EncodedImage's pixels, decoded in the frame core (the sink closes its bitmap).
   */
  readonly onMessage: (message: LogMessage, arrivedAt: number, image?: DecodedImage) => void;
  readonly dispatch: (action: ViewerAction) => void;
  readonly onClear?: (entityPath: string) => void;
}

/**
 * A source of frames for the viewer: a live session (`openSessionFeed`) or a recording played at the
 * room's cursor (`openRecordingFeed`). Both decode in the frame core (frames/frameCore.ts), in the
 * frame worker or on the page, and hand what they decoded to a `FrameSink`.
 */
export interface FrameSource {
  readonly kind: "live" | "review";
  /** Where frames are decoded. */
  readonly decode: "worker" | "main";
  close(): void;
}
