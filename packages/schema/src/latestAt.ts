import type { ArchetypeKind } from "./message.ts";

/*
 * Latest-at, the query every view of a session answers (Rerun's): the latest message of each entity's
 * archetype at or before a time. The relay's live cache, the recording reader and the web's review cache
 * keep one message per `entityArchetypeKey`, choose between two candidates with `replacesLatest`, and
 * hand their answer out in `compareLatestAt` order. These rules live here only.
 */

/**
 * What a latest-at store keeps one message of: an entity's archetype (`world/cam#Pinhole`). One entity
 * path may hold several archetypes (a camera's Transform3D and its Pinhole). Entity paths cannot hold
 * `#`, so the key is unambiguous.
 */
export function entityArchetypeKey(entityPath: string, kind: ArchetypeKind): string {
  return `${entityPath}#${kind}`;
}

/** What the latest-at rules look at in a message. */
export interface LatestAtCandidate {
  readonly entityPath: string;
  readonly kind: ArchetypeKind;
  /** Static messages belong to all times. */
  readonly static: boolean;
}

/**
 * Whether `next` takes the place of `current` (same key) in a latest-at answer: static data shadows
 * temporal data (as in Rerun), otherwise the later time wins, and of two at the same time the one read
 * later (file or arrival order).
 */
export function replacesLatest(
  current: { readonly static: boolean; readonly timeNs: bigint },
  next: { readonly static: boolean; readonly timeNs: bigint },
): boolean {
  if (current.static !== next.static) return next.static;
  return next.timeNs >= current.timeNs;
}

/** Transforms, then cameras, then what they place (images): what a viewer needs before what uses it. */
const KIND_ORDER: Readonly<Partial<Record<string, number>>> = { Transform3D: 0, Pinhole: 1 };

/**
 * The order of a latest-at answer (what a viewer who joins receives first): static before temporal (it
 * holds for all times), parents before children (a rig's transform before its camera's image), on one
 * path transforms and pinholes before images, then by path and kind so the order never depends on
 * arrival. A sort comparator.
 */
export function compareLatestAt(a: LatestAtCandidate, b: LatestAtCandidate): number {
  if (a.static !== b.static) return a.static ? -1 : 1;
  const depth = pathDepth(a.entityPath) - pathDepth(b.entityPath);
  if (depth !== 0) return depth;
  if (a.entityPath !== b.entityPath) return a.entityPath < b.entityPath ? -1 : 1;
  const kind = (KIND_ORDER[a.kind] ?? 2) - (KIND_ORDER[b.kind] ?? 2);
  if (kind !== 0) return kind;
  return a.kind < b.kind ? -1 : a.kind > b.kind ? 1 : 0;
}

function pathDepth(entityPath: string): number {
  let n = 0;
  for (let i = 0; i < entityPath.length; i++) if (entityPath.charCodeAt(i) === 47 /* / */) n++;
  return n;
}
