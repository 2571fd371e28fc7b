import { afterEach, describe, expect, it, vi } from "vitest";
import { whenExpired } from "./access.ts";

describe("whenExpired", () => {
  afterEach(() => {
    vi.useRealTimers();
  });

  it("fires just after exp (as verify refuses), never without exp, not after cancel", () => {
    vi.useFakeTimers({ now: 1_000_000 });
    const fired: string[] = [];
    whenExpired(1002, () => fired.push("a"));
    whenExpired(undefined, () => fired.push("never"));
    const cancel = whenExpired(1003, () => fired.push("cancelled"));
    vi.advanceTimersByTime(2000);
    expect(fired).toEqual([]);
    vi.advanceTimersByTime(1);
    expect(fired).toEqual(["a"]);
    cancel();
    vi.advanceTimersByTime(5000);
    expect(fired).toEqual(["a"]);
  });

  it("fires at once for a past exp, and waits out expiries beyond the longest timer", () => {
    vi.useFakeTimers({ now: 1_000_000 });
    const fired: number[] = [];
    whenExpired(999, () => fired.push(1));
    expect(fired).toEqual([1]);
    const far = 1000 + 60 * 24 * 3600; // 60 days
    whenExpired(far, () => fired.push(2));
    vi.advanceTimersByTime(59 * 24 * 3600 * 1000);
    expect(fired).toEqual([1]);
    vi.advanceTimersByTime(24 * 3600 * 1000 + 1);
    expect(fired).toEqual([1, 2]);
  });
});
