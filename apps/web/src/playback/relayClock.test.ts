import { describe, expect, it } from "vitest";
import { estimateClockOffset } from "./relayClock.ts";

describe("estimateClockOffset (NTP-style)", () => {
  it("takes the relay's time at the midpoint of the round trip", () => {
    // The page's clock is 5 s ahead: it sent at 10_000 (relay 5_000 + 20 ms later) and got it back at 10_040.
    expect(estimateClockOffset([{ sentMs: 10_000, serverMs: 5_020, receivedMs: 10_040 }])).toEqual({
      offsetMs: -5_000,
      rttMs: 40,
    });
  });

  it("keeps the sample with the smallest round trip", () => {
    const trueOffset = 2_000;
    // A slow answer, queued on the way back (asymmetric): its midpoint is off by 150 ms.
    const slow = { sentMs: 1_000, serverMs: 1_000 + 50 + trueOffset, receivedMs: 1_400 };
    // A quick one, symmetric: exact.
    const quick = { sentMs: 2_000, serverMs: 2_004 + trueOffset, receivedMs: 2_008 };
    const middling = { sentMs: 3_000, serverMs: 3_040 + trueOffset, receivedMs: 3_060 };
    const estimate = estimateClockOffset([slow, quick, middling]);
    expect(estimate).toEqual({ offsetMs: trueOffset, rttMs: 8 });
    expect(estimateClockOffset([middling, quick, slow])).toEqual(estimate);
    // The slow sample alone would be 150 ms off.
    expect(estimateClockOffset([slow])?.offsetMs).toBe(trueOffset - 150);
  });

  it("ignores samples whose local clock stepped back or that hold no numbers; undefined when none is left", () => {
    expect(estimateClockOffset([])).toBeUndefined();
    expect(estimateClockOffset([{ sentMs: 100, serverMs: 50, receivedMs: 90 }])).toBeUndefined();
    expect(estimateClockOffset([{ sentMs: 100, serverMs: Number.NaN, receivedMs: 110 }])).toBeUndefined();
    expect(
      estimateClockOffset([
        { sentMs: 100, serverMs: 50, receivedMs: 90 },
        { sentMs: 200, serverMs: 1_205, receivedMs: 210 },
      ]),
    ).toEqual({ offsetMs: 1_000, rttMs: 10 });
  });
});
