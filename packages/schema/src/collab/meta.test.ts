import { describe, expect, it } from "vitest";
import * as Y from "yjs";
import { getMeta, META_DEFAULTS, setMeta } from "./meta.ts";
import { thrown } from "./testFixtures.ts";

describe("meta", () => {
  it("defaults when nothing is set", () => {
    expect(getMeta(new Y.Doc())).toEqual(META_DEFAULTS);
  });

  it("round trips through a peer, field by field", () => {
    const doc = new Y.Doc();
    setMeta(doc, { title: "Loading dock", createdAt: 1_700_000_000_000 });
    setMeta(doc, { title: "Loading dock, take 2" });
    const peer = new Y.Doc();
    Y.applyUpdate(peer, Y.encodeStateAsUpdate(doc));
    expect(getMeta(peer)).toEqual({ title: "Loading dock, take 2", createdAt: 1_700_000_000_000 });
  });

  it("rejects a long title or a NaN time, naming the field", () => {
    const doc = new Y.Doc();
    expect(thrown(() => setMeta(doc, { title: "x".repeat(201) })).field).toBe("title");
    const error = thrown(() => setMeta(doc, { title: "ok", createdAt: Number.NaN }));
    expect(error).toMatchObject({ record: "meta", field: "createdAt" });
    expect(getMeta(doc)).toEqual(META_DEFAULTS);
  });
});
