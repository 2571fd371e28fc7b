"use client";

import { Engine } from "@babylonjs/core/Engines/engine.js";
import type { Annotation } from "@depthroom/schema";
import {
  useCallback,
  useEffect,
  useLayoutEffect,
  useMemo,
  useRef,
  useState,
  useSyncExternalStore,
} from "react";
import type { CollabClient } from "../collab/CollabClient.ts";
import { CollabLayer } from "../collab/CollabLayer.tsx";
import { ErrorPanel } from "../components/ErrorPanel.tsx";
import { openRecordingFeed, type RecordingFeed, type RecordingFeedPhase } from "../playback/recordingFeed.ts";
import { ReviewController } from "../playback/reviewController.ts";
import { Timeline } from "../playback/Timeline.tsx";
import type { PanelRect, PixelReadout } from "../render/ViewerScene.ts";
import { ViewerScene } from "../render/ViewerScene.ts";
import { pixelAt } from "../render/view2d.ts";
import { ViewerStore } from "../state/ViewerStore.ts";
import { droppedFrames, type StatusSummary, statusSummary } from "../state/viewerState.ts";
import { openSessionFeed, type SessionFeed } from "../stream/sessionFeed.ts";
import { EntitySidebar } from "./EntitySidebar.tsx";
import { HelpOverlay } from "./HelpOverlay.tsx";
import { NoticeBanner } from "./NoticeBanner.tsx";
import { attachPanelInput, type PanelInputHandlers } from "./panelInput.ts";
import { RecordingDot, RecordingsControl } from "./RecordingsControl.tsx";
import { ShareControl } from "./ShareControl.tsx";
import type { PlaybackHooks } from "./testHooks.ts";
import { collabRoomOf, type ViewerSource } from "./viewerSource.ts";

export type Layout = "split" | "3d" | "2d";

/** Refusals that mean the link itself is wrong: shown as a plain error page, not a viewer. */
const LINK_FAILURES: Record<string, string> = {
  "bad-token": "This link's token is not valid",
  unauthorized: "This link has no token",
  forbidden: "This link does not allow viewing",
  "session-not-found": "This session does not exist",
  "bad-link": "This is not a session link",
  "recording-not-found": "This recording does not exist",
  "recording-active": "This recording is still being recorded",
  "recording-empty": "This recording holds no frames",
};

/**
 * The viewer of a live session or of a recording's review room: the same scene, views, entity tree and
 * collaboration; only the frame source differs (the session's socket, or the recording fetched for the
 * shared playback cursor, with a timeline).
 */
