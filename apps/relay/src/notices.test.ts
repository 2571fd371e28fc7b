import type { AdminNotice } from "@depthroom/schema";
import { describe, expect, it } from "vitest";
import { AdminNotices } from "./notices.ts";

function node(sessions: readonly string[], now: () => number) {
  const got = new Map<string, AdminNotice[]>(sessions.map((s, i) => [`${s}#${i}`, []]));
  const broadcast: AdminNotice[] = [];
  const notices = new AdminNotices(
    {
      each(visit) {
        for (const [key, list] of got) visit(key.split("#")[0] as string, (n) => list.push(n));
      },
    },
    (n) => broadcast.push(n),
    now,
  );
  return { notices, got, broadcast };
}

describe("AdminNotices", () => {
  it("delivers to every socket or one session's, and hands posted notices to the bus", () => {
    const { notices, got, broadcast } = node(["a", "a", "b"], () => 1000);
    const all = notices.post({ text: "all", level: "info" });
    const onlyB = notices.post({ text: "b", level: "warning", session: "b" });
    expect(all).toMatchObject({ text: "all", level: "info", at: 1000 });
    expect(all.session).toBeUndefined();
    expect(all.expiresAt).toBeUndefined();
    expect([...got.values()].map((list) => list.map((n) => n.text))).toEqual([
      ["all"],
      ["all"],
      ["all", "b"],
    ]);
    expect(broadcast).toEqual([all, onlyB]);
    // From the bus: delivered here, not sent back.
    expect(notices.deliver({ ...all, id: "other", text: "from node 2" })).toBe(3);
    expect(broadcast).toHaveLength(2);
  });

  it("keeps notices with a ttl active for later sockets until they expire, at most 64", () => {
    let now = 1000;
    const { notices } = node([], () => now);
    notices.post({ text: "none", level: "info" });
    const hour = notices.post({ text: "hour", level: "info", ttlMs: 3_600_000 });
    const forB = notices.post({ text: "b", level: "info", ttlMs: 10, session: "b" });
    expect(hour.expiresAt).toBe(1000 + 3_600_000);
    expect(notices.activeFor("a")).toEqual([hour]);
    expect(notices.activeFor("b")).toEqual([hour, forB]);
    now += 10;
    expect(notices.activeFor("b")).toEqual([hour]);
    // An expired notice from the bus is not kept (nor shown).
    expect(notices.deliver({ ...hour, id: "late", expiresAt: now - 1 })).toBe(0);
    for (let i = 0; i < 70; i++) notices.post({ text: `n${i}`, level: "info", ttlMs: 1000 });
    const active = notices.activeFor("a");
    expect(active).toHaveLength(64);
    expect(active[0]?.text).toBe("n6");
  });
});
