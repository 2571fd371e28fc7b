import { describe, expect, it } from "vitest";
import { AddressLimits } from "./addressLimits.ts";

describe("AddressLimits", () => {
  it("shares one budget between an address's connections and forgets it with the last", () => {
    let now = 0;
    const limits = new AddressLimits({ messages: 2 }, () => now);
    const a = limits.acquire("198.51.100.7");
    const b = limits.acquire("198.51.100.7");
    const other = limits.acquire("203.0.113.9");
    expect([a.take("messages"), b.take("messages"), a.take("messages"), b.take("messages")]).toEqual([
      true,
      true,
      true,
      true,
    ]);
    expect(a.take("messages")).toBe(false);
    expect(other.take("messages")).toBe(true);
    now += 500;
    expect(b.take("messages")).toBe(true);
    expect(b.take("messages", 2)).toBe(false);
    expect(limits.size).toBe(2);
    a.release();
    a.release();
    expect(limits.size).toBe(2);
    b.release();
    other.release();
    expect(limits.size).toBe(0);
    expect(() => limits.acquire("x").take("bytes")).toThrow(RangeError);
  });
});
