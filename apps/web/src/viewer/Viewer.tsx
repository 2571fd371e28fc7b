"use client";

import type { Annotation } from "@depthroom/schema";
import { useEffect, useLayoutEffect, useMemo, useRef, useState, useSyncExternalStore } from "react";
import { CaptureControl } from "../capture/CaptureControl.tsx";
import type { CollabClient } from "../collab/CollabClient.ts";
import { CollabLayer } from "../collab/CollabLayer.tsx";
import { readViewLink } from "../collab/viewLink.ts";
import { ErrorPanel } from "../components/ErrorPanel.tsx";
import type { RecordingFeedPhase } from "../playback/recordingFeed.ts";
import { ReviewController } from "../playback/reviewController.ts";
import { Timeline } from "../playback/Timeline.tsx";
import type { PointBudgetStats } from "../render/pointBudget.ts";
import { ViewerStore } from "../state/ViewerStore.ts";
import { droppedFrames, receivedBytesPerSecond, statusSummary } from "../state/viewerState.ts";
import { EntitySidebar } from "./EntitySidebar.tsx";
import type { FrameLoop } from "./frameLoop.ts";
import { HelpOverlay } from "./HelpOverlay.tsx";
import { type ShortcutAction, shortcutFor } from "./keymap.ts";
import { NoticeBanner } from "./NoticeBanner.tsx";
import { StatusBar } from "./StatusBar.tsx";
import { PHONE_QUERY, useMediaQuery } from "./screenClass.ts";
import { linkFailureTitle, reviewStatus, type ShownStatus } from "./shownStatus.ts";
import { type Layout, TopBar } from "./TopBar.tsx";
import { useFrameSource, type ViewerFeed } from "./useFrameSource.ts";
import { useViewerScene } from "./useViewerScene.ts";
import { usePanelLayout, ViewPanels } from "./ViewPanels.tsx";
import { collabRoomOf, type ViewerSource } from "./viewerSource.ts";

export type { Layout } from "./TopBar.tsx";

/**
 * The viewer of a live session or of a recording's review room: the same scene, views, entity tree and
 * collaboration; only the frame source differs (the session's socket, or the recording fetched for the
 * shared playback cursor, with a timeline). It wires the parts together: the scene and its frame loop
 * (`useViewerScene`), the frame source (`useFrameSource`), the review clock, the keymap, the bars, the
 * panels and the collaboration layer.
 */
