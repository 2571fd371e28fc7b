import { describe, expect, it } from "vitest";
import { isTimelineName, MAX_TIMELINE_NAME_LENGTH, Timeline } from "./timeline.ts";

describe("timeline names", () => {
  it("accepts the timelines Depthroom stamps and Rerun's", () => {
    for (const name of [...Object.values(Timeline), "log_tick", "ros:stamp", "cam-0.time"]) {
      expect(isTimelineName(name), name).toBe(true);
    }
    expect(isTimelineName("x".repeat(MAX_TIMELINE_NAME_LENGTH))).toBe(true);
  });

  it("refuses empty, long, spaced, slashed and non-string names", () => {
    for (const name of ["", "x".repeat(MAX_TIMELINE_NAME_LENGTH + 1), "log time", "a/b", "é", 7, null]) {
      expect(isTimelineName(name), String(name)).toBe(false);
    }
  });
});
