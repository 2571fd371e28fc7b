// ROS frame ids as the session's entity tree. Each frame is an entity under its parent frame's entity,
// below `world`: with /tf_static saying base_link -> camera_link -> camera_depth_optical_frame, a depth
// image in camera_depth_optical_frame lands at world/base_link/camera_link/camera_depth_optical_frame/...
// and the Transform3D of each frame (parent from child, as tf2's) sits on its own entity. A frame no
// transform has named yet sits directly under `world`.

import type { FrameTransform } from "./messages.ts";

export const WORLD = "world";
/** Deeper chains are cut (a cycle or a hostile tree); also the bound on frames kept. */
const MAX_DEPTH = 64;
export const MAX_FRAMES = 4096;
/** Longer frame ids are refused (they would be kept as map keys). */
export const MAX_FRAME_ID_LENGTH = 256;

/** A frame id as one entity path segment: ROS 1 style leading `/` dropped, other characters made `_`. */
export function frameSegment(frameId: string): string {
  const trimmed = frameId.replace(/^\/+/, "").slice(0, 128);
  const segment = trimmed.replace(/[^A-Za-z0-9_.-]/g, "_");
  return segment === "" || segment === "." || segment === ".." ? "_" : segment;
}

export interface PlacedTransform {
  readonly entityPath: string;
  readonly transform: FrameTransform;
  readonly static: boolean;
}

export class FrameTree {
  private readonly parents = new Map<string, string>();
  private readonly latest = new Map<string, { transform: FrameTransform; static: boolean }>();

  /** The entity path of a frame, from the tree as known now. */
  entityPath(frameId: string): string {
    const chain: string[] = [];
    const seen = new Set<string>();
    for (
      let f: string | undefined = frameId;
      f !== undefined && chain.length < MAX_DEPTH;
      f = this.parents.get(f)
    ) {
      if (seen.has(f)) break;
      seen.add(f);
      chain.push(frameSegment(f));
    }
    return `${WORLD}/${chain.reverse().join("/")}`;
  }

  /**
   * Take transforms; returns what to log: each transform at its child frame's entity, and, when a frame
   * changed parent, the latest transform of every frame whose entity path moved with it. A transform
   * that would close a cycle, name a frame id longer than MAX_FRAME_ID_LENGTH or add a frame past
   * MAX_FRAMES is refused (returned in `refused`). `moved`: the frames whose entity path
   * changed (so what else sits on them, a Pinhole, can follow).
   */
  apply(
    transforms: readonly FrameTransform[],
    isStatic: boolean,
  ): { placed: PlacedTransform[]; refused: FrameTransform[]; moved: string[] } {
    const placed: PlacedTransform[] = [];
    const refused: FrameTransform[] = [];
    const movedFrames: string[] = [];
    for (const t of transforms) {
      const known = this.parents.get(t.child);
      const tooLong = t.parent.length > MAX_FRAME_ID_LENGTH || t.child.length > MAX_FRAME_ID_LENGTH;
      if (tooLong || t.parent === t.child || this.isAncestor(t.child, t.parent)) {
        refused.push(t);
        continue;
      }
      if (known === undefined && this.parents.size >= MAX_FRAMES) {
        refused.push(t);
        continue;
      }
      let moved: string[] = [];
      if (known !== t.parent) {
        const before = this.subtree(t.child).map((f) => [f, this.entityPath(f)] as const);
        this.parents.set(t.child, t.parent);
        const changed = before.filter(([f, path]) => this.entityPath(f) !== path).map(([f]) => f);
        movedFrames.push(...changed);
        moved = changed.filter((f) => f !== t.child);
      }
      this.latest.set(t.child, { transform: t, static: isStatic });
      placed.push({ entityPath: this.entityPath(t.child), transform: t, static: isStatic });
      for (const f of moved) {
        const last = this.latest.get(f);
        if (last)
          placed.push({ entityPath: this.entityPath(f), transform: last.transform, static: last.static });
      }
    }
    return { placed, refused, moved: movedFrames };
  }

  /** Is `ancestor` on the parent chain of `frame` (or the frame itself)? */
  private isAncestor(ancestor: string, frame: string): boolean {
    let f: string | undefined = frame;
    for (let i = 0; f !== undefined && i <= MAX_DEPTH; i++, f = this.parents.get(f)) {
      if (f === ancestor) return true;
    }
    return false;
  }

  /** `frame` and every frame below it. */
  private subtree(frame: string): string[] {
    const out = [frame];
    for (const [child] of this.parents) {
      if (child !== frame && this.isAncestor(frame, child)) out.push(child);
    }
    return out;
  }

  get frameCount(): number {
    return this.parents.size;
  }
}
