import { describe, expect, it } from "vitest";
import { SHORTCUTS, shortcutFor, shortcutsOf } from "./keymap.ts";

const press = (
  key: string,
  tagName = "DIV",
  mods: Partial<Record<"metaKey" | "ctrlKey" | "altKey", boolean>> = {},
) => ({
  key,
  metaKey: false,
  ctrlKey: false,
  altKey: false,
  ...mods,
  target: { tagName } as unknown as EventTarget,
});

describe("keymap", () => {
  it("binds each key once per kind of page", () => {
    for (const review of [false, true]) {
      const keys = shortcutsOf(review).flatMap((s) => s.keys);
      expect(new Set(keys).size).toBe(keys.length);
    }
    expect(new Set(SHORTCUTS.map((s) => s.action)).size).toBe(SHORTCUTS.length);
  });

  it("finds the shortcut of a key, by kind of page", () => {
    expect(shortcutFor(press("f"), false)?.action).toBe("fit");
    expect(shortcutFor(press("s"), false)?.action).toBe("share");
    expect(shortcutFor(press("s"), true)).toBeUndefined();
    expect(shortcutFor(press(" "), true)?.action).toBe("play-pause");
    expect(shortcutFor(press(" "), false)).toBeUndefined();
    expect(shortcutFor(press("ArrowRight"), true)?.action).toBe("step-forward");
    expect(shortcutFor(press("c"), false)?.action).toBe("capture");
    expect(shortcutFor(press("c"), true)?.action).toBe("capture");
    expect(shortcutFor(press("x"), false)).toBeUndefined();
  });

  it("leaves keys to fields, to modified presses and Space to a focused button", () => {
    expect(shortcutFor(press("f", "INPUT"), false)).toBeUndefined();
    expect(shortcutFor(press("f", "TEXTAREA"), false)).toBeUndefined();
    expect(shortcutFor(press("1", "SELECT"), false)).toBeUndefined();
    expect(shortcutFor(press("f", "DIV", { ctrlKey: true }), false)).toBeUndefined();
    expect(shortcutFor(press(" ", "BUTTON"), true)).toBeUndefined();
    expect(shortcutFor(press("f", "BUTTON"), false)?.action).toBe("fit");
    expect(shortcutFor(press("f", "DIV"), false)?.action).toBe("fit");
  });

  it("marks what moves one's own camera (following stops)", () => {
    const breaking = SHORTCUTS.filter((s) => s.breaksFollow).map((s) => s.action);
    expect(breaking.sort()).toEqual(["fit", "look-through", "reset", "step-back", "step-forward"]);
  });
});
