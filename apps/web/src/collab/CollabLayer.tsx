"use client";

import type { Annotation, TimelineTime, TokenClaims } from "@depthroom/schema";
import { useEffect, useMemo, useRef, useState, useSyncExternalStore } from "react";
import { createPortal } from "react-dom";
import { AnnotationPins } from "../render/AnnotationPins.ts";
import { PresenceFrustums } from "../render/PresenceFrustums.ts";
import type { ViewerScene } from "../render/ViewerScene.ts";
import type { FrameLoop } from "../viewer/frameLoop.ts";
import { shortcutFor } from "../viewer/keymap.ts";
import { AnnotationsPanel } from "./AnnotationsPanel.tsx";
import type { CollabClient, CollabRoom } from "./CollabClient.ts";
import { type StoredIdentity, USER_COLORS } from "./identity.ts";
import { MeasureLayer, MeasurementsList } from "./MeasureLayer.tsx";
import { annotationFromDraft } from "./noteDraft.ts";
import { attachNoteInput } from "./noteInput.ts";
import { Overlay2d } from "./Overlay2d.tsx";
import { PresenceBar } from "./PresenceBar.tsx";
import { PresenceDriver, type PresenceState } from "./PresenceDriver.ts";
import type { NoteDraft } from "./pickPoint.ts";
import { fromCollabPose } from "./presence.ts";
import { useCollabClient } from "./useCollabClient.ts";
import { ViewSettingsPanel } from "./ViewSettingsPanel.tsx";
import { bindViewSettings } from "./viewSettingsBinding.ts";
import "./collab.css";

/**
 * Collaboration over the viewer: presence (avatars, other people's camera frustums), following a
 * person or the presenter, and shared annotations pinned on the clouds. It wires parts together: the
 * room's client (`useCollabClient`), this page's presence (`PresenceDriver`, stepped by the frame loop's
 * presence stage), note input on the stage (`attachNoteInput`) and the panels; it touches the scene only
 * through `ViewerScene`'s public methods.
 */
