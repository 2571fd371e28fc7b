// A misbehaving peer writes straight into the Y.Maps, bypassing the accessors. After syncing, the
// readers skip what is invalid, keep what is valid, and never throw.
import { describe, expect, it } from "vitest";
import * as Y from "yjs";
import {
  addAnnotation,
  addComment,
  deleteAnnotation,
  getAnnotation,
  listAnnotations,
  observeAnnotations,
  updateAnnotation,
} from "./annotationDoc.ts";
import { getMeta, META_DEFAULTS, setMeta } from "./meta.ts";
import { getPlayback, type PlaybackState, setPlayback } from "./playback.ts";
import { getPresenter } from "./presenter.ts";
import { alice, bob, pinInput, pose, sync } from "./testFixtures.ts";

const MEGABYTE = "x".repeat(1 << 20);

/** A raw annotation map as an honest writer would make it, with `changes` applied (undefined deletes). */
function rawAnnotation(id: string, changes: Record<string, unknown> = {}): Y.Map<unknown> {
  const fields: Record<string, unknown> = {
    v: 1,
    id,
    kind: "pin3d",
    entityPath: "world/cam",
    time: null,
    geometry: { world: [1, 2, 3], local: [0, 0, 0] },
    viewpoint: null,
    text: "",
    author: alice,
    createdAt: 1,
    resolved: false,
    thread: new Y.Array<unknown>(),
    ...changes,
  };
  const map = new Y.Map<unknown>();
  for (const [key, value] of Object.entries(fields)) if (value !== undefined) map.set(key, value);
  return map;
}

/** Fresh each time: a Y type can be integrated into one doc only. */
const garbageAnnotations = (): [string, unknown][] => [
  ["a-string", "garbage"],
  ["a-number", 42],
  ["a-null", null],
  ["a-plain-object", { v: 1, id: "a-plain-object", kind: "point2d" }],
  ["a-y-array", Y.Array.from([1, 2, 3])],
  ["a-y-text", new Y.Text("hello")],
  [
    "nan-coordinate",
    rawAnnotation("nan-coordinate", { geometry: { world: [1, Number.NaN, 3], local: [0, 0, 0] } }),
  ],
  [
    "infinite-pixel",
    rawAnnotation("infinite-pixel", { kind: "point2d", geometry: { u: Number.POSITIVE_INFINITY, v: 0 } }),
  ],
  [
    "string-coordinates",
    rawAnnotation("string-coordinates", { geometry: { world: ["1", "2", "3"], local: [0, 0, 0] } }),
  ],
  ["missing-kind", rawAnnotation("missing-kind", { kind: undefined })],
  ["missing-author", rawAnnotation("missing-author", { author: undefined })],
  ["missing-version", rawAnnotation("missing-version", { v: undefined })],
  ["future-version", rawAnnotation("future-version", { v: 2 })],
  ["megabyte-text", rawAnnotation("megabyte-text", { text: MEGABYTE })],
  ["megabyte-path", rawAnnotation("megabyte-path", { entityPath: MEGABYTE })],
  ["bad-path", rawAnnotation("bad-path", { entityPath: "world/../ cam" })],
  ["kind-mismatch", rawAnnotation("kind-mismatch", { kind: "box2d" })],
  ["unknown-kind", rawAnnotation("unknown-kind", { kind: "sphere" })],
  [
    "reversed-box",
    rawAnnotation("reversed-box", { kind: "box2d", geometry: { u0: 9, v0: 0, u1: 1, v1: 1 } }),
  ],
  ["id-mismatch", rawAnnotation("someone-else")],
  ["thread-not-array", rawAnnotation("thread-not-array", { thread: "[]" })],
  ["thread-plain-array", rawAnnotation("thread-plain-array", { thread: [] })],
  ["geometry-as-y-map", rawAnnotation("geometry-as-y-map", { geometry: new Y.Map() })],
  ["resolved-string", rawAnnotation("resolved-string", { resolved: "yes" })],
  ["nan-created", rawAnnotation("nan-created", { createdAt: Number.NaN })],
  ["bad-colour", rawAnnotation("bad-colour", { author: { ...alice, color: "javascript:alert(1)" } })],
  [
    "bad-viewpoint",
    rawAnnotation("bad-viewpoint", { viewpoint: { ...pose, fov: Number.NEGATIVE_INFINITY } }),
  ],
  ["bad-time", rawAnnotation("bad-time", { time: { timeline: "", value: 1 } })],
  ["binary", new Uint8Array(16)],
];

