import { describe, expect, it } from "vitest";
import { InputError } from "../inputError.ts";
import {
  associatePoses,
  parseTumDepthList,
  parseTumGroundtruth,
  secondsToNs,
  tumIntrinsicsFromHeader,
} from "./tum.ts";

const DEPTH_TXT = `# depth maps
# file: 'rgbd_dataset_freiburg2_xyz.bag'
# timestamp filename
1311867170.450076 depth/1311867170.450076.png

1311867170.484671 depth/1311867170.484671.png
`;

describe("TUM layout", () => {
  it("reads timestamps exactly, as nanoseconds", () => {
    expect(secondsToNs("1311867170.450076")).toBe(1_311_867_170_450_076_000n);
    expect(secondsToNs("12")).toBe(12_000_000_000n);
    expect(secondsToNs("1.5e3")).toBeUndefined();
  });

  it("parses depth.txt, skipping comments and blank lines", () => {
    const frames = parseTumDepthList(DEPTH_TXT, "depth.txt");
    expect(frames).toEqual([
      { timeNs: 1_311_867_170_450_076_000n, file: "depth/1311867170.450076.png", line: 4 },
      { timeNs: 1_311_867_170_484_671_000n, file: "depth/1311867170.484671.png", line: 6 },
    ]);
  });

  it("says which line of depth.txt is malformed", () => {
    expect(() => parseTumDepthList("# x\n12.5\n", "seq/depth.txt")).toThrow(
      new InputError("data", 'seq/depth.txt:2: expected "<timestamp> <file>", got "12.5"'),
    );
    expect(() => parseTumDepthList("# only comments\n", "d.txt")).toThrow(/lists no depth frames/);
  });

  it("parses groundtruth.txt and pairs each frame with the nearest pose within 20 ms", () => {
    const poses = parseTumGroundtruth(
      `# ground truth trajectory
1311867170.4600 1 2 3 0 0 0 1
1311867170.4400 4 5 6 0 0 0.7071068 0.7071068
1311867170.9000 7 8 9 0 0 0 1
`,
      "groundtruth.txt",
    );
    expect(poses.map((p) => p.translation[0])).toEqual([4, 1, 7]);
    const times = [1_311_867_170_450_076_000n, 1_311_867_170_484_671_000n, 1_311_867_170_895_000_000n];
    expect(associatePoses(times, poses).map((p) => p?.translation[0])).toEqual([1, undefined, 7]);
    expect(() => parseTumGroundtruth("1.0 1 2 3 0 0 0\n", "gt.txt")).toThrow(/gt.txt:1: expected/);
    expect(() => parseTumGroundtruth("1.0 1 2 3 0 0 0 0\n", "gt.txt")).toThrow(/quaternion is zero/);
  });

  it("takes the published intrinsics of the freiburg rig named in depth.txt", () => {
    expect(tumIntrinsicsFromHeader(DEPTH_TXT, "depth.txt")).toMatchObject({
      fx: 520.9,
      fy: 521.0,
      cx: 325.1,
      cy: 249.7,
    });
    expect(tumIntrinsicsFromHeader("0 depth/a.png\n", "depth.txt")).toBeUndefined();
  });
});
