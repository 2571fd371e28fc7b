import { describe, expect, it } from "vitest";
import * as Y from "yjs";
import type { AnnotationInput } from "./annotation.ts";
import {
  addAnnotation,
  addComment,
  createAnnotationUndoManager,
  deleteAnnotation,
  getAnnotation,
  listAnnotations,
  observeAnnotations,
  updateAnnotation,
} from "./annotationDoc.ts";
import { alice, bob, boxInput, pinInput, pointInput, pose, sync, thrown } from "./testFixtures.ts";

describe("annotation round trip", () => {
  it("stores and reads back each kind, also on a peer", () => {
    const doc = new Y.Doc();
    const pin = addAnnotation(doc, pinInput);
    const box = addAnnotation(doc, boxInput);
    const point = addAnnotation(doc, pointInput);

    const expectedPin = { ...pinInput, id: pin, resolved: false, thread: [] };
    const expectedBox = { ...boxInput, id: box, viewpoint: null, text: "", resolved: false, thread: [] };
    const expectedPoint = {
      ...pointInput,
      id: point,
      time: null,
      viewpoint: null,
      text: "",
      resolved: false,
      thread: [],
    };
    expect(getAnnotation(doc, pin)).toEqual(expectedPin);
    expect(getAnnotation(doc, box)).toEqual(expectedBox);
    expect(getAnnotation(doc, point)).toEqual(expectedPoint);

    const peer = new Y.Doc();
    Y.applyUpdate(peer, Y.encodeStateAsUpdate(doc));
    expect(listAnnotations(peer)).toEqual([expectedPin, expectedBox, expectedPoint]);
  });

  it("fills in createdAt and normalizes the entity path", () => {
    const doc = new Y.Doc();
    const before = Date.now();
    const { createdAt: _, ...input } = pointInput;
    const id = addAnnotation(doc, { ...input, entityPath: "/world/cam" } as AnnotationInput);
    const read = getAnnotation(doc, id);
    expect(read?.entityPath).toBe("world/cam");
    expect(read?.createdAt).toBeGreaterThanOrEqual(before);
    expect(read?.createdAt).toBeLessThanOrEqual(Date.now());
  });

  it("lists oldest first, ties broken by id", () => {
    const doc = new Y.Doc();
    const late = addAnnotation(doc, { ...pointInput, createdAt: 9 });
    const a = addAnnotation(doc, { ...pointInput, createdAt: 5 });
    const b = addAnnotation(doc, { ...pointInput, createdAt: 5 });
    const [first, second] = a < b ? [a, b] : [b, a];
    expect(listAnnotations(doc).map((x) => x.id)).toEqual([first, second, late]);
  });

  it("returns null for an unknown id", () => {
    expect(getAnnotation(new Y.Doc(), "nope")).toBeNull();
  });
});

describe("local validation", () => {
  const cases: [string, AnnotationInput, string][] = [
    [
      "NaN coordinate",
      { ...pinInput, geometry: { world: [1, Number.NaN, 3], local: [0, 0, 0] } },
      "geometry.world.1",
    ],
    ["Infinity pixel", { ...pointInput, geometry: { u: Number.POSITIVE_INFINITY, v: 0 } }, "geometry.u"],
    [
      "geometry of another kind",
      { ...boxInput, geometry: { u: 1, v: 2 } } as unknown as AnnotationInput,
      "geometry.u0",
    ],
    ["reversed box", { ...boxInput, geometry: { u0: 10, v0: 0, u1: 5, v1: 1 } }, "geometry.u1"],
    ["unknown kind", { ...pointInput, kind: "circle" } as unknown as AnnotationInput, "kind"],
    ["bad entity path", { ...pointInput, entityPath: "world//cam" }, "entityPath"],
    ["text too long", { ...pointInput, text: "x".repeat(4001) }, "text"],
    ["bad colour", { ...pointInput, author: { ...alice, color: "red" } }, "author.color"],
    ["bad timeline time", { ...pointInput, time: { timeline: "frame", value: Number.NaN } }, "time.value"],
    ["bad fov", { ...pinInput, viewpoint: { ...pose, fov: 0 } }, "viewpoint.fov"],
  ];
  it.each(cases)("rejects %s, naming the field", (_, input, field) => {
    const doc = new Y.Doc();
    const error = thrown(() => addAnnotation(doc, input));
    expect(error.record).toBe("annotation");
    expect(error.field).toBe(field);
    expect(error.message).toContain(field);
    expect(doc.getMap("annotations").size).toBe(0);
  });
});

