import { describe, expect, it } from "vitest";
import * as Y from "yjs";
import { getPresenter, type PresenterState, setPresenter } from "./presenter.ts";
import { pose, thrown } from "./testFixtures.ts";

const presenter: PresenterState = {
  userId: "user-alice",
  name: "Alice",
  color: "#e6194b",
  camera: pose,
  view: { kind: "2d", entityPath: "world/rig/cam0/color" },
  updatedAt: 1_700_000_000_000,
};

describe("presenter", () => {
  it("round trips through a peer and clears", () => {
    const doc = new Y.Doc();
    expect(getPresenter(doc)).toBeNull();
    setPresenter(doc, { ...presenter, view: { kind: "2d", entityPath: "/world/rig/cam0/color" } });
    const peer = new Y.Doc();
    Y.applyUpdate(peer, Y.encodeStateAsUpdate(doc));
    expect(getPresenter(peer)).toEqual(presenter);

    setPresenter(peer, null);
    Y.applyUpdate(doc, Y.encodeStateAsUpdate(peer));
    expect(getPresenter(doc)).toBeNull();
    setPresenter(doc, null);
  });

  it("rejects bad input, naming the field", () => {
    const doc = new Y.Doc();
    const bad = { ...presenter, camera: { ...pose, up: [0, Number.NaN, 0] } } as PresenterState;
    expect(thrown(() => setPresenter(doc, bad)).field).toBe("camera.up.1");
    const error = thrown(() => setPresenter(doc, { ...presenter, view: { kind: "2d", entityPath: "" } }));
    expect(error).toMatchObject({ record: "presenter", field: "view.entityPath" });
    expect(getPresenter(doc)).toBeNull();
  });
});
