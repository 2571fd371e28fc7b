import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { ErrorCode, isSessionId } from "@depthroom/schema";
import { describe, expect, it } from "vitest";
import { FileStore } from "./fileStore.ts";
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

  it("expires sessions nobody holds, deletes on request, and forgets both in the store", async () => {
    const dir = await mkdtemp(join(tmpdir(), "depthroom-registry-"));
    try {
      let now = 1_000_000;
      const store = await FileStore.open(dir);
      const limits = { ...DEFAULT_LIMITS, sessionIdleExpiryMs: 1000, maxSessions: 3 };
      const registry = new SessionRegistry(store, limits, counters, () => now);
      const ended: string[] = [];
      registry.onEnded((id, end) => ended.push(`${end}:${id}`));
      const ids: string[] = [];
      for (const title of ["a", "b", "c"]) {
        const created = await registry.create(title);
        if (!created.ok) throw new Error("not created");
        ids.push(created.record.id);
      }
      const [a, b, c] = ids as [string, string, string];
      await store.appendDocUpdate(a, new Uint8Array([1, 2, 3]));
      const release = registry.hold(b);
      now += 1001;
      expect(await registry.expireIdle()).toEqual([a, c]);
      expect(registry.get(a)).toBeUndefined();
      expect(registry.get(b)).toBeDefined();
      expect(ended).toEqual([`expired:${a}`, `expired:${c}`]);
      release();
      now += 500;
      expect(await registry.expireIdle()).toEqual([]);
      expect(await registry.delete(b)).toBe(true);
      expect(await registry.delete(b)).toBe(false);
      expect(ended.at(-1)).toBe(`deleted:${b}`);
      expect(registry.size).toBe(0);
      registry.close();
      await store.close();
      const reopened = await FileStore.open(dir);
      expect(await reopened.loadSessions()).toEqual([]);
      expect(await reopened.loadDoc(a)).toEqual([]);
      await reopened.close();
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });
});
