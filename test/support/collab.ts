import {
  type Annotation,
  type AnnotationGeometry,
  type AnnotationInput,
  type AnnotationKind,
  addAnnotation,
  addComment,
  type CameraPose,
  type CollabUser,
  deleteAnnotation,
  listAnnotations,
  updateAnnotation,
} from "@depthroom/schema";
import * as Y from "yjs";

/* Helpers for the collaboration tests: a seeded PRNG, a random annotation editor, state vectors. */

// The seeded PRNG is the schema's testing one (mulberry32), re-exported for the collaboration tests.
export { seededRandom } from "@depthroom/schema/testing";

export function collabUser(index: number): CollabUser {
  const colors = ["#e6194b", "#3cb44b", "#4363d8", "#f58231", "#911eb4", "#42d4f4"];
  return { id: `user-${index}`, name: `User ${index}`, color: colors[index % colors.length] as string };
}

const KINDS: readonly AnnotationKind[] = ["pin3d", "box2d", "point2d"];

function coordinate(random: () => number, scale: number): number {
  return Math.round((random() * 2 - 1) * scale * 1000) / 1000;
}

export function randomGeometry(random: () => number, kind: AnnotationKind): AnnotationGeometry {
  switch (kind) {
    case "pin3d":
      return {
        world: [coordinate(random, 5), coordinate(random, 5), coordinate(random, 5)],
        local: [coordinate(random, 1), coordinate(random, 1), coordinate(random, 1)],
      };
    case "box2d": {
      const u0 = Math.floor(random() * 600);
      const v0 = Math.floor(random() * 440);
      return { u0, v0, u1: u0 + 1 + Math.floor(random() * 40), v1: v0 + 1 + Math.floor(random() * 40) };
    }
    case "point2d":
      return { u: Math.floor(random() * 640), v: Math.floor(random() * 480) };
  }
}

export function randomPose(random: () => number): CameraPose {
  return {
    position: [coordinate(random, 3), coordinate(random, 3), coordinate(random, 3)],
    target: [0, 0, 1],
    up: [0, -1, 0],
    fov: 40 + Math.floor(random() * 40),
  };
}

export type EditKind = "add" | "text" | "resolved" | "geometry" | "comment" | "delete";

/** Counts of the edits a `RandomEditor` made (only those that changed the local doc). */
export type EditCounts = Record<EditKind, number>;

/**
 * One user editing annotations at random through the validated accessors: create, edit (text,
 * resolved, geometry), comment, delete; always on what its own doc shows at that moment.
 */
export class RandomEditor {
  readonly counts: EditCounts = { add: 0, text: 0, resolved: 0, geometry: 0, comment: 0, delete: 0 };
  readonly origin: object;
  #serial = 0;

  constructor(
    readonly doc: Y.Doc,
    readonly user: CollabUser,
    readonly random: () => number,
  ) {
    this.origin = { user: user.id };
  }

  /** One random edit; returns what it did. */
  step(): EditKind {
    const current = listAnnotations(this.doc);
    const roll = this.random();
    const target = current[Math.floor(this.random() * current.length)];
    if (!target || roll < 0.3) return this.#add();
    if (roll < 0.45) return this.#update(target, "text");
    if (roll < 0.55) return this.#update(target, "resolved");
    if (roll < 0.68) return this.#update(target, "geometry");
    if (roll < 0.85) {
      const id = addComment(
        this.doc,
        target.id,
        { author: this.user, text: `${this.user.name} says ${++this.#serial}` },
        this.origin,
      );
      if (id !== null) this.counts.comment++;
      return "comment";
    }
    if (deleteAnnotation(this.doc, target.id, this.origin)) this.counts.delete++;
    return "delete";
  }

  #add(): EditKind {
    const kind = KINDS[Math.floor(this.random() * KINDS.length)] as AnnotationKind;
    const input = {
      kind,
      entityPath: kind === "pin3d" ? "world/rig/cam0/depth" : "world/rig/cam0/color",
      geometry: randomGeometry(this.random, kind),
      time: this.random() < 0.5 ? null : { timeline: "frame", value: Math.floor(this.random() * 1000) },
      viewpoint: randomPose(this.random),
      text: `${this.user.name} note ${++this.#serial}`,
      author: this.user,
    } as AnnotationInput;
    addAnnotation(this.doc, input, this.origin);
    this.counts.add++;
    return "add";
  }

  #update(target: Annotation, field: "text" | "resolved" | "geometry"): EditKind {
    const patch =
      field === "text"
        ? { text: `${this.user.name} edit ${++this.#serial}` }
        : field === "resolved"
          ? { resolved: !target.resolved }
          : { geometry: randomGeometry(this.random, target.kind) };
    if (updateAnnotation(this.doc, target.id, patch, this.origin)) this.counts[field]++;
    return field;
  }
}

/** A doc's state vector as a map (client id -> next clock). */
export function stateVector(doc: Y.Doc): Map<number, number> {
  return Y.decodeStateVector(Y.encodeStateVector(doc));
}

/** A Y.Doc holding the given stored updates (as a store's `loadDoc` returns them). */
export function docFromUpdates(updates: readonly Uint8Array[]): Y.Doc {
  const doc = new Y.Doc();
  if (updates.length > 0) Y.applyUpdate(doc, Y.mergeUpdates([...updates]));
  return doc;
}
