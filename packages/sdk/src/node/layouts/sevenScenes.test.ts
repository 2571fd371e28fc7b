import { Transform3D } from "@depthroom/schema";
import { describe, expect, it } from "vitest";
import { parseIntrinsicsMatrix, parseOpen3dIntrinsics } from "./intrinsics.ts";
import { parsePoseMatrix, poseFileFor, quaternionFromRotation } from "./sevenScenes.ts";

describe("7-Scenes / tsdf-fusion layout", () => {
  it("names the pose file of a depth frame", () => {
    expect(poseFileFor("frame-000012.depth.png")).toBe("frame-000012.pose.txt");
  });

  it("reads a 4x4 camera-to-world pose as translation + quaternion that maps points the same way", () => {
    const a = Math.PI / 5;
    const text = `${Math.cos(a)} ${-Math.sin(a)} 0 0.5
${Math.sin(a)} ${Math.cos(a)} 0 -1.25
0 0 1 2
0 0 0 1
`;
    const pose = parsePoseMatrix(text, "frame-000000.pose.txt");
    expect(pose.translation).toEqual([0.5, -1.25, 2]);
    const moved = new Transform3D({ translation: [...pose.translation], rotation: [...pose.rotation] }).apply(
      [1, 0, 0],
    );
    expect(moved[0]).toBeCloseTo(0.5 + Math.cos(a), 12);
    expect(moved[1]).toBeCloseTo(-1.25 + Math.sin(a), 12);
    expect(moved[2]).toBeCloseTo(2, 12);
  });

  it("converts every rotation branch (trace <= 0 too)", () => {
    // 180 degrees about x, y and z: trace -1, each axis branch once.
    expect(
      quaternionFromRotation([
        [1, 0, 0],
        [0, -1, 0],
        [0, 0, -1],
      ]),
    ).toEqual([1, 0, 0, 0]);
    expect(
      quaternionFromRotation([
        [-1, 0, 0],
        [0, 1, 0],
        [0, 0, -1],
      ]),
    ).toEqual([0, 1, 0, 0]);
    expect(
      quaternionFromRotation([
        [-1, 0, 0],
        [0, -1, 0],
        [0, 0, 1],
      ]),
    ).toEqual([0, 0, 1, 0]);
  });

  it("refuses malformed poses saying what is wrong", () => {
    expect(() => parsePoseMatrix("1 0 0 0\n0 1 0 0\n0 0 1 0\n", "p.txt")).toThrow(
      /p.txt: expected a 4x4 matrix \(16 numbers\), found 12/,
    );
    expect(() => parsePoseMatrix("1 0 0 0 0 1 0 0 0 0 1 0 0 0 0 x", "p.txt")).toThrow(/"x" is not a number/);
    expect(() => parsePoseMatrix("2 0 0 0 0 1 0 0 0 0 1 0 0 0 0 1", "p.txt")).toThrow(/not a rotation/);
    expect(() => parsePoseMatrix("-1 0 0 0 0 1 0 0 0 0 1 0 0 0 0 1", "p.txt")).toThrow(/reflection/);
    expect(() => parsePoseMatrix("1 0 0 0 0 1 0 0 0 0 1 0 1 0 0 1", "p.txt")).toThrow(/last row/);
  });

  it("reads camera-intrinsics.txt and Open3D intrinsics JSON", () => {
    expect(parseIntrinsicsMatrix("585 0 320\n0 585 240\n0 0 1\n", "camera-intrinsics.txt")).toEqual({
      fx: 585,
      fy: 585,
      cx: 320,
      cy: 240,
      source: "camera-intrinsics.txt",
    });
    expect(() => parseIntrinsicsMatrix("585 0 320\n0 585 240\n", "k.txt")).toThrow(
      /k.txt: expected a 3x3 matrix/,
    );
    expect(() => parseIntrinsicsMatrix("0 0 320\n0 585 240\n0 0 1", "k.txt")).toThrow(
      /focal lengths must be > 0/,
    );
    expect(() => parseIntrinsicsMatrix("585 1 320\n0 585 240\n0 0 1", "k.txt")).toThrow(
      /not a camera matrix/,
    );
    const json = JSON.stringify({
      width: 640,
      height: 480,
      intrinsic_matrix: [525, 0, 0, 0, 525, 0, 319.5, 239.5, 1],
    });
    expect(parseOpen3dIntrinsics(json, "cam.json")).toMatchObject({ fx: 525, fy: 525, cx: 319.5, cy: 239.5 });
    expect(parseOpen3dIntrinsics('{"name": "not intrinsics"}', "x.json")).toBeUndefined();
    expect(() => parseOpen3dIntrinsics('{"intrinsic_matrix": [1, 2]}', "x.json")).toThrow(/9 numbers/);
  });
});
