"use client";

import { useEffect, useState } from "react";
import type { ViewerScene } from "../render/ViewerScene.ts";
import type { FrameLoop } from "./frameLoop.ts";

/**
 * Renders the calling component again after each draw of the scene (checked in the frame loop's UI
 * stage), for what is placed over the canvas from the scene's projection: zoom, pan and orbit draw, and
 * the overlay follows. Returns the scene's count of draws.
 */
export function useSceneDraws(viewer: ViewerScene, loop: FrameLoop): number {
  const [drawn, setDrawn] = useState(viewer.framesDrawn);
  useEffect(() => {
    let seen = viewer.framesDrawn;
    return loop.add("ui", () => {
      if (viewer.framesDrawn === seen) return;
      seen = viewer.framesDrawn;
      setDrawn(seen);
    });
  }, [viewer, loop]);
  return drawn;
}
