import type { CameraPose } from "../render/cameraPose.ts";
import type { CollabSnapshot } from "./CollabClient.ts";
import { fromCollabPose, POSE_RATE_HZ, poseDistance, smoothPose } from "./presence.ts";

/** Whom this page's camera tracks: a person (by awareness client id) or an annotation's viewpoint. */
export type Tracking =
  | { readonly kind: "person"; readonly clientId: number; readonly userId: string; readonly name: string }
  | { readonly kind: "viewpoint"; readonly pose: CameraPose };

/** How often a presenter rewrites the `presenter` key (its live camera also goes through awareness). */
export const PRESENTER_WRITE_MS = 500;

/** What the driver needs of the room's client (`CollabClient`). */
export interface PresenceClient {
  getSnapshot(): Pick<CollabSnapshot, "peers" | "presenter">;
  publishPose(pose: CameraPose, aspect?: number): void;
  publishPointer(pointer: { entityPath: string; u: number; v: number } | null): void;
  present(pose: CameraPose): void;
  stopPresenting(): void;
}

/** What it needs of the scene's 3D camera (`ViewerScene`). */
export interface PresenceCamera {
  readonly pose: CameraPose;
  setPose(pose: CameraPose): void;
  aspect3d(): number;
}

/** A 2D-view pixel this person hovers. */
export interface HoveredPixel {
  readonly entity: string;
  readonly u: number;
  readonly v: number;
}

/**
 * This page's presence, one `step` per animation frame (the frame loop's presence stage): the camera
 * glides towards whom it follows (a person, the presenter, or a note's viewpoint, which ends once
 * reached), the pose and the hovered pixel go out at `POSE_RATE_HZ`, and a presenter's camera is written
 * to the room at most every `PRESENTER_WRITE_MS` while it moves. No DOM, no timers, nothing to dispose
 * (React's own subscriptions come and go): tests drive it.
 */
/** What the presence bar shows of this page: whom it follows, whether it presents. */
export interface PresenceState {
  readonly tracking: Tracking | null;
  readonly presenting: boolean;
}

export class PresenceDriver {
  private state: PresenceState = { tracking: null, presenting: false };
  private lastPublish = 0;
  private lastPresenterWrite = 0;
  private presentedPose: CameraPose | undefined;
  private readonly listeners = new Set<() => void>();
  /** Where this person hovers on a 2D view; goes out with the next pose. */
  pointer: HoveredPixel | null = null;

  constructor(
    private readonly client: PresenceClient,
    private readonly camera: PresenceCamera,
  ) {}

  readonly subscribe = (listener: () => void): (() => void) => {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  };

  /** A new object whenever tracking or presenting changes (`useSyncExternalStore`). */
  readonly getState = (): PresenceState => this.state;

  getTracking(): Tracking | null {
    return this.state.tracking;
  }

  get isPresenting(): boolean {
    return this.state.presenting;
  }

  private setState(patch: Partial<PresenceState>): void {
    const next = { ...this.state, ...patch };
    if (next.tracking === this.state.tracking && next.presenting === this.state.presenting) return;
    this.state = next;
    for (const listener of this.listeners) listener();
  }

  private setTracking(tracking: Tracking | null): void {
    this.setState({ tracking });
  }

  /** Follow a person in the room (by awareness client id); nothing when they are not there. */
  follow(clientId: number): void {
    const peer = this.client.getSnapshot().peers.find((p) => p.clientId === clientId);
    if (peer) this.setTracking({ kind: "person", clientId, userId: peer.user.id, name: peer.user.name });
  }

  /** Glide to a viewpoint (a note's), then stop tracking. */
  glideTo(pose: CameraPose): void {
    this.setTracking({ kind: "viewpoint", pose });
  }

  /** One's own input: stop following. */
  stopFollowing(): void {
    this.setTracking(null);
  }

  setPresenting(on: boolean): void {
    this.setState({ presenting: on });
    if (on) {
      this.presentedPose = this.camera.pose;
      this.client.present(this.camera.pose);
    } else this.client.stopPresenting();
  }

  /** One animation frame at `now` (ms), `dt` ms after the last; returns whether the camera moved. */
  step(now: number, dt: number): boolean {
    let moved = false;
    const t = this.state.tracking;
    if (t) {
      const target = trackedPose(t, this.client.getSnapshot());
      if (target === undefined) this.setTracking(null);
      else if (target) {
        const next = smoothPose(this.camera.pose, target, dt);
        if (next !== this.camera.pose) {
          this.camera.setPose(next);
          moved = true;
        }
        if (t.kind === "viewpoint" && next === target) this.setTracking(null);
      }
    }
    if (now - this.lastPublish >= 1000 / POSE_RATE_HZ) {
      this.lastPublish = now;
      const pose = this.camera.pose;
      this.client.publishPose(pose, this.camera.aspect3d());
      const pointer = this.pointer;
      this.client.publishPointer(pointer ? { entityPath: pointer.entity, u: pointer.u, v: pointer.v } : null);
      if (
        this.state.presenting &&
        now - this.lastPresenterWrite >= PRESENTER_WRITE_MS &&
        (!this.presentedPose || poseDistance(this.presentedPose, pose) > 1e-4)
      ) {
        this.lastPresenterWrite = now;
        this.presentedPose = pose;
        this.client.present(pose);
      }
    }
    return moved;
  }
}

/** The pose to track now; null to wait; undefined when the tracked person left. */
export function trackedPose(
  t: Tracking,
  snapshot: Pick<CollabSnapshot, "peers" | "presenter">,
): CameraPose | null | undefined {
  if (t.kind === "viewpoint") return t.pose;
  const peer = snapshot.peers.find((p) => p.clientId === t.clientId);
  if (!peer) return undefined;
  if (peer.camera) return peer.camera;
  const presenter = snapshot.presenter;
  return presenter && presenter.userId === t.userId ? fromCollabPose(presenter.camera) : null;
}
