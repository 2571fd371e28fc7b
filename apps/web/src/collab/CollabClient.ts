/*
 * A room's Y.Doc over y-websocket (`<relay>/yjs/<room>`, the token as a subprotocol: a live session's doc, or a
 * recording's review room `rec-<id>`), its awareness (who is here, where they look), the annotations,
 * the shared `playback` state and the session's `recording` state (the red dot), as one small store
 * React subscribes to. Everything read from
 * peers goes through the schema's validators; writes go through its accessors with one origin per tab,
 * so the undo manager undoes only this person's changes.
 */
import {
  type Annotation,
  type AnnotationInput,
  addAnnotation,
  addComment,
  addMeasurement,
  type CloudViewSettings,
  CollabRoot,
  type CollabUser,
  createAnnotationUndoManager,
  createViewSettingsUndoManager,
  deleteAnnotation,
  deleteMeasurement,
  docSocketProtocols,
  getPlayback,
  getPresenter,
  getRecordingState,
  getSessionSettings,
  listAnnotations,
  listMeasurements,
  type Measurement,
  type MeasurementInput,
  type MeasurementPatch,
  observeAnnotations,
  observeMeasurements,
  observeSessionSettings,
  type PlaybackChange,
  type PlaybackSource,
  type PlaybackState,
  type PresenterState,
  type RecordingState,
  type Role,
  reanchorPlayback,
  type SessionSettings,
  setPlayback,
  setPresenter,
  setSessionSettings,
  setViewSettings,
  updateAnnotation,
  updateMeasurement,
} from "@depthroom/schema";
import { WebsocketProvider } from "y-websocket";
import * as Y from "yjs";
import type { CameraPose } from "../render/cameraPose.ts";
import { forwardOwnAwarenessOnly } from "./ownAwarenessOnly.ts";
import { type Peer, peersFromStates, poseDistance, toAwarenessCamera, toCollabPose } from "./presence.ts";

export type CollabConnection = "connecting" | "connected" | "disconnected" | "closed";

export interface CollabSnapshot {
  readonly connection: CollabConnection;
  readonly synced: boolean;
  readonly me: CollabUser;
  readonly peers: readonly Peer[];
  readonly annotations: readonly Annotation[];
  /** Shared measurements (issue 20), oldest first. */
  readonly measurements: readonly Measurement[];
  readonly presenter: PresenterState | null;
  /** The shared playback state of a review room (null until someone pressed play, pause or seek). */
  readonly playback: PlaybackState | null;
  /** The session's recording state (written by the relay alone): the red dot. */
  readonly recording: RecordingState | null;
  /** What the room's edit links allow the others (issue 20: captures on view links). */
  readonly sessionSettings: SessionSettings;
  readonly canUndo: boolean;
}

/** Which doc to open: `name` is the session id, or `rec-<recordingId>` for a review room. */
export interface CollabRoom {
  readonly relayUrl: string;
  readonly name: string;
  readonly token: string;
}

/** The relay's y-websocket endpoint for a link: `ws(s)://<relay>/yjs`. */
export function yjsUrl(relayUrl: string): string {
  return `${relayUrl.replace(/^http/, "ws").replace(/\/+$/, "")}/yjs`;
}

export class CollabClient {
  readonly doc = new Y.Doc();
  readonly provider: WebsocketProvider;
  /** The origin of this tab's writes (and of its undo manager). */
  readonly origin: { readonly user: string };
  readonly undo: Y.UndoManager;
  /** Undo of this tab's view-settings changes (issue 16), apart from the annotations'. */
  readonly viewSettingsUndo: Y.UndoManager;
  readonly canEdit: boolean;
  private snapshot: CollabSnapshot;
  private readonly listeners = new Set<() => void>();
  private lastSentPose: CameraPose | undefined;
  private lastSentAspect: number | undefined;
  private readonly cleanups: (() => void)[] = [];
  /** `Date.now()` when this page first connected, and when each peer user id was first seen (tests). */
  connectedAt: number | undefined;
  readonly peerSeenAt = new Map<string, number>();
  /** `Date.now()` of the last change of the playback state seen here (local or remote; tests). */
  playbackChangedAt: number | undefined;

