"use client";

import { Engine } from "@babylonjs/core/Engines/engine.js";
import { type RefObject, useEffect, useState } from "react";
import type { RecordingFeed } from "../playback/recordingFeed.ts";
import type { ReviewController } from "../playback/reviewController.ts";
import { defaultPointBudget } from "../render/pointBudget.ts";
import type { PanelRect } from "../render/ViewerScene.ts";
import { ViewerScene } from "../render/ViewerScene.ts";
import type { ViewerStore } from "../state/ViewerStore.ts";
import { FrameLoop } from "./frameLoop.ts";
import { cappedPixelRatio } from "./screenClass.ts";

/** What the test hooks read besides the scene (`window.__depthroom`, test builds only). */
export interface SceneHookSources {
  panels(): PanelRect[];
  decode(): "worker" | "main" | undefined;
  /** A review room's clock and feed, once both exist. */
  review(): { controller: ReviewController; feed: RecordingFeed } | null;
}

export interface SceneParts {
  readonly viewer: ViewerScene | null;
  readonly loop: FrameLoop | null;
  /** Why nothing can be drawn here (no WebGL 2), shown as an error page. */
  readonly graphicsError: string | undefined;
}

/**
 * The Babylon engine and `ViewerScene` on the canvas (client only), and the page's one `FrameLoop`,
 * driven by the engine's render loop with the scene in its scene stage. `onResize` runs when the stage
 * changes size (the viewer measures its panels again).
 */
export function useViewerScene(
  canvasRef: RefObject<HTMLCanvasElement | null>,
  stageRef: RefObject<HTMLElement | null>,
  store: ViewerStore,
  onResize: () => void,
  hookSources: SceneHookSources,
): SceneParts {
  const [parts, setParts] = useState<SceneParts>({ viewer: null, loop: null, graphicsError: undefined });
  const onResizeRef = useLatest(onResize);
  const hooksRef = useLatest(hookSources);

  useEffect(() => {
    const canvas = canvasRef.current;
    const stage = stageRef.current;
    if (!canvas || !stage) return;
    let engine: Engine;
    try {
      engine = new Engine(
        canvas,
        false,
        {
          preserveDrawingBuffer: true,
          stencil: false,
          powerPreference: "high-performance",
          disableWebGL2Support: false,
        },
        true,
      );
    } catch (error) {
      const message = `WebGL is not available: ${error instanceof Error ? error.message : String(error)}`;
      setParts({ viewer: null, loop: null, graphicsError: message });
      return;
    }
    // The canvas's pixel ratio, capped where it costs frames (issue 21): Babylon renders at
    // 1 / hardwareScalingLevel device pixels per CSS pixel.
    engine.setHardwareScalingLevel(
      1 / cappedPixelRatio(window.devicePixelRatio, window.matchMedia("(pointer: coarse)").matches),
    );
    if (engine.webGLVersion < 2) {
      engine.dispose();
      setParts({
        viewer: null,
        loop: null,
        graphicsError: "This viewer needs WebGL 2, which this browser does not offer.",
      });
      return;
    }
    // `?cloud=cpu` draws clouds the slow way: the benchmark's baseline.
    const cloudMode = new URLSearchParams(window.location.search).get("cloud") === "cpu" ? "cpu" : "gpu";
    const viewer = new ViewerScene(engine, cloudMode);
    viewer.setPointBudget(
      defaultPointBudget({
        renderer: engine.getGlInfo().renderer,
        coarsePointer: window.matchMedia("(pointer: coarse)").matches,
        query: window.location.search,
      }),
    );
    const loop = new FrameLoop();
    loop.add("scene", (now) => viewer.frame(now));
    engine.runRenderLoop(() => loop.run(performance.now()));
    const observer = new ResizeObserver(() => {
      engine.resize();
      onResizeRef.current();
    });
    observer.observe(stage);
    // `window.__depthroom` only in builds made with NEXT_PUBLIC_DEPTHROOM_TEST_HOOKS=1 (browser tests,
    // benchmark, screenshots, `npm run dev`): the condition folds to false otherwise and the hooks'
    // module is not in the bundle.
    let removeHooks = () => {};
    let disposed = false;
    if (process.env.NEXT_PUBLIC_DEPTHROOM_TEST_HOOKS === "1") {
      void import("./testHooks.ts").then(({ installTestHooks }) => {
        if (disposed) return;
        removeHooks = installTestHooks(viewer, store, stage, {
          panels: () => hooksRef.current.panels(),
          decode: () => hooksRef.current.decode(),
          review: () => hooksRef.current.review(),
        });
      });
    }
    setParts({ viewer, loop, graphicsError: undefined });
    return () => {
      disposed = true;
      removeHooks();
      observer.disconnect();
      engine.stopRenderLoop();
      loop.clear();
      viewer.dispose();
      engine.dispose();
      setParts({ viewer: null, loop: null, graphicsError: undefined });
    };
  }, [canvasRef, stageRef, store, onResizeRef, hooksRef]);

  return parts;
}

/** A ref that always holds the latest value (callbacks read it without re-running effects). */
function useLatest<T>(value: T): { current: T } {
  const [ref] = useState(() => ({ current: value }));
  ref.current = value;
  return ref;
}
