"use client";

import { useEffect, useState } from "react";
import type { FrameSink } from "../frames/frameSource.ts";
import { openRecordingFeed, type RecordingFeed } from "../playback/recordingFeed.ts";
import type { ViewerScene } from "../render/ViewerScene.ts";
import type { ViewerStore } from "../state/ViewerStore.ts";
import { openSessionFeed, type SessionFeed } from "../stream/sessionFeed.ts";
import type { ViewerSource } from "./viewerSource.ts";

/** The viewer's frame source: the session's live feed, or a recording played at the room's cursor. */
export type ViewerFeed = SessionFeed | RecordingFeed;

/**
 * Opens the source's feed once the scene exists, with the scene and the viewer state as its sink (a
 * review room's feed also clears what an entity showed when the cursor moves before its first message);
 * closes it on unmount. `?decode=main` decodes on the page instead of in a worker.
 */
export function useFrameSource(
  source: ViewerSource,
  viewer: ViewerScene | null,
  store: ViewerStore,
): ViewerFeed | null {
  const [feed, setFeed] = useState<ViewerFeed | null>(null);
  useEffect(() => {
    if (!viewer) return;
    const decode = new URLSearchParams(window.location.search).get("decode") === "main" ? "main" : "worker";
    // One sink for both sources: the scene and the viewer state.
    const sink: FrameSink = {
      onMessage: (message, arrivedAt, image) => viewer.handleMessage(message, arrivedAt, image),
      dispatch: (action) => store.dispatch(action),
      onClear: (entityPath) => viewer.clearEntity(entityPath),
    };
    const opened: ViewerFeed =
      source.kind === "live"
        ? openSessionFeed(source.link, sink, { decode })
        : openRecordingFeed(source.link, sink, { decode });
    setFeed(opened);
    return () => {
      setFeed(null);
      opened.close();
    };
  }, [source, viewer, store]);
  return feed;
}