export function Viewer({ source }: { source: ViewerSource }) {
  const { claims } = source;
  const review = source.kind === "review";
  const room = useMemo(() => collabRoomOf(source), [source]);
  const store = useMemo(() => new ViewerStore(), []);
  const state = useSyncExternalStore(store.subscribe, store.getState, store.getState);
  const stageRef = useRef<HTMLDivElement>(null);
  const canvasRef = useRef<HTMLCanvasElement>(null);
  const viewerRef = useRef<ViewerScene | null>(null);
  const feedRef = useRef<SessionFeed | RecordingFeed | null>(null);
  const [collab, setCollab] = useState<CollabClient | null>(null);
  const [recordingFeed, setRecordingFeed] = useState<RecordingFeed | null>(null);
  const [controller, setController] = useState<ReviewController | null>(null);
  const controllerRef = useRef<ReviewController | null>(null);
  controllerRef.current = controller;
  const bodies = useRef(new Map<string, { element: HTMLElement; kind: "3d" | "2d"; entity?: string }>());
  const panelRects = useRef<PanelRect[]>([]);
  const hovered = useRef<{ entity: string; u: number; v: number } | undefined>(undefined);
  const [sceneReady, setSceneReady] = useState(false);
  const [graphicsError, setGraphicsError] = useState<string | undefined>();
  const [layout, setLayout] = useState<Layout>("split");
  const [shareOpen, setShareOpen] = useState(false);
  const [helpOpen, setHelpOpen] = useState(false);
  const [showGrid, setShowGrid] = useState(true);
  const [readout, setReadout] = useState<PixelReadout | undefined>();
  const [now, setNow] = useState(() => Date.now());
  const [drawn, setDrawn] = useState({ frames: 0, rate: 0 });

  // --- Babylon engine and scene (client only) ---
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
      setGraphicsError(`WebGL is not available: ${error instanceof Error ? error.message : String(error)}`);
      return;
    }
    if (engine.webGLVersion < 2) {
      engine.dispose();
      setGraphicsError("This viewer needs WebGL 2, which this browser does not offer.");
      return;
    }
    // `?cloud=cpu` draws clouds the slow way: the benchmark's baseline.
    const cloudMode = new URLSearchParams(window.location.search).get("cloud") === "cpu" ? "cpu" : "gpu";
    const viewer = new ViewerScene(engine, cloudMode);
    viewerRef.current = viewer;
    engine.runRenderLoop(() => viewer.frame());
    const observer = new ResizeObserver(() => {
      engine.resize();
      measurePanels();
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
        removeHooks = installTestHooks(
          viewer,
          store,
          stage,
          () => panelRects.current,
          () => feedRef.current?.decode,
          () => playbackHooks(controllerRef.current, feedRef.current),
        );
      });
    }
    setSceneReady(true);
    return () => {
      disposed = true;
      removeHooks();
      observer.disconnect();
      engine.stopRenderLoop();
      viewer.dispose();
      engine.dispose();
      viewerRef.current = null;
    };
  }, [store]);

  // --- Frames: the session's live feed, or the recording played at the shared cursor ---
  useEffect(() => {
    if (!sceneReady) return;
    // `?decode=main` decodes frames on the page instead of in a worker.
    const decode = new URLSearchParams(window.location.search).get("decode") === "main" ? "main" : "worker";
    const handlers = {
      onMessage: (message: Parameters<ViewerScene["handleMessage"]>[0], arrivedAt: number) =>
        viewerRef.current?.handleMessage(message, arrivedAt),
      dispatch: (action: Parameters<ViewerStore["dispatch"]>[0]) => store.dispatch(action),
    };
    if (source.kind === "live") {
      const feed = openSessionFeed(source.link, handlers, { decode });
      feedRef.current = feed;
      return () => feed.close();
    }
    const feed = openRecordingFeed(
      source.link,
      // Seeking back before an entity's first message hides what it showed.
      { ...handlers, onClear: (entityPath: string) => viewerRef.current?.clearEntity(entityPath) },
      { decode },
    );
    feedRef.current = feed;
    setRecordingFeed(feed);
    return () => {
      setRecordingFeed(null);
      feed.close();
    };
  }, [source, sceneReady, store]);

  // --- Review rooms: the clock that turns the shared playback state into the cursor ---
  const feedPhase = useSyncExternalStore(
    recordingFeed ? recordingFeed.subscribe : noopSubscribe,
    recordingFeed ? recordingFeed.phase : noPhase,
    noPhase,
  );
  useEffect(() => {
    if (source.kind !== "review" || !recordingFeed || !collab || feedPhase.kind !== "ready") return;
    const next = new ReviewController(collab, recordingFeed, source.link.recording, {
      startNs: feedPhase.startNs,
      endNs: feedPhase.endNs,
    });
    setController(next);
    return () => {
      setController(null);
      next.dispose();
    };
  }, [source, recordingFeed, collab, feedPhase]);
  // Only what the viewer itself shows of the room (the collab layer renders the rest): the red dot, the
  // notes (timeline markers) and this person's name. Each is a stable reference until it changes, so
  // awareness traffic (poses, pointers) does not re-render the viewer.
  const subscribeCollab = collab ? collab.subscribe : noopSubscribe;
  const recordingState = useSyncExternalStore(
    subscribeCollab,
    () => collab?.getSnapshot().recording ?? null,
    () => null,
  );
  const annotations = useSyncExternalStore(
    subscribeCollab,
    () => collab?.getSnapshot().annotations ?? NO_ANNOTATIONS,
    () => NO_ANNOTATIONS,
  );
  const userName = useSyncExternalStore(
    subscribeCollab,
    () => collab?.getSnapshot().me.name ?? "",
    () => "",
  );

  // --- A slow clock for "last seen", rates and stall detection ---
  useEffect(() => {
    const timer = setInterval(() => {
      setNow(Date.now());
      const viewer = viewerRef.current;
      if (viewer) setDrawn({ frames: viewer.framesDrawn, rate: viewer.drawRate() });
      const h = hovered.current;
      if (viewer && h) setReadout(viewer.readout(h.entity, h.u, h.v));
    }, 500);
    return () => clearInterval(timer);
  }, []);

  const imageEntities = useMemo(
    () =>
      Object.values(state.entities)
        .filter((e) => e.kind === "DepthImage" && e.visible)
        .map((e) => e.path)
        .sort(),
    [state.entities],
  );
  const show3d = layout !== "2d";
  const show2d = layout !== "3d";

  const measurePanels = useCallback(() => {
    const stage = stageRef.current;
    const viewer = viewerRef.current;
    if (!stage || !viewer) return;
    const origin = stage.getBoundingClientRect();
    const rects: PanelRect[] = [];
    for (const [id, body] of bodies.current) {
      const r = body.element.getBoundingClientRect();
      rects.push({
        id,
        kind: body.kind,
        ...(body.entity ? { entity: body.entity } : {}),
        x: r.left - origin.left,
        y: r.top - origin.top,
        width: r.width,
        height: r.height,
      });
    }
    panelRects.current = rects;
    viewer.setPanels(rects, origin.width, origin.height);
  }, []);

  // Re-measure whenever the panel set changes.
  useLayoutEffect(() => measurePanels(), [measurePanels, imageEntities, layout, sceneReady]);

  // --- Keyboard shortcuts ---
  useEffect(() => {
    const onKey = (e: KeyboardEvent) => {
      const target = e.target as HTMLElement | null;
      if (
        target &&
        (target.tagName === "INPUT" || target.tagName === "SELECT" || target.tagName === "TEXTAREA")
      )
        return;
      if (e.metaKey || e.ctrlKey || e.altKey) return;
      const viewer = viewerRef.current;
      const playback = controllerRef.current;
      if (playback && target?.tagName !== "BUTTON" && [" ", "ArrowLeft", "ArrowRight"].includes(e.key)) {
        // Review room: space plays or pauses, the arrows step a frame (for everyone; edit links).
        if (collabRef.current?.canEdit) {
          if (e.key === " ") playback.togglePlay();
          else void playback.step(e.key === "ArrowLeft" ? -1 : 1);
        }
        e.preventDefault();
        return;
      }
      switch (e.key) {
        case "f":
          viewer?.fitToData();
          for (const entity of viewer?.imageEntities() ?? []) viewer?.fit2d(entity);
          break;
        case "r":
          viewer?.resetView();
          break;
        case "1":
          setLayout("split");
          break;
        case "2":
          setLayout("3d");
          break;
        case "3":
          setLayout("2d");
          break;
        case "l": {
          const selected = store.getState().selected ?? viewer?.graph.pinholePaths()[0];
          if (selected) viewer?.lookThrough(selected);
          break;
        }
        case "g":
          setShowGrid((g) => !g);
          break;
        case "s":
          if (!review) setShareOpen((open) => !open);
          break;
        case "?":
          setHelpOpen((open) => !open);
          break;
        case "Escape":
          setShareOpen(false);
          setHelpOpen(false);
          break;
        default:
          return;
      }
      e.preventDefault();
    };
    window.addEventListener("keydown", onKey);
    return () => window.removeEventListener("keydown", onKey);
  }, [store, review]);
  const collabRef = useRef(collab);
  collabRef.current = collab;

  useEffect(() => viewerRef.current?.setHelpersVisible(showGrid, showGrid), [showGrid]);

  // One stable ref callback per panel: it attaches the panel's input once, and detaches on unmount.
  const refCallbacks = useRef(new Map<string, (element: HTMLDivElement | null) => () => void>());
  const registerBody = (id: string, kind: "3d" | "2d", entity?: string) => {
    let callback = refCallbacks.current.get(id);
    if (!callback) {
      callback = (element: HTMLDivElement | null) => {
        if (!element) return () => {};
        bodies.current.set(id, { element, kind, ...(entity ? { entity } : {}) });
        const detach = attachPanelInput(element, () => panelHandlers(kind, entity, element));
        // React 19 calls the cleanup a ref callback returns when the element goes away.
        return () => {
          detach();
          bodies.current.delete(id);
          refCallbacks.current.delete(id);
        };
      };
      refCallbacks.current.set(id, callback);
    }
    return callback;
  };

  const panelHandlers = (
    kind: "3d" | "2d",
    entity: string | undefined,
    element: HTMLElement,
  ): PanelInputHandlers => {
    const viewer = viewerRef.current;
    if (!viewer) return {};
    if (kind === "3d") {
      return {
        drag: (dx, dy) => viewer.orbitBy(dx, dy),
        altDrag: (dx, dy) => viewer.panBy(dx, dy),
        wheel: (factor) => viewer.zoomBy(factor),
        doubleClick: () => viewer.fitToData(),
      };
    }
    const name = entity as string;
    return {
      drag: (dx, dy) => viewer.pan2d(name, dx, dy),
      altDrag: (dx, dy) => viewer.pan2d(name, dx, dy),
      wheel: (factor, x, y) => viewer.zoom2d(name, x, y, 1 / factor),
      doubleClick: () => viewer.fit2d(name),
      hover: (x, y) => {
        const view = viewer.view2d(name);
        const image = viewer.stats().find((s) => s.entity === name);
        if (!view || !image) return;
        const rect = element.getBoundingClientRect();
        const pixel = pixelAt(view, rect, image, x, y);
        hovered.current = pixel ? { entity: name, u: pixel[0], v: pixel[1] } : undefined;
        setReadout(pixel ? viewer.readout(name, pixel[0], pixel[1]) : undefined);
      },
      leave: () => {
        hovered.current = undefined;
        setReadout(undefined);
      },
    };
  };

  /** "Go to" on a note stamped with a recording time: everyone pauses there (edit links drive). */
  const goToTime = (time: { timeline: string; value: number }) => {
    if (time.timeline !== "log_time" || !controller || !collab?.canEdit) return;
    controller.seekAndPause(time.value);
  };

  const failure = state.connection.kind === "closed" ? LINK_FAILURES[state.connection.code] : undefined;
  if (failure && state.connection.kind === "closed") {
    return <ErrorPanel title={failure} detail={state.connection.message} />;
  }
  if (graphicsError) return <ErrorPanel title="Cannot draw here" detail={graphicsError} />;

  const status: ShownStatus = review ? reviewStatus(feedPhase) : statusSummary(state, now);
  const dropped = droppedFrames(state);
  const hasCloud = imageEntities.length > 0;

  return (
    <div
      className={`viewer${review ? " viewer-review" : ""}`}
      data-testid="viewer"
      data-layout={layout}
      data-source={source.kind}
    >
      <header className="topbar">
        <a className="brand" href="/">
          Depthroom
        </a>
        {source.kind === "live" ? (
          <span
            className="session-id mono"
            title={`Session ${source.link.session} on ${source.link.relayUrl}`}
          >
            {source.link.session.slice(0, 8)}…
          </span>
        ) : (
          <span
            className="session-id mono"
            title={`Recording ${source.link.recording} on ${source.link.relayUrl}`}
            data-testid="review-title"
          >
            Review ·{" "}
            {feedPhase.kind === "ready"
              ? feedPhase.recording.title || source.link.recording.slice(0, 8)
              : "…"}
          </span>
        )}
        <span className={`role role-${claims.role}`}>{claims.role}</span>
        <span
          className={`status status-${status.tone}`}
          data-testid="status"
          data-status={status.key}
          title={status.detail}
        >
          <span className="dot" /> {status.label}
        </span>
        <span className="muted small status-detail" data-testid="status-detail">
          {status.detail}
        </span>
        <span className="spacer" />
        <span className="counter mono" data-testid="frame-counter" data-frames={state.framesReceived}>
          {state.framesReceived} frames
        </span>
        {source.kind === "live" ? <RecordingDot recording={recordingState} /> : null}
        {dropped > 0 && !review ? (
          <span className="counter mono warn" data-testid="dropped-counter">
            {dropped} dropped
          </span>
        ) : null}
        <span className="counter mono muted" title="Frames drawn per second">
          {drawn.rate.toFixed(0)} fps
        </span>
        <fieldset className="layout-switch" aria-label="Layout">
          {(["split", "3d", "2d"] as const).map((l, i) => (
            <button
              key={l}
              type="button"
              className={layout === l ? "active" : ""}
              onClick={() => setLayout(l)}
              title={`Layout: ${l} (${i + 1})`}
            >
              {l === "split" ? "3D + 2D" : l.toUpperCase()}
            </button>
          ))}
        </fieldset>
        <button type="button" onClick={() => setHelpOpen((o) => !o)} title="Keyboard shortcuts (?)">
          ?
        </button>
        {source.kind === "live" ? (
          <button
            type="button"
            className="primary"
            onClick={() => setShareOpen((o) => !o)}
            data-testid="share-button"
          >
            Share
          </button>
        ) : null}
        {shareOpen && source.kind === "live" ? (
          <ShareControl link={source.link} role={claims.role} onClose={() => setShareOpen(false)} />
        ) : null}
      </header>
      <NoticeBanner store={store} />

      <EntitySidebar
        state={state}
        now={now}
        onToggle={(path, visible) => {
          store.dispatch({ type: "set-visible", path, visible });
          viewerRef.current?.setVisible(path, visible);
        }}
        onSelect={(path) => store.dispatch({ type: "select", path })}
        viewer={viewerRef.current}
        live={!review}
      />

      <main className="stage" ref={stageRef}>
        <canvas ref={canvasRef} className="stage-canvas" data-testid="canvas" />
        <div className={`panels panels-${layout}`}>
          {show3d ? (
            <section className="panel panel-3d">
              <div className="panel-head">
                <span>3D</span>
                <span className="spacer" />
                <button
                  type="button"
                  className="ghost small"
                  onClick={() => viewerRef.current?.fitToData()}
                  title="Fit to data (F)"
                >
                  Fit
                </button>
                <button
                  type="button"
                  className="ghost small"
                  onClick={() => viewerRef.current?.resetView()}
                  title="Reset view (R)"
                >
                  Reset
                </button>
              </div>
              <div className="panel-body" ref={registerBody("3d", "3d")} data-testid="panel-3d">
                {!hasCloud ? (
                  <EmptyStage statusLabel={status.label} detail={status.detail} review={review} />
                ) : null}
              </div>
            </section>
          ) : null}
          {show2d ? (
            <div className="panel-column">
              {imageEntities.map((entity) => (
                <section className="panel panel-2d" key={entity}>
                  <div className="panel-head">
                    <span className="mono">{entity}</span>
                    <span className="spacer" />
                    <button
                      type="button"
                      className="ghost small"
                      onClick={() => viewerRef.current?.fit2d(entity)}
                      title="Fit image (double click)"
                    >
                      Fit
                    </button>
                  </div>
                  <div
                    className="panel-body"
                    ref={registerBody(`2d:${entity}`, "2d", entity)}
                    data-testid={`panel-2d-${entity}`}
                  >
                    {readout && readout.entity === entity ? <Readout readout={readout} /> : null}
                  </div>
                </section>
              ))}
              {!show3d && imageEntities.length === 0 ? (
                <section className="panel">
                  <div className="panel-body">
                    <EmptyStage statusLabel={status.label} detail={status.detail} review={review} />
                  </div>
                </section>
              ) : null}
            </div>
          ) : null}
        </div>
        <CollabLayer
          viewer={sceneReady ? viewerRef.current : null}
          room={room}
          claims={claims}
          stage={sceneReady ? stageRef.current : null}
          onClient={setCollab}
          {...(controller ? { noteTime: controller.noteTime, onGoToTime: goToTime } : {})}
        />
      </main>
      {review && controller ? (
        <Timeline controller={controller} annotations={annotations} canEdit={claims.role === "edit"} />
      ) : null}

      <footer className="statusbar">
        {state.problems.length > 0 ? (
          <span className="problems" data-testid="problems">
            {state.problems.slice(-2).map((p) => (
              <span key={p.id} className="problem" title={p.code}>
                {p.message}
                <button
                  type="button"
                  className="ghost small"
                  onClick={() => store.dispatch({ type: "dismiss-problem", id: p.id })}
                  aria-label="Dismiss"
                >
                  ✕
                </button>
              </span>
            ))}
          </span>
        ) : (
          <span className="muted">
            Drag to orbit · right-drag to pan · wheel to zoom · <kbd>F</kbd> fit · <kbd>L</kbd> look through
            camera · <kbd>?</kbd> shortcuts
          </span>
        )}
        <span className="spacer" />
        {source.kind === "live" && collab ? (
          <RecordingsControl
            link={source.link}
            role={claims.role}
            recording={recordingState}
            userName={userName}
          />
        ) : null}
        <span className="muted mono">{drawn.frames} draws</span>
      </footer>
      {helpOpen ? <HelpOverlay review={review} onClose={() => setHelpOpen(false)} /> : null}
    </div>
  );
}

