"use client";

import type { Annotation, TimelineTime, TokenClaims } from "@depthroom/schema";
import { useEffect, useMemo, useRef, useState, useSyncExternalStore } from "react";
import { createPortal } from "react-dom";
import { AnnotationPins } from "../render/AnnotationPins.ts";
import type { CameraPose } from "../render/cameraPose.ts";
import { PresenceFrustums } from "../render/PresenceFrustums.ts";
import type { ViewerScene } from "../render/ViewerScene.ts";
import { pixelAt } from "../render/view2d.ts";
import { AnnotationsPanel } from "./AnnotationsPanel.tsx";
import { CollabClient, type CollabRoom, type CollabSnapshot } from "./CollabClient.ts";
import {
  defaultIdentity,
  loadIdentity,
  makeUser,
  type StoredIdentity,
  saveIdentity,
  USER_COLORS,
} from "./identity.ts";
import { Overlay2d } from "./Overlay2d.tsx";
import { PresenceBar } from "./PresenceBar.tsx";
import { type NoteDraft, pickCloudPoint } from "./pickPoint.ts";
import { fromCollabPose, POSE_RATE_HZ, poseDistance, smoothPose } from "./presence.ts";
import "./collab.css";

/** Whom this page's camera tracks: a person (by awareness client id) or an annotation's viewpoint. */
type Tracking =
  | { readonly kind: "person"; readonly clientId: number; readonly userId: string; readonly name: string }
  | { readonly kind: "viewpoint"; readonly pose: CameraPose };

/** How often a presenter rewrites the `presenter` key (its live camera also goes through awareness). */
const PRESENTER_WRITE_MS = 500;

/**
 * Collaboration over the viewer: presence (avatars, other people's camera frustums), following a
 * person or the presenter, and shared annotations pinned on the clouds. It sits on the stage as an
 * overlay and touches the scene only through `ViewerScene`'s public methods.
 */
