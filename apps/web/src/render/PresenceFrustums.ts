import { Color3 } from "@babylonjs/core/Maths/math.color.js";
import { Vector3 } from "@babylonjs/core/Maths/math.vector.js";
import { CreateLineSystem } from "@babylonjs/core/Meshes/Builders/linesBuilder.js";
import type { LinesMesh } from "@babylonjs/core/Meshes/linesMesh.js";
import type { Scene } from "@babylonjs/core/scene.js";
import { DEFAULT_PEER_ASPECT, smoothPose } from "../collab/presence.ts";
import { add, type CameraPose, cross, normalize, scale, sub, type Vec3 } from "./cameraPose.ts";
import { LAYER_3D } from "./DepthVisual.ts";

/** Length of a peer's frustum from eye to image plane, metres. */
const FRUSTUM_DEPTH = 0.25;

interface Shown {
  mesh: LinesMesh;
  color: string;
  /** The pose drawn (smoothed) and the last pose received. */
  drawn: CameraPose;
  target: CameraPose;
  /** Width / height of the frustum: the peer's view aspect. */
  aspect: number;
}

/** What `setTargets` takes per peer; `aspect` is their view's width / height when they send it. */
export interface FrustumTarget {
  readonly id: number;
  readonly color: string;
  readonly pose: CameraPose;
  readonly aspect?: number | undefined;
}

/** The line strips of a small camera frustum at `pose` with `aspect` (width / height), in world coordinates. */
export function poseFrustumLines(
  pose: CameraPose,
  aspect = DEFAULT_PEER_ASPECT,
  depth = FRUSTUM_DEPTH,
): Vec3[][] {
  const forward = normalize(sub(pose.target, pose.eye));
  const right = normalize(cross(forward, pose.up));
  const up = cross(right, forward);
  const h = depth * Math.tan(pose.fovY / 2);
  const w = h * aspect;
  const centre = add(pose.eye, scale(forward, depth));
  const corner = (sx: number, sy: number) => add(centre, add(scale(right, sx * w), scale(up, sy * h)));
  const tl = corner(-1, 1);
  const tr = corner(1, 1);
  const br = corner(1, -1);
  const bl = corner(-1, -1);
  const o = pose.eye;
  const tip = add(centre, scale(up, h * 1.5));
  return [
    [o, tl],
    [o, tr],
    [o, br],
    [o, bl],
    [tl, tr, br, bl, tl],
    [corner(-0.4, 1), tip, corner(0.4, 1)],
  ];
}

const toVectors = (lines: Vec3[][]) => lines.map((strip) => strip.map((p) => new Vector3(p[0], p[1], p[2])));

/**
 * Other people's cameras as small coloured frustums in the 3D view. `setTargets` takes the poses from
 * awareness (about 12 Hz); `step` (every animation frame) moves each drawn frustum smoothly towards
 * its target and says whether anything moved, so the scene redraws only then.
 */
export class PresenceFrustums {
  private readonly shown = new Map<number, Shown>();

  constructor(private readonly scene: Scene) {}

  setTargets(targets: readonly FrustumTarget[]): void {
    const seen = new Set<number>();
    for (const target of targets) {
      const { id, color, pose } = target;
      const aspect = validAspect(target.aspect);
      seen.add(id);
      const existing = this.shown.get(id);
      if (existing) {
        existing.target = pose;
        if (existing.aspect !== aspect) {
          existing.aspect = aspect;
          // Redraw on the next step even if the pose has settled.
          existing.drawn = { ...existing.drawn };
        }
        if (existing.color !== color) {
          existing.color = color;
          existing.mesh.color = Color3.FromHexString(color);
        }
        continue;
      }
      const mesh = CreateLineSystem(
        `presence#${id}`,
        { lines: toVectors(poseFrustumLines(pose, aspect)), updatable: true },
        this.scene,
      );
      mesh.color = Color3.FromHexString(color);
      mesh.layerMask = LAYER_3D;
      mesh.isPickable = false;
      mesh.alwaysSelectAsActiveMesh = true;
      this.shown.set(id, { mesh, color, drawn: pose, target: pose, aspect });
    }
    for (const [id, shown] of this.shown) {
      if (seen.has(id)) continue;
      shown.mesh.dispose();
      this.shown.delete(id);
    }
  }

  /** Advance the smoothing by `dtMs`; true when a frustum moved (or appeared/disappeared). */
  step(dtMs: number): boolean {
    let moved = false;
    for (const shown of this.shown.values()) {
      if (shown.drawn === shown.target) continue;
      shown.drawn = smoothPose(shown.drawn, shown.target, dtMs);
      CreateLineSystem(shown.mesh.name, {
        lines: toVectors(poseFrustumLines(shown.drawn, shown.aspect)),
        instance: shown.mesh,
      });
      moved = true;
    }
    return moved;
  }

  /** The poses (and aspects) drawn now, by awareness client id (tests read them). */
  drawnPoses(): { id: number; color: string; pose: CameraPose; aspect: number }[] {
    return [...this.shown].map(([id, s]) => ({ id, color: s.color, pose: s.drawn, aspect: s.aspect }));
  }

  dispose(): void {
    for (const shown of this.shown.values()) shown.mesh.dispose();
    this.shown.clear();
  }
}

/** A peer's aspect if it is a sane number (awareness validated it; this guards direct callers), else 4:3. */
function validAspect(aspect: number | undefined): number {
  return aspect !== undefined && Number.isFinite(aspect) && aspect >= 0.1 && aspect <= 10
    ? aspect
    : DEFAULT_PEER_ASPECT;
}