export function Viewer({ source }: { source: ViewerSource }) {
  const { claims } = source;
  const review = source.kind === "review";
  const room = useMemo(() => collabRoomOf(source), [source]);
  const store = useMemo(() => new ViewerStore(), []);
  const state = useSyncExternalStore(store.subscribe, store.getState, store.getState);
  const stageRef = useRef<HTMLElement>(null);
  const canvasRef = useRef<HTMLCanvasElement>(null);
  const [collab, setCollab] = useState<CollabClient | null>(null);
  const [controller, setController] = useState<ReviewController | null>(null);
  const [layout, setLayout] = useState<Layout>("split");
  const [shareOpen, setShareOpen] = useState(false);
  const [captureOpen, setCaptureOpen] = useState(false);
  const [helpOpen, setHelpOpen] = useState(false);
  const [showGrid, setShowGrid] = useState(true);
  const [presenceSlot, setPresenceSlot] = useState<HTMLSpanElement | null>(null);
  // Phone width (issue 21): one view at a time, the bar's controls in a menu, the tree as a sheet.
  const phone = useMediaQuery(PHONE_QUERY);
  const [menuOpen, setMenuOpen] = useState(false);
  const [entitiesOpen, setEntitiesOpen] = useState(false);
  const [chosenImage, setChosenImage] = useState<string | undefined>();

  const measureRef = useRef(() => {});
  const feedRef = useRef<ViewerFeed | null>(null);
  const controllerRef = useRef(controller);
  controllerRef.current = controller;
  const { viewer, loop, graphicsError } = useViewerScene(
    canvasRef,
    stageRef,
    store,
    () => measureRef.current(),
    {
      panels: () => panels.rects(),
      decode: () => feedRef.current?.decode,
      review: () => {
        const current = feedRef.current;
        const c = controllerRef.current;
        return current?.kind === "review" && c ? { controller: c, feed: current } : null;
      },
    },
  );
  const panels = usePanelLayout(viewer, loop, stageRef);
  measureRef.current = panels.measure;
  const feed = useFrameSource(source, viewer, store);
  feedRef.current = feed;
  const recordingFeed = feed?.kind === "review" ? feed : null;

  // --- Review rooms: the clock that turns the shared playback state into the cursor ---
  const feedPhase = useSyncExternalStore(
    recordingFeed ? recordingFeed.subscribe : noopSubscribe,
    recordingFeed ? recordingFeed.phase : noPhase,
    noPhase,
  );
  useEffect(() => {
    if (source.kind !== "review" || !recordingFeed || !collab || !loop || feedPhase.kind !== "ready") return;
    const next = new ReviewController(collab, recordingFeed, source.link.recording, {
      startNs: feedPhase.startNs,
      endNs: feedPhase.endNs,
    });
    const removeStep = loop.add("cursor", () => next.tick());
    setController(next);
    return () => {
      removeStep();
      setController(null);
      next.dispose();
    };
  }, [source, recordingFeed, collab, loop, feedPhase]);

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
  // Captures (issue 20): edit links always; view links unless an edit link turned them off for the room.
  const viewLinkCaptures = useSyncExternalStore(
    subscribeCollab,
    () => collab?.getSnapshot().sessionSettings.viewLinkCaptures ?? true,
    () => true,
  );
  const canCapture = claims.role === "edit" || viewLinkCaptures;
  const canCaptureRef = useRef(canCapture);
  canCaptureRef.current = canCapture;
  useEffect(() => {
    if (!canCapture) setCaptureOpen(false);
  }, [canCapture]);
  const userName = useSyncExternalStore(
    subscribeCollab,
    () => collab?.getSnapshot().me.name ?? "",
    () => "",
  );

  // "Last seen", rates and stall detection need a clock; the frame loop ticks it twice a second.
  const { now, framesDrawn, drawRate, points } = useSlowClock(loop, viewer, 500);

  const imageEntities = useMemo(
    () =>
      Object.values(state.entities)
        .filter(
          (e) => (e.kind === "DepthImage" || e.kind === "Image" || e.kind === "EncodedImage") && e.visible,
        )
        .map((e) => e.path)
        .sort(),
    [state.entities],
  );

  // At phone width the split layout shows the 3D view, and the 2D layout one chosen image.
  const shownLayout: Layout = phone && layout === "split" ? "3d" : layout;
  const shownImages = useMemo(() => {
    if (!phone || imageEntities.length <= 1) return imageEntities;
    const chosen = chosenImage && imageEntities.includes(chosenImage) ? chosenImage : imageEntities[0];
    return chosen ? [chosen] : [];
  }, [phone, imageEntities, chosenImage]);

  // Re-measure whenever the panel set changes.
  useLayoutEffect(() => panels.measure(), [panels.measure, shownImages, shownLayout, viewer]);

  // --- Keyboard shortcuts (the keymap; note mode is the collaboration layer's) ---
  const collabRef = useRef(collab);
  collabRef.current = collab;
  useEffect(() => {
    const run = (action: ShortcutAction): boolean => {
      const playback = controllerRef.current;
      switch (action) {
        case "play-pause":
        case "step-back":
        case "step-forward":
          // For everyone in the room; edit links drive it.
          if (playback && collabRef.current?.canEdit) {
            if (action === "play-pause") playback.togglePlay();
            else void playback.step(action === "step-back" ? -1 : 1);
          }
          return true;
        case "fit":
          viewer?.fitToData();
          for (const entity of viewer?.imageEntities() ?? []) viewer?.fit2d(entity);
          return true;
        case "reset":
          viewer?.resetView();
          return true;
        case "look-through": {
          const selected = store.getState().selected ?? viewer?.graph.pinholePaths()[0];
          if (selected) viewer?.lookThrough(selected);
          return true;
        }
        case "layout-split":
          setLayout("split");
          return true;
        case "layout-3d":
          setLayout("3d");
          return true;
        case "layout-2d":
          setLayout("2d");
          return true;
        case "grid":
          setShowGrid((g) => !g);
          return true;
        case "share":
          setShareOpen((open) => !open);
          return true;
        case "capture":
          // Inert on a view link while captures are off (issue 20).
          if (!canCaptureRef.current) return false;
          setCaptureOpen((open) => !open);
          return true;
        case "help":
          setHelpOpen((open) => !open);
          return true;
        case "close":
          setShareOpen(false);
          setCaptureOpen(false);
          setHelpOpen(false);
          setMenuOpen(false);
          setEntitiesOpen(false);
          return true;
        case "note-mode":
          return false;
        default: {
          const unhandled: never = action;
          throw new TypeError(`unhandled shortcut ${String(unhandled)}`);
        }
      }
    };
    const onKey = (e: KeyboardEvent) => {
      const shortcut = shortcutFor(e, review);
      if (shortcut && run(shortcut.action)) e.preventDefault();
    };
    window.addEventListener("keydown", onKey);
    return () => window.removeEventListener("keydown", onKey);
  }, [store, review, viewer]);

  useEffect(() => viewer?.setHelpersVisible(showGrid, showGrid), [viewer, showGrid]);

  // A link to a view selects the entity it names, once that entity is known here (issue 20).
  const linkedEntity = useRef(readViewLink(window.location.href).entity);
  useEffect(() => {
    const entity = linkedEntity.current;
    if (!entity || !state.entities[entity]) return;
    linkedEntity.current = undefined;
    store.dispatch({ type: "select", path: entity });
  }, [state.entities, store]);

  /** "Go to" on a note stamped with a recording time: everyone pauses there (edit links drive). */
  const goToTime = (time: { timeline: string; value: number }) => {
    if (time.timeline !== "log_time" || !controller || !collab?.canEdit) return;
    controller.seekAndPause(time.value);
  };

  const failure = state.connection.kind === "closed" ? linkFailureTitle(state.connection.code) : undefined;
  if (failure && state.connection.kind === "closed") {
    return <ErrorPanel title={failure} detail={state.connection.message} />;
  }
  if (graphicsError) return <ErrorPanel title="Cannot draw here" detail={graphicsError} />;

  const status: ShownStatus = review ? reviewStatus(feedPhase) : statusSummary(state, now);

  return (
    <div
      className={`viewer${review ? " viewer-review" : ""}`}
      data-testid="viewer"
      data-layout={shownLayout}
      data-selected={state.selected}
      data-source={source.kind}
      data-entities-open={entitiesOpen ? "true" : undefined}
    >
      <TopBar
        source={source}
        role={claims.role}
        feedPhase={feedPhase}
        status={status}
        framesReceived={state.framesReceived}
        dropped={droppedFrames(state)}
        drawRate={drawRate}
        recording={recordingState}
        layout={shownLayout}
        onLayout={setLayout}
        onHelp={() => setHelpOpen((o) => !o)}
        shareOpen={shareOpen}
        onShare={setShareOpen}
        captureOpen={captureOpen}
        onCapture={setCaptureOpen}
        capture={
          canCapture ? (
            <CaptureControl
              viewer={viewer}
              panels={panels.rects}
              sourceName={source.kind === "live" ? source.link.session : source.link.recording}
              review={controller && recordingFeed ? { controller, feed: recordingFeed } : null}
              viewLinkCaptures={
                collab?.canEdit
                  ? { allowed: viewLinkCaptures, set: (allowed) => collab.setViewLinkCaptures(allowed) }
                  : null
              }
              onClose={() => setCaptureOpen(false)}
            />
          ) : null
        }
        presenceSlot={setPresenceSlot}
        compact={phone}
        menuOpen={menuOpen}
        onMenu={setMenuOpen}
        onEntities={() => setEntitiesOpen((o) => !o)}
      />
      <NoticeBanner store={store} />

      <EntitySidebar
        state={state}
        now={now}
        onToggle={(path, visible) => {
          store.dispatch({ type: "set-visible", path, visible });
          viewer?.setVisible(path, visible);
        }}
        onSelect={(path) => store.dispatch({ type: "select", path })}
        viewer={viewer}
        live={!review}
        onClose={() => setEntitiesOpen(false)}
      />

      <main className="stage" ref={stageRef}>
        <canvas ref={canvasRef} className="stage-canvas" data-testid="canvas" />
        <ViewPanels
          layout={shownLayout}
          imageEntities={shownImages}
          choices={phone && imageEntities.length > 1 ? imageEntities : undefined}
          onChoose={setChosenImage}
          viewer={viewer}
          panels={panels}
          status={status}
          review={review}
        />
        <CollabLayer
          viewer={viewer}
          loop={loop}
          room={room}
          claims={claims}
          stage={viewer ? stageRef.current : null}
          barSlot={presenceSlot}
          review={review}
          onClient={setCollab}
          {...(controller ? { noteTime: controller.noteTime, onGoToTime: goToTime } : {})}
        />
      </main>
      {review && controller ? (
        <Timeline controller={controller} annotations={annotations} canEdit={claims.role === "edit"} />
      ) : null}

      <StatusBar
        source={source}
        role={claims.role}
        problems={state.problems}
        onDismiss={(id) => store.dispatch({ type: "dismiss-problem", id })}
        recording={recordingState}
        userName={userName}
        showRecordings={collab !== null}
        framesDrawn={framesDrawn}
        points={points}
        bytesPerSecond={receivedBytesPerSecond(state.received, now)}
      />
      {helpOpen ? <HelpOverlay review={review} onClose={() => setHelpOpen(false)} /> : null}
    </div>
  );
}