export function CollabLayer({
  viewer,
  room,
  claims,
  stage,
  onClient,
  noteTime = wallClockTime,
  onGoToTime,
}: {
  viewer: ViewerScene | null;
  room: CollabRoom;
  claims: TokenClaims;
  stage: HTMLElement | null;
  /** The room's client once open (null when closed): the review room's timeline drives playback with it. */
  onClient?: (client: CollabClient | null) => void;
  /** The time a new note is stamped with: the wall clock live, the recording's cursor in a review. */
  noteTime?: () => TimelineTime;
  /** "Go to" on a note with a time (review rooms: seek there for everyone). */
  onGoToTime?: (time: TimelineTime) => void;
}) {
  const [identity, setIdentity] = useState<StoredIdentity | null>(null);
  /** No remembered identity yet: the bar asks (without covering the views) until answered. */
  const [unnamed, setUnnamed] = useState(false);
  const [editingName, setEditingName] = useState(false);
  const [client, setClient] = useState<CollabClient | null>(null);
  const [tracking, setTracking] = useState<Tracking | null>(null);
  const [presenting, setPresenting] = useState(false);
  const [panelOpen, setPanelOpen] = useState(false);
  const [pinMode, setPinMode] = useState(false);
  const [draft, setDraft] = useState<NoteDraft | null>(null);
  const trackingRef = useRef<Tracking | null>(null);
  const presentingRef = useRef(false);
  const pinModeRef = useRef(false);
  const pointerRef = useRef<{ entity: string; u: number; v: number } | null>(null);
  trackingRef.current = tracking;
  presentingRef.current = presenting;
  pinModeRef.current = pinMode;
  const canEdit = claims.role === "edit";
  const canEditRef = useRef(canEdit);
  canEditRef.current = canEdit;

  // --- Who I am: remembered, else a default now and a question once ---
  useEffect(() => {
    const stored = loadIdentity();
    if (stored) setIdentity(stored);
    else {
      setIdentity(defaultIdentity());
      setUnnamed(true);
    }
  }, []);

  // --- The session's doc and awareness: one connection per page, opened once an identity exists ---
  const identityRef = useRef(identity);
  identityRef.current = identity;
  const onClientRef = useRef(onClient);
  onClientRef.current = onClient;
  const hasIdentity = identity !== null;
  useEffect(() => {
    const initial = identityRef.current;
    if (!hasIdentity || !initial) return;
    const next = new CollabClient(room, claims.role, makeUser(initial));
    setClient(next);
    onClientRef.current?.(next);
    return () => {
      onClientRef.current?.(null);
      next.close();
    };
  }, [room, claims.role, hasIdentity]);

  useEffect(() => {
    if (!client || !identity) return;
    client.rename(identity.name, identity.color);
  }, [client, identity]);

  const emptySnapshot = useMemo<CollabSnapshot | null>(() => null, []);
  const snapshot = useSyncExternalStore(
    client ? client.subscribe : noopSubscribe,
    client ? client.getSnapshot : () => emptySnapshot,
    () => emptySnapshot,
  );

  // --- Drawing: frustums, pins, the pose going out, the camera following someone ---
  const drawing = useRef<{ frustums: PresenceFrustums; pins: AnnotationPins } | null>(null);
  useEffect(() => {
    if (!viewer || !client) return;
    const frustums = new PresenceFrustums(viewer.scene);
    const pins = new AnnotationPins(viewer.scene);
    drawing.current = { frustums, pins };
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
            const t = trackingRef.current;
            return t?.kind === "person" ? t.name : null;
          },
        );
      });
    }
    let last = performance.now();
    let lastPublish = 0;
    let lastPresenterWrite = 0;
    let presentedPose: CameraPose | undefined;
    let raf = 0;
    const loop = (now: number) => {
      raf = requestAnimationFrame(loop);
      const dt = Math.min(100, now - last);
      last = now;
      let changed = false;
      const t = trackingRef.current;
      if (t) {
        const target = trackedPose(t, client.getSnapshot());
        if (target === undefined) setTracking(null);
        else if (target) {
          const next = smoothPose(viewer.pose, target, dt);
          if (next !== viewer.pose) {
            viewer.setPose(next);
            changed = true;
          }
          if (t.kind === "viewpoint" && next === target) setTracking(null);
        }
      }
      if (now - lastPublish >= 1000 / POSE_RATE_HZ) {
        lastPublish = now;
        client.publishPose(viewer.pose, viewer.aspect3d());
        const pointer = pointerRef.current;
        client.publishPointer(pointer ? { entityPath: pointer.entity, u: pointer.u, v: pointer.v } : null);
        if (
          presentingRef.current &&
          now - lastPresenterWrite >= PRESENTER_WRITE_MS &&
          (!presentedPose || poseDistance(presentedPose, viewer.pose) > 1e-4)
        ) {
          lastPresenterWrite = now;
          presentedPose = viewer.pose;
          client.present(viewer.pose);
        }
      }
      if (frustums.step(dt)) changed = true;
      if (pins.fitTo(viewer.pose)) changed = true;
      if (changed) viewer.requestDraw();
    };
    raf = requestAnimationFrame(loop);
    return () => {
      cancelAnimationFrame(raf);
      unsubscribe();
      disposed = true;
      removeHooks();
      frustums.dispose();
      pins.dispose();
      drawing.current = null;
    };
  }, [viewer, client]);

  // --- Any input of one's own stops following; a click in pin mode drops a pin ---
  useEffect(() => {
    if (!stage || !viewer) return;
    const ownInput = (e: Event) => {
      const target = e.target as HTMLElement | null;
      if (target?.closest(".collab-ui")) return;
      if (trackingRef.current) setTracking(null);
    };
    let down: { x: number; y: number; target: HTMLElement | null } | undefined;
    const pointerDown = (e: PointerEvent) => {
      const target = e.target as HTMLElement | null;
      if (target?.closest(".collab-ui")) return;
      if (pinModeRef.current && target?.closest('[data-testid="panel-3d"], [data-testid^="panel-2d-"]')) {
        // In pin mode a click picks a point: the 3D view must not start an orbit.
        e.stopPropagation();
        down = { x: e.clientX, y: e.clientY, target };
        return;
      }
      ownInput(e);
    };
    const pointerUp = (e: PointerEvent) => {
      if (!down || !pinModeRef.current) return;
      const start = down;
      const moved = Math.hypot(e.clientX - start.x, e.clientY - start.y);
      down = undefined;
      const target = e.target as HTMLElement | null;
      const image = imageUnder(target, e.clientX, e.clientY);
      const from = moved > 6 ? imageUnder(start.target, start.x, start.y) : undefined;
      if (moved > 6 && !(image && from && from.entity === image.entity)) return;
      if (image && from) {
        // A drag on a 2D view: a box from where it started to where it ended.
        setDraft({
          kind: "box2d",
          entity: image.entity,
          u0: Math.min(from.u, image.u),
          v0: Math.min(from.v, image.v),
          u1: Math.max(from.u, image.u),
          v1: Math.max(from.v, image.v),
        });
      } else if (image) {
        setDraft({ kind: "point2d", ...image });
      } else {
        const rect = stage.getBoundingClientRect();
        const picked = pickCloudPoint(viewer, e.clientX - rect.left, e.clientY - rect.top);
        if (!picked) return;
        setDraft({ kind: "pin3d", ...picked });
      }
      setPinMode(false);
      setPanelOpen(true);
    };
    /** The image pixel of a 2D panel under a client position, if any. */
    const imageUnder = (target: HTMLElement | null, clientX: number, clientY: number) => {
      const body = target?.closest<HTMLElement>('[data-testid^="panel-2d-"]');
      const entity = body?.dataset.testid?.slice("panel-2d-".length);
      if (!body || !entity) return undefined;
      const view = viewer.view2d(entity);
      const image = viewer.stats().find((s) => s.entity === entity);
      if (!view || !image) return undefined;
      const rect = body.getBoundingClientRect();
      const pixel = pixelAt(view, rect, image, clientX - rect.left, clientY - rect.top);
      return pixel ? { entity, u: pixel[0], v: pixel[1] } : undefined;
    };
    // Where this person hovers on a 2D view goes out with the next pose update.
    const pointerMove = (e: PointerEvent) => {
      pointerRef.current = imageUnder(e.target as HTMLElement | null, e.clientX, e.clientY) ?? null;
    };
    const pointerLeave = () => {
      pointerRef.current = null;
    };
    const key = (e: KeyboardEvent) => {
      const target = e.target as HTMLElement | null;
      if (target && (target.tagName === "INPUT" || target.tagName === "TEXTAREA")) return;
      if (e.key === "Escape") {
        setPinMode(false);
        setDraft(null);
      }
      // N: note mode (the next click on a view pins a note), again to leave it.
      if (e.key === "n" && canEditRef.current && !e.metaKey && !e.ctrlKey && !e.altKey) {
        e.preventDefault();
        setPinMode((on) => !on);
      }
      if (["f", "r", "l", "ArrowLeft", "ArrowRight", "ArrowUp", "ArrowDown"].includes(e.key)) ownInput(e);
    };
    stage.addEventListener("pointerdown", pointerDown, true);
    stage.addEventListener("pointerup", pointerUp, true);
    stage.addEventListener("pointermove", pointerMove, { passive: true });
    stage.addEventListener("pointerleave", pointerLeave);
    stage.addEventListener("wheel", ownInput, true);
    window.addEventListener("keydown", key);
    return () => {
      stage.removeEventListener("pointerdown", pointerDown, true);
      stage.removeEventListener("pointerup", pointerUp, true);
      stage.removeEventListener("pointermove", pointerMove);
      stage.removeEventListener("pointerleave", pointerLeave);
      stage.removeEventListener("wheel", ownInput, true);
      window.removeEventListener("keydown", key);
    };
  }, [stage, viewer]);

  if (!client || !snapshot || !identity) return null;

  const follow = (clientId: number) => {
    const peer = snapshot.peers.find((p) => p.clientId === clientId);
    if (peer) setTracking({ kind: "person", clientId, userId: peer.user.id, name: peer.user.name });
  };
  const presenterPeer = snapshot.presenter
    ? snapshot.peers.find((p) => p.user.id === snapshot.presenter?.userId)
    : undefined;

  const goTo = (annotation: Annotation) => {
    if (annotation.time && onGoToTime) onGoToTime(annotation.time);
    if (annotation.viewpoint) setTracking({ kind: "viewpoint", pose: fromCollabPose(annotation.viewpoint) });
  };

  const bar = (
    <PresenceBar
      snapshot={snapshot}
      canEdit={canEdit}
      following={tracking?.kind === "person" ? tracking : null}
      presenting={presenting}
      presenterPeer={presenterPeer}
      notesOpen={panelOpen}
      pinMode={pinMode}
      onPinMode={setPinMode}
      onFollow={follow}
      onStopFollowing={() => setTracking(null)}
      onPresent={(on) => {
        setPresenting(on);
        if (on && viewer) client.present(viewer.pose);
        else client.stopPresenting();
      }}
      onToggleNotes={() => setPanelOpen((o) => !o)}
      unnamed={unnamed}
      onEditIdentity={() => setEditingName(true)}
    />
  );
  // The bar sits in the viewer's top bar when there is one, so it never covers a view.
  const topbar = stage?.closest(".viewer")?.querySelector<HTMLElement>(".topbar") ?? null;

  return (
    <div className="collab-layer">
      {topbar ? createPortal(bar, topbar) : bar}
      {viewer ? (
        <Overlay2d viewer={viewer} peers={snapshot.peers} annotations={snapshot.annotations} />
      ) : null}
      {editingName ? (
        <IdentityCard
          initial={identity}
          onDone={(next) => {
            saveIdentity(next);
            setIdentity(next);
            setEditingName(false);
            setUnnamed(false);
          }}
        />
      ) : null}
      {panelOpen ? (
        <AnnotationsPanel
          client={client}
          snapshot={snapshot}
          canEdit={canEdit}
          draft={draft}
          onSaveDraft={(text) => {
            if (!draft || !viewer) return;
            const pose = viewer.pose;
            const common = {
              entityPath: draft.entity,
              time: noteTime(),
              viewpoint: {
                position: [...pose.eye] as [number, number, number],
                target: [...pose.target] as [number, number, number],
                up: [...pose.up] as [number, number, number],
                fov: (pose.fovY * 180) / Math.PI,
              },
              text,
            };
            if (draft.kind === "pin3d")
              client.addAnnotation({
                kind: "pin3d",
                geometry: { world: [...draft.world], local: [...draft.local] },
                ...common,
              });
            else if (draft.kind === "box2d") {
              const { u0, v0, u1, v1 } = draft;
              client.addAnnotation({ kind: "box2d", geometry: { u0, v0, u1, v1 }, ...common });
            } else client.addAnnotation({ kind: "point2d", geometry: { u: draft.u, v: draft.v }, ...common });
            setDraft(null);
          }}
          onCancelDraft={() => setDraft(null)}
          onGoTo={goTo}
          onClose={() => setPanelOpen(false)}
        />
      ) : null}
    </div>
  );
}

const noopSubscribe = () => () => {};

/** Notes in a live session carry the wall clock as their log time, in ns. */
const wallClockTime = (): TimelineTime => ({ timeline: "log_time", value: Date.now() * 1e6 });

/** The pose to track now; null to wait; undefined when the tracked person left. */
function trackedPose(t: Tracking, snapshot: CollabSnapshot): CameraPose | null | undefined {
  if (t.kind === "viewpoint") return t.pose;
  const peer = snapshot.peers.find((p) => p.clientId === t.clientId);
  if (!peer) return undefined;
  if (peer.camera) return peer.camera;
  const presenter = snapshot.presenter;
  return presenter && presenter.userId === t.userId ? fromCollabPose(presenter.camera) : null;
}

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
