import { describe, expect, it } from "vitest";
import * as Y from "yjs";
import { CollabRoot } from "./layout.ts";
import { CollabValidationError } from "./validation.ts";
import {
  CLOUD_VIEW_DEFAULTS,
  createViewSettingsUndoManager,
  getViewSettings,
  listViewSettings,
  observeViewSettings,
  setViewSettings,
} from "./viewSettings.ts";

describe("viewSettings", () => {
  it("reads the defaults until set, merges a change over what is stored, and syncs to a peer", () => {
    const a = new Y.Doc();
    const b = new Y.Doc();
    a.on("update", (update: Uint8Array) => Y.applyUpdate(b, update));
    expect(getViewSettings(a, "world/cam/depth")).toEqual(CLOUD_VIEW_DEFAULTS);
    setViewSettings(a, "world/cam/depth", { cullRange: [1, 3] });
    setViewSettings(a, "world/cam/depth", { flyingPixels: true });
    setViewSettings(a, "world/cam/depth", { colorEntity: "world/rgb_cam/image" });
    expect(getViewSettings(b, "world/cam/depth")).toEqual({
      ...CLOUD_VIEW_DEFAULTS,
      cullRange: [1, 3],
      flyingPixels: true,
      colorEntity: "world/rgb_cam/image",
    });
    expect([...listViewSettings(b).keys()]).toEqual(["world/cam/depth"]);
  });

  it("refuses bad local input naming the field, and skips what a hostile peer wrote", () => {
    const doc = new Y.Doc();
    const error = (() => {
      try {
        setViewSettings(doc, "cam", { cullRange: [3, 1] });
      } catch (e) {
        return e;
      }
    })();
    expect(error).toBeInstanceOf(CollabValidationError);
    expect((error as CollabValidationError).field).toBe("cullRange");
    expect(() => setViewSettings(doc, "/bad//path", {})).toThrow(CollabValidationError);
    expect(() => setViewSettings(doc, "cam", { colorBy: "rainbow" as never })).toThrow(/colorBy/);
    expect(() => setViewSettings(doc, "cam", { colorEntity: "/not a path/" })).toThrow(/colorEntity/);
    const map = doc.getMap(CollabRoot.viewSettings);
    map.set("cam", { v: 1, colorBy: "depth", cullRange: "near", flyingPixels: 1 });
    map.set("other", { v: 99, ...CLOUD_VIEW_DEFAULTS, colorBy: "depth" });
    map.set("x".repeat(5000), { v: 1, ...CLOUD_VIEW_DEFAULTS });
    expect(getViewSettings(doc, "cam")).toEqual(CLOUD_VIEW_DEFAULTS);
    expect(getViewSettings(doc, "other")).toEqual(CLOUD_VIEW_DEFAULTS);
    expect(listViewSettings(doc).size).toBe(0);
  });

  it("undoes the user's own changes only, and tells observers which entities changed", () => {
    const doc = new Y.Doc();
    const mine = { user: "me" };
    const undo = createViewSettingsUndoManager(doc, mine);
    const changed: string[][] = [];
    const stop = observeViewSettings(doc, (paths) => changed.push(paths));
    setViewSettings(doc, "cam", { normalShading: true }, mine);
    setViewSettings(doc, "other", { colorBy: "depth" }, { user: "peer" });
    setViewSettings(doc, "cam", { flyingPixels: true }, mine);
    undo.undo();
    expect(getViewSettings(doc, "cam")).toMatchObject({ normalShading: true, flyingPixels: false });
    undo.undo();
    expect(getViewSettings(doc, "cam")).toEqual(CLOUD_VIEW_DEFAULTS);
    expect(getViewSettings(doc, "other").colorBy).toBe("depth");
    undo.redo();
    expect(getViewSettings(doc, "cam").normalShading).toBe(true);
    stop();
    expect(changed.slice(0, 3)).toEqual([["cam"], ["other"], ["cam"]]);
    expect(() => createViewSettingsUndoManager(doc, null)).toThrow(TypeError);
  });
});