const noopSubscribe = () => () => {};
const LOADING: RecordingFeedPhase = { kind: "loading" };
const noPhase = (): RecordingFeedPhase => LOADING;
const NO_ANNOTATIONS: readonly Annotation[] = [];

/** The wall clock and the scene's draw counters, updated from the frame loop every `everyMs`. */
function useSlowClock(
  loop: FrameLoop | null,
  viewer: { readonly framesDrawn: number; drawRate(): number; pointBudgetStats(): PointBudgetStats } | null,
  everyMs: number,
): { now: number; framesDrawn: number; drawRate: number; points: PointBudgetStats | undefined } {
  const [clock, setClock] = useState<{
    now: number;
    framesDrawn: number;
    drawRate: number;
    points: PointBudgetStats | undefined;
  }>(() => ({ now: Date.now(), framesDrawn: 0, drawRate: 0, points: undefined }));
  useEffect(() => {
    if (!loop || !viewer) return;
    let last = Number.NEGATIVE_INFINITY;
    return loop.add("ui", (frameNow) => {
      if (frameNow - last < everyMs) return;
      last = frameNow;
      setClock({
        now: Date.now(),
        framesDrawn: viewer.framesDrawn,
        drawRate: viewer.drawRate(),
        points: viewer.pointBudgetStats(),
      });
    });
  }, [loop, viewer, everyMs]);
  return clock;
}
