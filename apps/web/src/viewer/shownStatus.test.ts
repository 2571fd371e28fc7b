import { ERROR_CODES, ErrorCode } from "@depthroom/schema";
import { describe, expect, it } from "vitest";
import { RECORDING_EMPTY } from "../playback/recordingFeed.ts";
import { linkFailureTitle, reviewStatus } from "./shownStatus.ts";

describe("link failures", () => {
  it("end on the error page for codes that mean the link cannot work, none of which is retried", () => {
    for (const code of ["bad-token", "unauthorized", "forbidden", "token-expired", "session-not-found"]) {
      expect(linkFailureTitle(code)).toMatch(/^This /);
      expect(ERROR_CODES[code as ErrorCode].retry).toBe(false);
    }
    expect(linkFailureTitle(RECORDING_EMPTY)).toBe("This recording holds no frames");
  });

  it("leave trouble that passes (and unknown codes) to the viewer's status", () => {
    expect(linkFailureTitle(ErrorCode.GoingAway)).toBeUndefined();
    expect(linkFailureTitle("relay-unreachable")).toBeUndefined();
    expect(linkFailureTitle("__proto__")).toBeUndefined();
    expect(linkFailureTitle("toString")).toBeUndefined();
  });

  it("a review room's status follows its feed", () => {
    expect(reviewStatus({ kind: "loading" }).label).toBe("Opening");
    expect(reviewStatus({ kind: "failed", code: "x", message: "gone" })).toMatchObject({
      key: "closed",
      detail: "gone",
    });
  });
});
