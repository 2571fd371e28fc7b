import { describe, expect, it } from "vitest";
import type { HandedFrame } from "../playback/recordingFeed.ts";
import type { VisualStats } from "../render/ViewerScene.ts";
import { showsFrame } from "./reviewClip.ts";
import { captureFileName, captureSize } from "./snapshot.ts";

describe("captureSize", () => {
  it("is the panel's CSS size times the scale, 2x exactly twice 1x even for fractional panels", () => {
    const panel = { width: 597.4, height: 402.6 };
    const one = captureSize(panel, 1);
    expect(one).toEqual({ width: 597, height: 403 });
    expect(captureSize(panel, 2)).toEqual({ width: 2 * one.width, height: 2 * one.height });
  });

  it("rounds down to even sizes for video encoders", () => {
    expect(captureSize({ width: 397, height: 403 }, 1, true)).toEqual({ width: 396, height: 402 });
    expect(captureSize({ width: 0.2, height: 1 }, 1, true)).toEqual({ width: 2, height: 2 });
  });
});

describe("captureFileName", () => {
  it("names the source, the view and the time range, safe in any file system", () => {
    const startNs = Date.UTC(2026, 11, 4, 23, 30, 5, 123) * 1e6;
    expect(
      captureFileName({
        source: "kPsTT4NTcV0gFRPPXK4P7Q",
        view: "2d-camera-depth",
        startNs,
        endNs: startNs + 3e9,
        ext: "webm",
      }),
    ).toBe("depthroom-kPsTT4NT-2d-camera-depth-2026-12-04T23-30-05.123Z_to_2026-12-04T23-30-08.123Z.webm");
    expect(captureFileName({ source: "a/b", view: "3d 2x", startNs, ext: "png" })).toBe(
      "depthroom-a_b-3d_2x-2026-12-04T23-30-05.123Z.png",
    );
  });
});

describe("showsFrame", () => {
  const stats = (entity: string, timeNs: string | undefined, frame?: number) =>
    ({ entity, timeNs, frame }) as unknown as VisualStats;
  const handed = (entityPath: string, timeNs: string, frame?: number): HandedFrame => ({
    entityPath,
    timeNs,
    frame,
  });

  it("waits until the frame at the time was handed and every depth image handed is on screen", () => {
    const t = 1_796_428_318_500_000_000;
    const at = String(BigInt(t));
    const before = String(BigInt(t) - 100_000_000n);
    const pinhole = handed("world/camera", "-1");
    // Not handed yet.
    expect(
      showsFrame([pinhole, handed("world/camera/depth", before)], [stats("world/camera/depth", before)], t),
    ).toBe(false);
    // Handed, not yet on screen.
    expect(
      showsFrame([pinhole, handed("world/camera/depth", at)], [stats("world/camera/depth", before)], t),
    ).toBe(false);
    // On screen (the pinhole is no depth image: not waited for).
    expect(
      showsFrame([pinhole, handed("world/camera/depth", at)], [stats("world/camera/depth", at)], t),
    ).toBe(true);
    // A second image at its own, older time must show that one.
    const other = [handed("world/late/depth", before, 7)];
    expect(
      showsFrame(
        [handed("world/camera/depth", at), ...other],
        [stats("world/camera/depth", at), stats("world/late/depth", undefined, 6)],
        t,
      ),
    ).toBe(false);
    expect(
      showsFrame(
        [handed("world/camera/depth", at), ...other],
        [stats("world/camera/depth", at), stats("world/late/depth", undefined, 7)],
        t,
      ),
    ).toBe(true);
  });
});