function hostileDoc(): Y.Doc {
  const evil = new Y.Doc();
  evil.transact(() => {
    const annotations = evil.getMap<unknown>("annotations");
    for (const [key, value] of garbageAnnotations()) annotations.set(key, value);

    // A valid annotation whose thread holds garbage next to one good comment.
    const thread = new Y.Array<unknown>();
    annotations.set("valid-with-bad-comments", rawAnnotation("valid-with-bad-comments", { thread }));
    thread.push([
      "not a comment",
      null,
      { id: "c1", author: bob, text: MEGABYTE, createdAt: 1 },
      { id: "c2", author: bob, text: "", createdAt: 1 },
      { id: "c3", author: bob, text: "nan", createdAt: Number.NaN },
      { id: "c4", author: { name: "no id", color: "#000000" }, text: "x", createdAt: 1 },
      { id: "good", author: bob, text: "fine", createdAt: 2 },
    ]);

    const meta = evil.getMap<unknown>("meta");
    meta.set("title", MEGABYTE);
    meta.set("createdAt", Number.NaN);

    evil.getMap<unknown>("playback").set("state", {
      v: 1,
      source: { kind: "recording", recordingId: "r" },
      playing: true,
      anchorMediaTime: Number.NaN,
      anchorWallTime: 0,
      rate: 1,
      by: "evil",
    });
    evil.getMap<unknown>("presenter").set("state", new Y.Map());
  });
  return evil;
}

describe("data from a hostile peer", () => {
  it("is skipped by every reader, which never throws", () => {
    const doc = new Y.Doc();
    const honest = addAnnotation(doc, pinInput);
    const changes: string[][] = [];
    observeAnnotations(doc, (change) => changes.push(change.added));

    sync(doc, hostileDoc());

    expect(doc.getMap("annotations").size).toBe(garbageAnnotations().length + 2);
    for (const [key] of garbageAnnotations()) expect(getAnnotation(doc, key), key).toBeNull();
    expect(listAnnotations(doc).map((a) => a.id)).toEqual(["valid-with-bad-comments", honest]);
    expect(getAnnotation(doc, "valid-with-bad-comments")?.thread).toEqual([
      { id: "good", author: bob, text: "fine", createdAt: 2 },
    ]);
    expect(getMeta(doc)).toEqual(META_DEFAULTS);
    expect(getPlayback(doc)).toBeNull();
    expect(getPresenter(doc)).toBeNull();
    expect(changes).toHaveLength(1);
    expect(changes[0]).toHaveLength(garbageAnnotations().length + 1);
  });

  it("does not let writers build on garbage, but lets them delete it", () => {
    const doc = new Y.Doc();
    sync(doc, hostileDoc());
    expect(updateAnnotation(doc, "kind-mismatch", { text: "fix" })).toBe(false);
    expect(addComment(doc, "thread-not-array", { author: alice, text: "hi" })).toBeNull();
    expect(addComment(doc, "a-string", { author: alice, text: "hi" })).toBeNull();
    expect(deleteAnnotation(doc, "a-y-text")).toBe(true);
    expect(doc.getMap("annotations").has("a-y-text")).toBe(false);
  });

  it("can break one field of an honest annotation, which then hides only that annotation", () => {
    const doc = new Y.Doc();
    const evil = new Y.Doc();
    const target = addAnnotation(doc, pinInput);
    const bystander = addAnnotation(doc, { ...pinInput, createdAt: 5 });
    sync(doc, evil);
    (evil.getMap<unknown>("annotations").get(target) as Y.Map<unknown>).set("resolved", "maybe");
    sync(doc, evil);
    expect(getAnnotation(doc, target)).toBeNull();
    expect(listAnnotations(doc).map((a) => a.id)).toEqual([bystander]);
  });

  it("ignores states of the wrong shape or of a future version in playback and presenter", () => {
    const state: PlaybackState = {
      source: { kind: "live" },
      playing: true,
      anchorMediaTime: 0,
      anchorWallTime: 0,
      rate: 1,
      by: "evil",
    };
    for (const bad of [
      "garbage",
      { ...state },
      { ...state, v: 2 },
      { ...state, v: 1.5 },
      { ...state, v: 1, rate: 100 },
      { ...state, v: 1, source: { kind: "file", path: "/etc" } },
      { ...state, v: 1, by: MEGABYTE },
    ]) {
      const evil = new Y.Doc();
      evil.getMap<unknown>("playback").set("state", bad);
      evil.getMap<unknown>("presenter").set("state", bad);
      const doc = new Y.Doc();
      sync(doc, evil);
      expect(getPlayback(doc)).toBeNull();
      expect(getPresenter(doc)).toBeNull();
    }
  });

  it.each([
    ["before", true],
    ["after", false],
  ])("survives root types of the wrong kind, read %s they arrive", (_, readFirst) => {
    const evil = new Y.Doc();
    evil.getArray("annotations").push([1, 2]);
    evil.getText("meta").insert(0, "hello");
    evil.getArray("playback").push(["state"]);
    evil.getXmlFragment("presenter").insert(0, [new Y.XmlText("hi")]);
    const doc = new Y.Doc();
    if (readFirst) {
      listAnnotations(doc);
      getMeta(doc);
      getPlayback(doc);
      getPresenter(doc);
    }
    sync(doc, evil);
    expect(listAnnotations(doc)).toEqual([]);
    expect(getMeta(doc)).toEqual(META_DEFAULTS);
    expect(getPlayback(doc)).toBeNull();
    expect(getPresenter(doc)).toBeNull();
    setMeta(doc, { title: "still works" });
    setPlayback(doc, {
      source: { kind: "live" },
      playing: false,
      anchorMediaTime: 0,
      anchorWallTime: 0,
      rate: 1,
      by: "me",
    });
    expect(getMeta(doc).title).toBe("still works");
    expect(getPlayback(doc)?.by).toBe("me");
  });
});