describe("updateAnnotation", () => {
  it("changes text, resolved and geometry, leaving the rest", () => {
    const doc = new Y.Doc();
    const id = addAnnotation(doc, boxInput);
    expect(
      updateAnnotation(doc, id, { text: "a car", resolved: true, geometry: { u0: 0, v0: 0, u1: 1, v1: 1 } }),
    ).toBe(true);
    expect(getAnnotation(doc, id)).toMatchObject({
      kind: "box2d",
      text: "a car",
      resolved: true,
      geometry: { u0: 0, v0: 0, u1: 1, v1: 1 },
      author: bob,
    });
  });

  it("rejects geometry of another kind and writes nothing", () => {
    const doc = new Y.Doc();
    const id = addAnnotation(doc, pointInput);
    const error = thrown(() =>
      updateAnnotation(doc, id, { text: "moved", geometry: { u0: 0, v0: 0, u1: 1, v1: 1 } }),
    );
    expect(error.field).toBe("geometry.u");
    expect(getAnnotation(doc, id)?.text).toBe("");
  });

  it("returns false for a missing annotation", () => {
    expect(updateAnnotation(new Y.Doc(), "gone", { text: "x" })).toBe(false);
  });
});

describe("deleteAnnotation and addComment", () => {
  it("deletes", () => {
    const doc = new Y.Doc();
    const id = addAnnotation(doc, pinInput);
    expect(deleteAnnotation(doc, id)).toBe(true);
    expect(getAnnotation(doc, id)).toBeNull();
    expect(deleteAnnotation(doc, id)).toBe(false);
  });

  it("appends comments in order", () => {
    const doc = new Y.Doc();
    const id = addAnnotation(doc, pinInput);
    const c1 = addComment(doc, id, { author: bob, text: "a forklift", createdAt: 5 });
    const c2 = addComment(doc, id, { author: alice, text: "thanks" });
    expect(getAnnotation(doc, id)?.thread).toEqual([
      { id: c1, author: bob, text: "a forklift", createdAt: 5 },
      { id: c2, author: alice, text: "thanks", createdAt: expect.any(Number) },
    ]);
  });

  it("rejects a bad comment and ignores a missing annotation", () => {
    const doc = new Y.Doc();
    const id = addAnnotation(doc, pinInput);
    expect(thrown(() => addComment(doc, id, { author: bob, text: "" })).field).toBe("text");
    expect(thrown(() => addComment(doc, "gone", { author: { ...bob, id: "" }, text: "x" })).field).toBe(
      "author.id",
    );
    expect(addComment(doc, "gone", { author: bob, text: "hello" })).toBeNull();
  });
});

describe("observeAnnotations", () => {
  it("reports added, updated and deleted ids with origin and locality, until unsubscribed", () => {
    const doc = new Y.Doc();
    const changes: unknown[] = [];
    const unsubscribe = observeAnnotations(doc, (change) => changes.push(change));
    const id = addAnnotation(doc, pinInput, "me");
    updateAnnotation(doc, id, { resolved: true }, "me");
    addComment(doc, id, { author: bob, text: "hi" }, "me");

    const peer = new Y.Doc();
    Y.applyUpdate(peer, Y.encodeStateAsUpdate(doc));
    deleteAnnotation(peer, id);
    Y.applyUpdate(doc, Y.encodeStateAsUpdate(peer), "provider");

    unsubscribe();
    addAnnotation(doc, pointInput);
    expect(changes).toEqual([
      { added: [id], updated: [], deleted: [], origin: "me", local: true },
      { added: [], updated: [id], deleted: [], origin: "me", local: true },
      { added: [], updated: [id], deleted: [], origin: "me", local: true },
      { added: [], updated: [], deleted: [id], origin: "provider", local: false },
    ]);
  });
});

describe("createAnnotationUndoManager", () => {
  it("restores a deleted annotation with its thread, on peers too", () => {
    const doc = new Y.Doc();
    const peer = new Y.Doc();
    const origin = { user: "alice" };
    const undo = createAnnotationUndoManager(doc, origin);
    const id = addAnnotation(doc, pinInput, origin);
    addComment(doc, id, { author: bob, text: "keep me" }, origin);
    const before = getAnnotation(doc, id);
    undo.stopCapturing();

    deleteAnnotation(doc, id, origin);
    sync(doc, peer);
    expect(getAnnotation(peer, id)).toBeNull();

    undo.undo();
    expect(getAnnotation(doc, id)).toEqual(before);
    sync(doc, peer);
    expect(getAnnotation(peer, id)).toEqual(before);
  });

  it("tracks only its own origin", () => {
    const doc = new Y.Doc();
    const mine = { user: "alice" };
    const undo = createAnnotationUndoManager(doc, mine);
    const theirs = addAnnotation(doc, boxInput, { user: "bob" });
    const own = addAnnotation(doc, pointInput, mine);
    undo.undo();
    expect(getAnnotation(doc, own)).toBeNull();
    expect(getAnnotation(doc, theirs)).not.toBeNull();
    undo.redo();
    expect(getAnnotation(doc, own)).not.toBeNull();
  });

  it("refuses a null origin", () => {
    expect(() => createAnnotationUndoManager(new Y.Doc(), null)).toThrow(TypeError);
  });
});