const noopSubscribe = () => () => {};
const LOADING: RecordingFeedPhase = { kind: "loading" };
const noPhase = (): RecordingFeedPhase => LOADING;
const NO_ANNOTATIONS: readonly Annotation[] = [];

/** The top bar's status: the live feed's summary, or the review room's. */
type ShownStatus = Omit<StatusSummary, "key"> & { readonly key: StatusSummary["key"] | "review" };

function reviewStatus(phase: RecordingFeedPhase): ShownStatus {
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

/** `window.__depthroom.playback()` of a review room. */
function playbackHooks(
  controller: ReviewController | null,
  feed: SessionFeed | RecordingFeed | null,
): PlaybackHooks | null {
  if (!controller || !feed || !("handed" in feed)) return null;
  const c = controller;
  const client = c.client;
  return {
    startNs: c.range.startNs,
    endNs: c.range.endNs,
    cursorNs: () => c.cursorNs,
    lastTick: () => c.lastTick(),
    cursorAt: (wallMs) => c.cursorAt(wallMs),
    state: () => client.getSnapshot().playback,
    changedAt: () => client.playbackChangedAt ?? null,
    playing: () => c.getView().playing,
    handed: () => feed.handed(),
    feedStats: () => feed.stats(),
    play: () => c.play(),
    pause: () => c.pause(),
    seek: (ns) => c.seek(ns),
  };
}

function EmptyStage({
  statusLabel,
  detail,
  review,
}: {
  statusLabel: string;
  detail: string;
  review: boolean;
}) {
  return (
    <div className="empty-stage" data-testid="empty-stage">
      <strong>{statusLabel}</strong>
      <p>{detail}</p>
      {review ? (
        <p className="muted">No depth image at this time of the recording yet: play or move the timeline.</p>
      ) : (
        <p className="muted">
          Stream a rig into this session: <strong>Share</strong> → the <code>npx depthroom stream</code> line.
        </p>
      )}
    </div>
  );
}

const fmt = (n: number) => (Math.abs(n) < 5e-4 ? 0 : n).toFixed(3);

function Readout({ readout }: { readout: PixelReadout }) {
  const p = readout.cameraPoint;
  return (
    <div
      className="readout mono"
      data-testid="readout"
      data-u={readout.u}
      data-v={readout.v}
      data-depth={readout.depthMeters ?? ""}
      data-point={p ? p.join(",") : ""}
    >
      <span>
        ({readout.u}, {readout.v})
      </span>
      {readout.depthMeters === undefined ? (
        <span className="muted">no depth</span>
      ) : (
        <>
          <span data-testid="readout-depth">{fmt(readout.depthMeters)} m</span>
          {p ? (
            <span data-testid="readout-point" title="Point in the camera frame">
              ({fmt(p[0])}, {fmt(p[1])}, {fmt(p[2])})
            </span>
          ) : null}
        </>
      )}
    </div>
  );
}
