import { ErrorCode, isSessionId } from "@depthroom/schema";
import { describe, expect, it } from "vitest";
import { DEFAULT_LIMITS } from "./limits.ts";
import { SessionRegistry } from "./sessionRegistry.ts";
import { MemoryStore } from "./store.ts";

const counters = { accepted() {}, reject() {}, sent() {}, dropped() {} };

describe("SessionRegistry", () => {
  it("creates sessions up to the limit and reloads them from the store", async () => {
    const store = new MemoryStore();
    const registry = new SessionRegistry(store, { ...DEFAULT_LIMITS, maxSessions: 2 }, counters);
    const a = await registry.create("a");
    const b = await registry.create("b");
    expect(a.ok && isSessionId(a.record.id)).toBe(true);
    expect(await registry.create("c")).toMatchObject({ ok: false, code: ErrorCode.TooManySessions });
    const reloaded = new SessionRegistry(store, DEFAULT_LIMITS, counters);
    await reloaded.load();
    expect(reloaded.size).toBe(2);
    expect(b.ok && reloaded.get(b.record.id)?.title).toBe("b");
  });

  it("drops a session's live state after it has been idle, unless someone comes back", async () => {
    const registry = new SessionRegistry(
      new MemoryStore(),
      { ...DEFAULT_LIMITS, idleSessionMs: 30 },
      counters,
    );
    const created = await registry.create("idle");
    if (!created.ok) throw new Error("not created");
    const id = created.record.id;
    const live = registry.live(id);
    live.addProducer({ id: "p", name: "rig", connectedAt: 0 });
    registry.release(id);
    await new Promise((resolve) => setTimeout(resolve, 60));
    expect(registry.peekLive(id)).toBe(live);
    live.removeProducer("p");
    registry.release(id);
    registry.live(id);
    await new Promise((resolve) => setTimeout(resolve, 60));
    expect(registry.peekLive(id)).toBe(live);
    registry.release(id);
    await new Promise((resolve) => setTimeout(resolve, 60));
    expect(registry.peekLive(id)).toBeUndefined();
    expect(registry.liveSize).toBe(0);
    registry.close();
  });
});
