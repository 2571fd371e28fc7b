import { describe, expect, it } from "vitest";
import * as Y from "yjs";
import {
  addAnnotation,
  addComment,
  deleteAnnotation,
  getAnnotation,
  listAnnotations,
  updateAnnotation,
} from "./annotationDoc.ts";
import { getMeta, setMeta } from "./meta.ts";
import { getPlayback, type PlaybackState, setPlayback } from "./playback.ts";
import { getPresenter, setPresenter } from "./presenter.ts";
import { alice, bob, boxInput, pinInput, pointInput, pose, sync } from "./testFixtures.ts";

describe("two peers editing concurrently converge", () => {
  it("on annotations: add, update, delete and comment from both sides", () => {
    const a = new Y.Doc();
    const b = new Y.Doc();
    const shared = addAnnotation(a, pinInput);
    const doomed = addAnnotation(a, boxInput);
    sync(a, b);

    // Offline on both sides.
    const fromA = addAnnotation(a, pointInput);
    const fromB = addAnnotation(b, { ...pointInput, author: bob, createdAt: 4_000 });
    updateAnnotation(a, shared, { text: "from a" });
    updateAnnotation(b, shared, { resolved: true, geometry: { world: [9, 9, 9], local: [1, 1, 1] } });
    addComment(a, shared, { author: alice, text: "a says", createdAt: 10 });
    addComment(b, shared, { author: bob, text: "b says", createdAt: 11 });
    addComment(a, doomed, { author: alice, text: "lost with its annotation" });
    deleteAnnotation(b, doomed);
    updateAnnotation(a, fromA, { text: "mine" });
    sync(a, b);

    expect(listAnnotations(a)).toEqual(listAnnotations(b));
    expect(listAnnotations(a).map((x) => x.id)).toEqual([shared, fromA, fromB]);
    const merged = getAnnotation(a, shared);
    expect(merged).toMatchObject({ text: "from a", resolved: true, geometry: { world: [9, 9, 9] } });
    expect(merged?.thread.map((c) => c.text).sort()).toEqual(["a says", "b says"]);
    expect(getAnnotation(a, doomed)).toBeNull();
    expect(getAnnotation(b, fromA)?.text).toBe("mine");
  });

  it("on the same field: one write wins everywhere", () => {
    const a = new Y.Doc();
    const b = new Y.Doc();
    const id = addAnnotation(a, pinInput);
    sync(a, b);
    updateAnnotation(a, id, { text: "A" });
    updateAnnotation(b, id, { text: "B" });
    sync(a, b);
    expect(getAnnotation(a, id)?.text).toBe(getAnnotation(b, id)?.text);
  });

  it("on meta, playback and presenter", () => {
    const a = new Y.Doc();
    const b = new Y.Doc();
    const playback = (by: string, rate: number): PlaybackState => ({
      source: { kind: "recording", recordingId: "rec-1" },
      playing: true,
      anchorMediaTime: 0,
      anchorWallTime: 1,
      rate,
      by,
    });
    setMeta(a, { title: "from a" });
    setMeta(b, { createdAt: 123 });
    setPlayback(a, playback("a", 2));
    setPlayback(b, playback("b", 0.5));
    setPresenter(a, {
      userId: "a",
      name: "A",
      color: "#000000",
      camera: pose,
      view: { kind: "3d" },
      updatedAt: 1,
    });
    sync(a, b);
    expect(getMeta(a)).toEqual({ title: "from a", createdAt: 123 });
    expect(getMeta(b)).toEqual(getMeta(a));
    expect(getPlayback(a)).toEqual(getPlayback(b));
    expect(["a", "b"]).toContain(getPlayback(a)?.by);
    expect(getPresenter(b)?.userId).toBe("a");

    setPresenter(b, null);
    sync(a, b);
    expect(getPresenter(a)).toBeNull();
  });
});
