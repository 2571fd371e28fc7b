import { describe, expect, it } from "vitest";
import * as Y from "yjs";
import { CollabRoot, STATE_KEY } from "./layout.ts";
import {
  getSessionSettings,
  observeSessionSettings,
  SESSION_SETTINGS_DEFAULTS,
  SESSION_SETTINGS_VERSION,
  setSessionSettings,
} from "./sessionSettings.ts";
import { CollabValidationError } from "./validation.ts";

describe("session settings", () => {
  it("allow view-link captures until the owner turns them off, and again when turned back on", () => {
    const doc = new Y.Doc();
    expect(getSessionSettings(doc)).toEqual({ viewLinkCaptures: true });
    expect(SESSION_SETTINGS_DEFAULTS.viewLinkCaptures).toBe(true);
    expect(setSessionSettings(doc, { viewLinkCaptures: false })).toEqual({ viewLinkCaptures: false });
    expect(getSessionSettings(doc).viewLinkCaptures).toBe(false);
    setSessionSettings(doc, { viewLinkCaptures: true });
    expect(getSessionSettings(doc).viewLinkCaptures).toBe(true);
  });

  it("reach a peer through updates, and observers hear local and remote changes", () => {
    const a = new Y.Doc();
    const b = new Y.Doc();
    a.on("update", (update: Uint8Array) => Y.applyUpdate(b, update));
    const heard: boolean[] = [];
    const stop = observeSessionSettings(b, () => heard.push(getSessionSettings(b).viewLinkCaptures));
    setSessionSettings(a, { viewLinkCaptures: false });
    setSessionSettings(a, { viewLinkCaptures: true });
    stop();
    setSessionSettings(a, { viewLinkCaptures: false });
    expect(heard).toEqual([false, true]);
    expect(getSessionSettings(b).viewLinkCaptures).toBe(false);
  });

  it("refuse bad local input with a named error, and read a peer's invalid record as the defaults", () => {
    const doc = new Y.Doc();
    expect(() => setSessionSettings(doc, { viewLinkCaptures: "no" as unknown as boolean })).toThrow(
      CollabValidationError,
    );
    expect(getSessionSettings(doc).viewLinkCaptures).toBe(true);
    const map = doc.getMap<unknown>(CollabRoot.sessionSettings);
    map.set(STATE_KEY, { v: SESSION_SETTINGS_VERSION, viewLinkCaptures: 0 });
    expect(getSessionSettings(doc)).toEqual({ viewLinkCaptures: true });
    map.set(STATE_KEY, { v: SESSION_SETTINGS_VERSION + 1, viewLinkCaptures: false });
    expect(getSessionSettings(doc)).toEqual({ viewLinkCaptures: true });
  });
});
