import { describe, expect, it } from "vitest";
import { defaultIdentity, loadIdentity, makeUser, saveIdentity } from "./identity.ts";

class MemoryStorage {
  private readonly items = new Map<string, string>();
  getItem(key: string) {
    return this.items.get(key) ?? null;
  }
  setItem(key: string, value: string) {
    this.items.set(key, value);
  }
}

describe("identity", () => {
  it("is remembered once saved, and unreadable values are ignored", () => {
    const storage = new MemoryStorage() as unknown as Storage;
    expect(loadIdentity(storage)).toBeNull();
    saveIdentity({ name: "Alice", color: "#ef476f" }, storage);
    expect(loadIdentity(storage)).toEqual({ name: "Alice", color: "#ef476f" });
    storage.setItem("depthroom.user", "{not json");
    expect(loadIdentity(storage)).toBeNull();
    storage.setItem("depthroom.user", JSON.stringify({ name: "Bob", color: "red" }));
    expect(loadIdentity(storage)).toBeNull();
  });

  it("defaults to a readable name and a valid colour; each tab gets its own id", () => {
    const identity = defaultIdentity();
    expect(identity.name).toMatch(/^[A-Z][a-z]+ \d{3}$/);
    expect(identity.color).toMatch(/^#[0-9a-f]{6}$/);
    expect(makeUser(identity).id).not.toBe(makeUser(identity).id);
  });
});
