import { describe, expect, it } from "vitest";
import { LatestWinsQueue } from "./latestWins.ts";

describe("LatestWinsQueue", () => {
  it("keeps one value per key, the newest, and reports what it replaced", () => {
    const q = new LatestWinsQueue<string, number>();
    expect(q.put("a", 1)).toBeUndefined();
    expect(q.put("b", 2)).toBeUndefined();
    expect(q.put("a", 3)).toBe(1);
    expect(q.size).toBe(2);
    expect(q.take()).toBe(3);
    expect(q.take()).toBe(2);
    expect(q.take()).toBeUndefined();
  });

  it("lets slots leave in the order they were first filled", () => {
    const q = new LatestWinsQueue<string, string>();
    q.put("x", "x1");
    q.put("y", "y1");
    q.put("x", "x2");
    q.put("z", "z1");
    expect([q.take(), q.take(), q.take()]).toEqual(["x2", "y1", "z1"]);
  });

  it("stays bounded by the number of keys however much is put", () => {
    const q = new LatestWinsQueue<number, number>();
    let dropped = 0;
    for (let i = 0; i < 10_000; i++) if (q.put(i % 3, i) !== undefined) dropped++;
    expect(q.size).toBe(3);
    expect(dropped).toBe(10_000 - 3);
    expect(q.clear()).toBe(3);
    expect(q.has(0)).toBe(false);
  });
});
