import { describe, expect, it } from "vitest";
import { type AwarenessState, parseAwarenessState } from "./awareness.ts";
import { alice, pose } from "./testFixtures.ts";

const valid: AwarenessState = {
  user: alice,
  camera: pose,
  pointer: { entityPath: "world/rig/cam0/depth", u: 10.5, v: 20 },
  selection: "world/rig/cam0",
  presenting: true,
};

describe("parseAwarenessState", () => {
  it("accepts valid states, with or without presenting, and drops unknown keys", () => {
    expect(parseAwarenessState(valid)).toEqual(valid);
    const idle = { user: alice, camera: null, pointer: null, selection: null };
    expect(parseAwarenessState(idle)).toEqual(idle);
    expect(parseAwarenessState({ ...idle, extra: { big: "x".repeat(10) } })).toEqual(idle);
  });

  it("keeps the camera's view aspect when there is one (older peers send none)", () => {
    const wide = { ...valid, camera: { ...pose, aspect: 16 / 9 } };
    expect(parseAwarenessState(wide)?.camera?.aspect).toBeCloseTo(16 / 9);
    expect(parseAwarenessState(valid)?.camera?.aspect).toBeUndefined();
  });

  it.each([
    ["undefined", undefined],
    ["null", null],
    ["a string", "hello"],
    ["the empty state of a fresh client", {}],
    ["no user", { ...valid, user: undefined }],
    ["a bad colour", { ...valid, user: { ...alice, color: "#12345" } }],
    ["a long name", { ...valid, user: { ...alice, name: "x".repeat(1_000_000) } }],
    ["a NaN camera", { ...valid, camera: { ...pose, position: [Number.NaN, 0, 0] } }],
    ["a short vector", { ...valid, camera: { ...pose, target: [0, 0] } }],
    ["camera missing instead of null", { ...valid, camera: undefined }],
    ["a pointer with a bad path", { ...valid, pointer: { entityPath: "a b", u: 0, v: 0 } }],
    ["an infinite pointer", { ...valid, pointer: { entityPath: "a", u: Number.POSITIVE_INFINITY, v: 0 } }],
    ["a zero aspect", { ...valid, camera: { ...pose, aspect: 0 } }],
    ["a huge aspect", { ...valid, camera: { ...pose, aspect: 1e6 } }],
    ["a NaN aspect", { ...valid, camera: { ...pose, aspect: Number.NaN } }],
    ["a string aspect", { ...valid, camera: { ...pose, aspect: "16:9" } }],
    ["a numeric selection", { ...valid, selection: 7 }],
    ["a string presenting", { ...valid, presenting: "yes" }],
    ["an array", [valid]],
  ])("rejects %s", (_, value) => {
    expect(parseAwarenessState(value)).toBeNull();
  });
});
