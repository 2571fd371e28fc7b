import { describe, expect, it } from "vitest";
import * as Y from "yjs";
import { DocumentSizeCap } from "./documentSizeCap.ts";

describe("DocumentSizeCap", () => {
  it("admits updates while the document stays under the cap, then refuses", () => {
    let now = 0;
    const cap = new DocumentSizeCap(10_000, () => now);
    const doc = new Y.Doc();
    const write = (key: string, bytes: number) => {
      const source = new Y.Doc();
      source.getMap("m").set(key, "x".repeat(bytes));
      const update = Y.encodeStateAsUpdate(source);
      if (!cap.admit(doc, update.byteLength)) return false;
      Y.applyUpdate(doc, update);
      return true;
    };
    expect(write("a", 4000)).toBe(true);
    expect(write("b", 4000)).toBe(true);
    expect(write("c", 4000)).toBe(false);
    now += 5000;
    expect(write("c", 4000)).toBe(false);
    expect(write("d", 1000)).toBe(true);
    expect(Y.encodeStateAsUpdate(doc).byteLength).toBeLessThanOrEqual(10_000);
  });

  it("measures again, at most once a second, before refusing on its upper bound", () => {
    let now = 0;
    const cap = new DocumentSizeCap(1000, () => now);
    const doc = new Y.Doc();
    doc.getMap("m").set("a", "x".repeat(600));
    // Counted but never applied (a duplicate): the bound grows, the document does not.
    expect(cap.admit(doc, 100)).toBe(true);
    expect(cap.admit(doc, 300)).toBe(false);
    now += 999;
    expect(cap.admit(doc, 300)).toBe(false);
    now += 1;
    expect(cap.admit(doc, 300)).toBe(true);
  });
});