  constructor(room: CollabRoom, role: Role, me: CollabUser) {
    this.canEdit = role === "edit";
    this.origin = { user: me.id };
    this.provider = new WebsocketProvider(yjsUrl(room.relayUrl), room.name, this.doc, {
      // The token as a subprotocol, not in the URL (which proxies and servers log).
      protocols: docSocketProtocols(room.token),
      maxBackoffTime: 2500,
    });
    forwardOwnAwarenessOnly(this.provider);
    this.undo = createAnnotationUndoManager(this.doc, this.origin);
    // One Undo for this person's notes and measurements.
    this.undo.addToScope(this.doc.getMap(CollabRoot.measurements));
    this.viewSettingsUndo = createViewSettingsUndoManager(this.doc, this.origin);
    this.snapshot = {
      connection: "connecting",
      synced: false,
      me,
      peers: [],
      annotations: [],
      measurements: [],
      presenter: null,
      playback: null,
      recording: null,
      sessionSettings: getSessionSettings(this.doc),
      canUndo: false,
    };
    const awareness = this.provider.awareness;
    awareness.setLocalState({ user: me, camera: null, pointer: null, selection: null, presenting: false });

    const onStatus = ({ status }: { status: string }) => {
      if (status === "connected") this.connectedAt ??= Date.now();
      this.update({
        connection:
          status === "connected" ? "connected" : status === "connecting" ? "connecting" : "disconnected",
      });
    };
    const onSync = (synced: boolean) => this.update({ synced, ...this.readDoc() });
    const onClose = () => this.update({ connection: "closed" });
    const onAwareness = () => {
      const peers = peersFromStates(awareness.getStates(), this.doc.clientID);
      const now = Date.now();
      for (const peer of peers)
        if (!this.peerSeenAt.has(peer.user.id)) this.peerSeenAt.set(peer.user.id, now);
      this.update({ peers });
    };
    this.provider.on("status", onStatus);
    this.provider.on("sync", onSync);
    this.provider.on("closed" as never, onClose as never);
    awareness.on("change", onAwareness);
    const unobserve = observeAnnotations(this.doc, () => this.update(this.readDoc()));
    const unobserveMeasurements = observeMeasurements(this.doc, () =>
      this.update({ measurements: listMeasurements(this.doc) }),
    );
    const presenterMap = this.doc.getMap("presenter");
    const onPresenter = () => this.update({ presenter: getPresenter(this.doc) });
    presenterMap.observe(onPresenter);
    const playbackMap = this.doc.getMap("playback");
    const onPlayback = () => {
      this.playbackChangedAt = Date.now();
      this.update({ playback: getPlayback(this.doc) });
    };
    playbackMap.observe(onPlayback);
    const recordingMap = this.doc.getMap("recording");
    const onRecording = () => this.update({ recording: getRecordingState(this.doc) });
    recordingMap.observe(onRecording);
    const unobserveSettings = observeSessionSettings(this.doc, () =>
      this.update({ sessionSettings: getSessionSettings(this.doc) }),
    );
    const onUndoStack = () => this.update({ canUndo: this.undo.undoStack.length > 0 });
    this.undo.on("stack-item-added", onUndoStack);
    this.undo.on("stack-item-popped", onUndoStack);
    // Leave at once when the tab goes away, instead of after awareness's 30 s timeout.
    const onUnload = () => awareness.setLocalState(null);
    window.addEventListener("beforeunload", onUnload);
    this.cleanups.push(
      () => this.provider.off("status", onStatus),
      () => this.provider.off("sync", onSync),
      () => awareness.off("change", onAwareness),
      unobserve,
      unobserveMeasurements,
      () => presenterMap.unobserve(onPresenter),
      () => playbackMap.unobserve(onPlayback),
      () => recordingMap.unobserve(onRecording),
      unobserveSettings,
      () => window.removeEventListener("beforeunload", onUnload),
    );
  }

  private readDoc(): Pick<
    CollabSnapshot,
    "annotations" | "measurements" | "presenter" | "playback" | "recording" | "sessionSettings"
  > {
    return {
      annotations: listAnnotations(this.doc),
      measurements: listMeasurements(this.doc),
      presenter: getPresenter(this.doc),
      playback: getPlayback(this.doc),
      recording: getRecordingState(this.doc),
      sessionSettings: getSessionSettings(this.doc),
    };
  }

  private update(patch: Partial<CollabSnapshot>): void {
    this.snapshot = { ...this.snapshot, ...patch };
    for (const listener of this.listeners) listener();
  }

  readonly subscribe = (listener: () => void): (() => void) => {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  };

  readonly getSnapshot = (): CollabSnapshot => this.snapshot;

  /** A new name or colour for this person (awareness; annotations keep the author they were written with). */
  rename(name: string, color: string): void {
    const me = { ...this.snapshot.me, name: name.trim().slice(0, 100) || this.snapshot.me.name, color };
    this.provider.awareness.setLocalStateField("user", me);
    this.update({ me });
  }

  /**
   * Publish this person's camera and the aspect of the 3D view it draws (call at POSE_RATE_HZ;
   * unchanged poses and aspects are not re-sent).
   */
  publishPose(pose: CameraPose, aspect?: number): void {
    if (
      this.lastSentPose &&
      poseDistance(this.lastSentPose, pose) < 1e-6 &&
      Math.abs((this.lastSentAspect ?? 0) - (aspect ?? 0)) < 1e-3
    )
      return;
    this.lastSentPose = pose;
    this.lastSentAspect = aspect;
    this.provider.awareness.setLocalStateField("camera", toAwarenessCamera(pose, aspect));
  }