export function CollabLayer({
  viewer,
  loop,
  room,
  claims,
  stage,
  barSlot,
  review = false,
  onClient,
  noteTime = wallClockTime,
  onGoToTime,
}: {
  viewer: ViewerScene | null;
  loop: FrameLoop | null;
  room: CollabRoom;
  claims: TokenClaims;
  stage: HTMLElement | null;
  /** Where the presence bar goes (the viewer's top bar), so it never covers a view. */
  barSlot: HTMLElement | null;
  review?: boolean;
  /** The room's client once open (null when closed): the review room's timeline drives playback with it. */
  onClient?: (client: CollabClient | null) => void;
  /** The time a new note is stamped with: the wall clock live, the recording's cursor in a review. */
  noteTime?: () => TimelineTime;
  /** "Go to" on a note with a time (review rooms: seek there for everyone). */
  onGoToTime?: (time: TimelineTime) => void;
}) {
  const { client, snapshot, identity, unnamed, setIdentity } = useCollabClient(room, claims, onClient);
  const [editingName, setEditingName] = useState(false);
  const [panelOpen, setPanelOpen] = useState(false);
  const [noteMode, setNoteMode] = useState(false);
  const [draft, setDraft] = useState<NoteDraft | null>(null);
  const noteModeRef = useRef(false);
  noteModeRef.current = noteMode;
  const canEdit = claims.role === "edit";
  const canEditRef = useRef(canEdit);
  canEditRef.current = canEdit;

  // --- Presence: frustums and pins drawn, the pose going out, the camera following someone ---
  const driver = useMemo(
    () => (viewer && client ? new PresenceDriver(client, viewer) : null),
    [viewer, client],
  );
  const presence = useSyncExternalStore(
    driver ? driver.subscribe : noopSubscribe,
    driver ? driver.getState : noPresence,
    noPresence,
  );
  const tracking = presence.tracking;
  useEffect(() => {
    if (!viewer || !client || !driver || !loop) return;
    const frustums = new PresenceFrustums(viewer.scene);
    const pins = new AnnotationPins(viewer.scene);
    const sync = () => {
      const s = client.getSnapshot();
      frustums.setTargets(
        s.peers.flatMap((p) =>
          p.camera ? [{ id: p.clientId, color: p.user.color, pose: p.camera, aspect: p.aspect }] : [],
        ),
      );
      pins.set(
        s.annotations.flatMap((a) =>
          a.kind === "pin3d"
            ? [{ id: a.id, world: a.geometry.world, color: a.author.color, resolved: a.resolved }]
            : [],
        ),
      );
      viewer.requestDraw();
    };
    sync();
    const unsubscribe = client.subscribe(sync);
    // `window.__depthroomCollab` only in builds with NEXT_PUBLIC_DEPTHROOM_TEST_HOOKS=1 (see Viewer).
    let removeHooks = () => {};
    let disposed = false;
    if (process.env.NEXT_PUBLIC_DEPTHROOM_TEST_HOOKS === "1") {
      void import("./collabHooks.ts").then(({ installCollabHooks }) => {
        if (disposed) return;
        removeHooks = installCollabHooks(
          client,
          () => frustums.drawnPoses(),
          () => pins.shown(),
          () => {
            const t = driver.getTracking();
            return t?.kind === "person" ? t.name : null;
          },
        );
      });
    }
    const removeStep = loop.add("presence", (now, dt) => {
      let changed = driver.step(now, dt);
      if (frustums.step(dt)) changed = true;
      if (pins.fitTo(viewer.pose)) changed = true;
      if (changed) viewer.requestDraw();
    });
    return () => {
      removeStep();
      unsubscribe();
      disposed = true;
      removeHooks();
      frustums.dispose();
      pins.dispose();
    };
  }, [viewer, client, driver, loop]);

  // --- The room's view settings (issue 16): what the doc holds is what every page draws ---
  useEffect(() => {
    if (!viewer || !client) return;
    return bindViewSettings(client.doc, viewer);
  }, [viewer, client]);

  // --- Own input stops following; note mode turns a click into a draft; the hovered pixel goes out ---
  useEffect(() => {
    if (!stage || !viewer || !driver) return;
    const detach = attachNoteInput(stage, viewer, {
      isNoteMode: () => noteModeRef.current,
      canAnchor: () => canEditRef.current,
      onOwnInput: () => driver.stopFollowing(),
      onDraft: (next) => {
        setDraft(next);
        setNoteMode(false);
        setPanelOpen(true);
      },
      onPointer: (pixel) => {
        driver.pointer = pixel;
      },
    });
    const key = (e: KeyboardEvent) => {
      const shortcut = shortcutFor(e, review);
      if (!shortcut) return;
      if (shortcut.action === "close") {
        setNoteMode(false);
        setDraft(null);
      } else if (shortcut.action === "note-mode" && canEditRef.current) {
        // N: note mode (the next click on a view pins a note), again to leave it.
        e.preventDefault();
        setNoteMode((on) => !on);
      }
      if (shortcut.breaksFollow) driver.stopFollowing();
    };
    window.addEventListener("keydown", key);
    return () => {
      detach();
      window.removeEventListener("keydown", key);
    };
  }, [stage, viewer, driver, review]);

  if (!client || !snapshot || !identity) return null;

  const presenterPeer = snapshot.presenter
    ? snapshot.peers.find((p) => p.user.id === snapshot.presenter?.userId)
    : undefined;

  const goTo = (annotation: Annotation) => {
    if (annotation.time && onGoToTime) onGoToTime(annotation.time);
    if (annotation.viewpoint) driver?.glideTo(fromCollabPose(annotation.viewpoint));
  };

  const bar = (
    <PresenceBar
      snapshot={snapshot}
      canEdit={canEdit}
      following={tracking?.kind === "person" ? tracking : null}
      presenting={presence.presenting}
      presenterPeer={presenterPeer}
      notesOpen={panelOpen}
      pinMode={noteMode}
      onPinMode={setNoteMode}
      onFollow={(clientId) => driver?.follow(clientId)}
      onStopFollowing={() => driver?.stopFollowing()}
      onPresent={(on) => driver?.setPresenting(on)}
      onToggleNotes={() => setPanelOpen((o) => !o)}
      unnamed={unnamed}
      onEditIdentity={() => setEditingName(true)}
    />
  );

  return (
    <div className="collab-layer">
      {barSlot ? createPortal(bar, barSlot) : bar}
      {viewer && loop ? (
        <Overlay2d viewer={viewer} loop={loop} peers={snapshot.peers} annotations={snapshot.annotations} />
      ) : null}
      {viewer && loop ? (
        <MeasureLayer
          client={client}
          snapshot={snapshot}
          viewer={viewer}
          loop={loop}
          stage={stage}
          barSlot={barSlot}
          canEdit={canEdit}
          time={noteTime}
          review={review}
          onGoToTime={onGoToTime}
        />
      ) : null}
      {editingName ? (
        <IdentityCard
          initial={identity}
          onDone={(next) => {
            setIdentity(next);
            setEditingName(false);
          }}
        />
      ) : null}
      {viewer ? <ViewSettingsPanel client={client} viewer={viewer} canEdit={canEdit} /> : null}
      {panelOpen ? (
        <AnnotationsPanel
          client={client}
          snapshot={snapshot}
          canEdit={canEdit}
          draft={draft}
          onSaveDraft={(text) => {
            if (!draft || !viewer) return;
            client.addAnnotation(annotationFromDraft(draft, viewer.pose, noteTime(), text));
            setDraft(null);
          }}
          onCancelDraft={() => setDraft(null)}
          onGoTo={goTo}
          onClose={() => setPanelOpen(false)}
        >
          <MeasurementsList
            client={client}
            measurements={snapshot.measurements}
            canEdit={canEdit}
            onGoTo={onGoToTime}
          />
        </AnnotationsPanel>
      ) : null}
    </div>
  );
}

const noopSubscribe = () => () => {};
const NO_PRESENCE: PresenceState = { tracking: null, presenting: false };
const noPresence = (): PresenceState => NO_PRESENCE;

/** Notes in a live session carry the wall clock as their log time, in ns. */
const wallClockTime = (): TimelineTime => ({ timeline: "log_time", value: Date.now() * 1e6 });

function IdentityCard({
  initial,
  onDone,
}: {
  initial: StoredIdentity;
  onDone: (identity: StoredIdentity) => void;
}) {
  const [name, setName] = useState(initial.name);
  const [color, setColor] = useState(initial.color);
  return (
    <form
      className="collab-ui collab-identity"
      data-testid="identity-card"
      onSubmit={(e) => {
        e.preventDefault();
        onDone({ name: name.trim() || initial.name, color });
      }}
    >
      <label>
        Your name in this session
        <input value={name} maxLength={100} onChange={(e) => setName(e.target.value)} />
      </label>
      <div className="collab-colors">
        {USER_COLORS.map((c) => (
          <button
            key={c}
            type="button"
            className={c === color ? "active" : ""}
            style={{ background: c }}
            aria-label={`Colour ${c}`}
            onClick={() => setColor(c)}
          />
        ))}
      </div>
      <button type="submit" className="primary small">
        OK
      </button>
    </form>
  );
}
