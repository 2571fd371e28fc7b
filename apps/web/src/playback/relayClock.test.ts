import { describe, expect, it } from "vitest";
import { estimateClockOffset } from "./relayClock.ts";

describe("estimateClockOffset (no correction within the measurement, else the middle of the bounds)", () => {
  it("corrects a skewed clock to the middle of what the round trip allows", () => {
    // The page's clock is 5 s ahead: it sent at 10_000 (relay 5_000 + 20 ms later) and got it back at 10_040.
    // The offset lies in [5_020 - 10_040, 5_020 - 10_000] = [-5_020, -4_980]: its middle.
    expect(estimateClockOffset([{ sentMs: 10_000, serverMs: 5_020, receivedMs: 10_040 }])).toEqual({
      offsetMs: -5_000,
      rttMs: 40,
    });
  });

  it("does not correct a clock that agrees with the relay's within the round trip (no noise between pages)", () => {
    // The same clock, answers queued unevenly: the midpoints would say -30 and +2 ms.
    const uneven = { sentMs: 1_000, serverMs: 1_020, receivedMs: 1_100 }; // [-80, 20]
    const quick = { sentMs: 2_000, serverMs: 2_010, receivedMs: 2_016 }; // [-6, 10]
    expect(estimateClockOffset([uneven])).toEqual({ offsetMs: 0, rttMs: 100 });
    expect(estimateClockOffset([uneven, quick])).toEqual({ offsetMs: 0, rttMs: 16 });
  });

  it("intersects the samples: several round trips narrow the correction", () => {
    const trueOffset = 2_000;
    // Each bounds the offset: slow [1_650, 2_050], quick [1_996, 2_004], middling [1_980, 2_040].
    const slow = { sentMs: 1_000, serverMs: 1_050 + trueOffset, receivedMs: 1_400 };
    const quick = { sentMs: 2_000, serverMs: 2_004 + trueOffset, receivedMs: 2_008 };
    const middling = { sentMs: 3_000, serverMs: 3_040 + trueOffset, receivedMs: 3_060 };
    const estimate = estimateClockOffset([slow, quick, middling]);
    expect(estimate).toEqual({ offsetMs: 2_000, rttMs: 8 });
    expect(estimateClockOffset([middling, quick, slow])).toEqual(estimate);
    // The slow sample alone allows anything from 1_650 to 2_050 (its middle is 150 ms off).
    expect(estimateClockOffset([slow])?.offsetMs).toBe(1_850);
  });

  it("when the samples disagree (a clock stepped between them), the quickest decides alone", () => {
    const before = { sentMs: 1_000, serverMs: 1_010, receivedMs: 1_020 }; // [-10, 10]
    const stepped = { sentMs: 2_000, serverMs: 3_003, receivedMs: 2_006 }; // [997, 1_003]
    expect(estimateClockOffset([before, stepped])).toEqual({ offsetMs: 1_000, rttMs: 6 });
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