  /** Publish where this person hovers on a 2D view (null when not over one). */
  publishPointer(pointer: { entityPath: string; u: number; v: number } | null): void {
    const current = this.provider.awareness.getLocalState()?.pointer as typeof pointer | undefined;
    if (current === pointer) return;
    if (
      current &&
      pointer &&
      current.entityPath === pointer.entityPath &&
      current.u === pointer.u &&
      current.v === pointer.v
    )
      return;
    this.provider.awareness.setLocalStateField("pointer", pointer);
  }

  // --- Annotations (edit links only; the relay refuses a view link's writes anyway) ---

  addAnnotation(input: Omit<AnnotationInput, "author">): string | null {
    if (!this.canEdit) return null;
    return addAnnotation(this.doc, { ...input, author: this.snapshot.me } as AnnotationInput, this.origin);
  }

  reply(id: string, text: string): string | null {
    if (!this.canEdit || !text.trim()) return null;
    return addComment(this.doc, id, { author: this.snapshot.me, text: text.trim() }, this.origin);
  }

  setResolved(id: string, resolved: boolean): boolean {
    if (!this.canEdit) return false;
    return updateAnnotation(this.doc, id, { resolved }, this.origin);
  }

  remove(id: string): boolean {
    if (!this.canEdit) return false;
    return deleteAnnotation(this.doc, id, this.origin);
  }

  undoLast(): void {
    this.undo.undo();
  }

  // --- Measurements (issue 20; edit links only, the relay refuses a view link's writes anyway) ---

  // Each measurement is its own Undo step: the undo manager merges writes less than 500 ms apart, so
  // without a cut a measurement started just after another finished was undone together with it.
  addMeasurement(input: Omit<MeasurementInput, "author">): string | null {
    if (!this.canEdit) return null;
    this.undo.stopCapturing();
    return addMeasurement(this.doc, { ...input, author: this.snapshot.me } as MeasurementInput, this.origin);
  }

  updateMeasurement(id: string, patch: MeasurementPatch): boolean {
    if (!this.canEdit) return false;
    const updated = updateMeasurement(this.doc, id, patch, this.origin);
    if (patch.complete) this.undo.stopCapturing();
    return updated;
  }

  removeMeasurement(id: string): boolean {
    if (!this.canEdit) return false;
    return deleteMeasurement(this.doc, id, this.origin);
  }

  // --- View settings (issue 16; edit links only): how each depth cloud is drawn, for everyone ---

  /** Change an entity's view settings for the room; null on a view link (it cannot write the doc). */
  changeViewSettings(entity: string, change: Partial<CloudViewSettings>): CloudViewSettings | null {
    if (!this.canEdit) return null;
    return setViewSettings(this.doc, entity, change, this.origin);
  }

  undoViewSettings(): void {
    this.viewSettingsUndo.undo();
  }

  /**
   * Allow or forbid captures on the room's view links (issue 20); null on a view link, which cannot
   * write the doc (the relay refuses its updates anyway).
   */
  setViewLinkCaptures(allowed: boolean): SessionSettings | null {
    if (!this.canEdit) return null;
    return setSessionSettings(this.doc, { viewLinkCaptures: allowed }, this.origin);
  }

  // --- Playback (review rooms; edit links only) ---

  /**
   * Play, pause, seek or change the rate for everyone: the state re-anchored at the current cursor (or
   * at `seekTo`). `initial` is the state assumed when nobody wrote one yet (paused at the start).
   */
  changePlayback(
    change: Omit<PlaybackChange, "by">,
    initial: { source: PlaybackSource; anchorMediaTime: number },
    /** The anchor's wall time: the review room passes the relay's clock (see playback/relayClock.ts). */
    now = Date.now(),
  ): PlaybackState | null {
    if (!this.canEdit) return null;
    const current: PlaybackState = getPlayback(this.doc) ?? {
      ...initial,
      playing: false,
      anchorWallTime: now,
      rate: 1,
      by: this.snapshot.me.id,
    };
    const next = reanchorPlayback(current, now, { ...change, by: this.snapshot.me.id });
    setPlayback(this.doc, next, this.origin);
    return next;
  }

  // --- Presenting ---

  present(pose: CameraPose): void {
    if (!this.canEdit) return;
    const me = this.snapshot.me;
    setPresenter(
      this.doc,
      {
        userId: me.id,
        name: me.name,
        color: me.color,
        camera: toCollabPose(pose),
        view: { kind: "3d" },
        updatedAt: Date.now(),
      },
      this.origin,
    );
    this.provider.awareness.setLocalStateField("presenting", true);
  }

  stopPresenting(): void {
    const presenter = getPresenter(this.doc);
    if (presenter && presenter.userId === this.snapshot.me.id && this.canEdit)
      setPresenter(this.doc, null, this.origin);
    this.provider.awareness.setLocalStateField("presenting", false);
  }

  close(): void {
    for (const cleanup of this.cleanups.splice(0)) cleanup();
    this.provider.awareness.setLocalState(null);
    this.undo.destroy();
    this.viewSettingsUndo.destroy();
    this.provider.destroy();
    this.doc.destroy();
    this.listeners.clear();
  }
}
