// Shared by the collab tests only; not exported from the package.
import * as Y from "yjs";
import type { AnnotationInput } from "./annotation.ts";
import type { CameraPose, CollabUser } from "./primitives.ts";
import { CollabValidationError } from "./validation.ts";

export const alice: CollabUser = { id: "user-alice", name: "Alice", color: "#e6194b" };
export const bob: CollabUser = { id: "user-bob", name: "Bob", color: "#3CB44B" };

export const pose: CameraPose = { position: [1, 2, 3], target: [0, 0, 0], up: [0, 1, 0], fov: 60 };

export const pinInput = {
  kind: "pin3d",
  entityPath: "world/rig/cam0/depth",
  time: { timeline: "log_time", value: 1_700_000_000_123_456_800 },
  geometry: { world: [1, 2, 3], local: [0.1, 0.2, 0.3] },
  viewpoint: pose,
  text: "what is this?",
  author: alice,
  createdAt: 1_000,
} satisfies AnnotationInput;

export const boxInput = {
  kind: "box2d",
  entityPath: "world/rig/cam0/color",
  time: { timeline: "frame", value: 42 },
  geometry: { u0: 10, v0: 20, u1: 110, v1: 220 },
  author: bob,
  createdAt: 2_000,
} satisfies AnnotationInput;

export const pointInput = {
  kind: "point2d",
  entityPath: "world/rig/cam0/depth",
  geometry: { u: 320, v: 240 },
  author: alice,
  createdAt: 3_000,
} satisfies AnnotationInput;

/** Sends each doc what the other lacks, both ways. */
export function sync(a: Y.Doc, b: Y.Doc): void {
  const toB = Y.encodeStateAsUpdate(a, Y.encodeStateVector(b));
  const toA = Y.encodeStateAsUpdate(b, Y.encodeStateVector(a));
  Y.applyUpdate(b, toB, "remote");
  Y.applyUpdate(a, toA, "remote");
}

/** The CollabValidationError that `run` throws; fails the test if it throws nothing or something else. */
export function thrown(run: () => unknown): CollabValidationError {
  try {
    run();
  } catch (error) {
    if (error instanceof CollabValidationError) return error;
    throw error;
  }
  throw new Error("expected a CollabValidationError");
}
