import { Color3 } from "@babylonjs/core/Maths/math.color.js";
import { Vector3 } from "@babylonjs/core/Maths/math.vector.js";
import { CreateLineSystem } from "@babylonjs/core/Meshes/Builders/linesBuilder.js";
import type { LinesMesh } from "@babylonjs/core/Meshes/linesMesh.js";
import type { Scene } from "@babylonjs/core/scene.js";
import { smoothPose } from "../collab/presence.ts";
import { add, type CameraPose, cross, normalize, scale, sub, type Vec3 } from "./cameraPose.ts";
import { LAYER_3D } from "./DepthVisual.ts";

/** Length of a peer's frustum from eye to image plane, metres. */
const FRUSTUM_DEPTH = 0.25;
const ASPECT = 4 / 3;

interface Shown {
  mesh: LinesMesh;
  color: string;
  /** The pose drawn (smoothed) and the last pose received. */
  drawn: CameraPose;
  target: CameraPose;
}

/** The line strips of a small camera frustum at `pose`, in world coordinates. */
export function poseFrustumLines(pose: CameraPose, depth = FRUSTUM_DEPTH): Vec3[][] {
  const forward = normalize(sub(pose.target, pose.eye));
  const right = normalize(cross(forward, pose.up));
  const up = cross(right, forward);
  const h = depth * Math.tan(pose.fovY / 2);
  const w = h * ASPECT;
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

  setTargets(targets: readonly { id: number; color: string; pose: CameraPose }[]): void {
    const seen = new Set<number>();
    for (const { id, color, pose } of targets) {
      seen.add(id);
      const existing = this.shown.get(id);
      if (existing) {
        existing.target = pose;
        if (existing.color !== color) {
          existing.color = color;
          existing.mesh.color = Color3.FromHexString(color);
        }
        continue;
      }
      const mesh = CreateLineSystem(
        `presence#${id}`,
        { lines: toVectors(poseFrustumLines(pose)), updatable: true },
        this.scene,
      );
      mesh.color = Color3.FromHexString(color);
      mesh.layerMask = LAYER_3D;
      mesh.isPickable = false;
      mesh.alwaysSelectAsActiveMesh = true;
      this.shown.set(id, { mesh, color, drawn: pose, target: pose });
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
        lines: toVectors(poseFrustumLines(shown.drawn)),
        instance: shown.mesh,
      });
      moved = true;
    }
    return moved;
  }

  /** The poses drawn now, by awareness client id (tests read them). */
  drawnPoses(): { id: number; color: string; pose: CameraPose }[] {
    return [...this.shown].map(([id, s]) => ({ id, color: s.color, pose: s.drawn }));
  }

  dispose(): void {
    for (const shown of this.shown.values()) shown.mesh.dispose();
    this.shown.clear();
  }
}
