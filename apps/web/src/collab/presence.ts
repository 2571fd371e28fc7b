/*
 * Presence as data: the viewer's camera in the collab layout's units, peers read (and validated) from
 * awareness, and the smoothing that turns 12 Hz pose updates into a steady motion on the receiving side.
 */
import {
  type AwarenessState,
  type CameraPose as CollabCameraPose,
  type CollabUser,
  parseAwarenessState,
} from "@depthroom/schema";
import type { CameraPose, Vec3 } from "../render/cameraPose.ts";

/** How often a person's camera goes out through awareness (Hz). */
export const POSE_RATE_HZ = 12;

const DEG = 180 / Math.PI;

/** Aspect (width / height) of a frustum whose sender did not say: the 4:3 of most depth cameras. */
export const DEFAULT_PEER_ASPECT = 4 / 3;

/** The viewer's pose (fov in radians) as the collab layout's `CameraPose` (fov in degrees). */
export function toCollabPose(pose: CameraPose): CollabCameraPose {
  return {
    position: [pose.eye[0], pose.eye[1], pose.eye[2]],
    target: [pose.target[0], pose.target[1], pose.target[2]],
    up: [pose.up[0], pose.up[1], pose.up[2]],
    fov: Math.min(179, Math.max(1, pose.fovY * DEG)),
  };
}

/**
 * This person's camera for awareness: the pose and the aspect (width / height) of the 3D view it
 * draws, clamped to what the schema accepts ([0.1, 10]); a non-finite aspect is left out.
 */
export function toAwarenessCamera(pose: CameraPose, aspect?: number): NonNullable<AwarenessState["camera"]> {
  const collab = toCollabPose(pose);
  return aspect !== undefined && Number.isFinite(aspect) && aspect > 0
    ? { ...collab, aspect: Math.min(10, Math.max(0.1, aspect)) }
    : collab;
}

export function fromCollabPose(pose: CollabCameraPose): CameraPose {
  return { eye: pose.position, target: pose.target, up: pose.up, fovY: pose.fov / DEG };
}

export interface Peer {
  readonly clientId: number;
  readonly user: CollabUser;
  readonly camera: CameraPose | null;
  /** The aspect (width / height) of their 3D view, when they send it. */
  readonly aspect: number | undefined;
  /** Where they hover on a 2D view, in image pixels. */
  readonly pointer: { readonly entityPath: string; readonly u: number; readonly v: number } | null;
  readonly presenting: boolean;
}

/** Every valid peer state but our own, by client id order; invalid states are skipped. */
export function peersFromStates(states: ReadonlyMap<number, unknown>, ownClientId: number): Peer[] {
  const peers: Peer[] = [];
  for (const [clientId, raw] of states) {
    if (clientId === ownClientId) continue;
    const state = parseAwarenessState(raw);
    if (!state) continue;
    peers.push({
      clientId,
      user: state.user,
      camera: state.camera ? fromCollabPose(state.camera) : null,
      aspect: state.camera?.aspect,
      pointer: state.pointer,
      presenting: state.presenting === true,
    });
  }
  return peers.sort((a, b) => a.clientId - b.clientId);
}

const lerp3 = (a: Vec3, b: Vec3, t: number): Vec3 => [
  a[0] + (b[0] - a[0]) * t,
  a[1] + (b[1] - a[1]) * t,
  a[2] + (b[2] - a[2]) * t,
];

/**
 * One step of exponential smoothing from `current` towards `target` over `dtMs`, with time constant
 * `tauMs` (frame-rate independent). Returns the target itself once it is within `epsilon` everywhere.
 */
export function smoothPose(
  current: CameraPose,
  target: CameraPose,
  dtMs: number,
  tauMs = 90,
  epsilon = 1e-4,
): CameraPose {
  const t = 1 - Math.exp(-Math.max(0, dtMs) / tauMs);
  const next: CameraPose = {
    eye: lerp3(current.eye, target.eye, t),
    target: lerp3(current.target, target.target, t),
    up: lerp3(current.up, target.up, t),
    fovY: current.fovY + (target.fovY - current.fovY) * t,
  };
  return poseDistance(next, target) < epsilon ? target : next;
}

/** The largest difference between two poses' numbers (eye, target, up, fov). */
export function poseDistance(a: CameraPose, b: CameraPose): number {
  let d = Math.abs(a.fovY - b.fovY);
  for (let i = 0; i < 3; i++) {
    d = Math.max(
      d,
      Math.abs((a.eye[i] as number) - (b.eye[i] as number)),
      Math.abs((a.target[i] as number) - (b.target[i] as number)),
      Math.abs((a.up[i] as number) - (b.up[i] as number)),
    );
  }
  return d;
}
