import { describe, expect, it } from "vitest";
import { compareLatestAt, entityArchetypeKey, type LatestAtCandidate, replacesLatest } from "./latestAt.ts";

const m = (entityPath: string, kind: LatestAtCandidate["kind"], isStatic = false): LatestAtCandidate => ({
  entityPath,
  kind,
  static: isStatic,
});
const names = (list: LatestAtCandidate[]) =>
  list.map((x) => `${x.static ? "S " : ""}${x.entityPath}#${x.kind}`);

describe("entityArchetypeKey", () => {
  it("tells apart two archetypes of one path and one archetype of two paths", () => {
    const keys = new Set([
      entityArchetypeKey("world/cam", "Pinhole"),
      entityArchetypeKey("world/cam", "Transform3D"),
      entityArchetypeKey("world/cam2", "Pinhole"),
    ]);
    expect(keys.size).toBe(3);
    expect(entityArchetypeKey("world/cam", "Pinhole")).toBe("world/cam#Pinhole");
  });
});

describe("replacesLatest", () => {
  it("lets static data shadow temporal data, whatever the times", () => {
    expect(replacesLatest({ static: true, timeNs: 0n }, { static: false, timeNs: 99n })).toBe(false);
    expect(replacesLatest({ static: false, timeNs: 99n }, { static: true, timeNs: 0n })).toBe(true);
  });

  it("takes the later message, and of two at one time the one read later", () => {
    expect(replacesLatest({ static: false, timeNs: 5n }, { static: false, timeNs: 4n })).toBe(false);
    expect(replacesLatest({ static: false, timeNs: 5n }, { static: false, timeNs: 6n })).toBe(true);
    expect(replacesLatest({ static: false, timeNs: 5n }, { static: false, timeNs: 5n })).toBe(true);
    expect(replacesLatest({ static: true, timeNs: 5n }, { static: true, timeNs: 5n })).toBe(true);
  });
});

describe("compareLatestAt", () => {
  it("sends static first, parents before children, transforms and pinholes before images, by name", () => {
    const arrived = [
      m("world/rig/cam1/depth", "DepthImage"),
      m("world/rig/cam0/depth", "DepthImage"),
      m("world/rig/cam0", "Pinhole"),
      m("world/rig/cam0", "Transform3D"),
      m("world/rig", "Transform3D"),
      m("world/rig/cam1", "Pinhole", true),
      m("world/rig/cam0/depth", "Pinhole"),
    ];
    expect(names([...arrived].sort(compareLatestAt))).toEqual([
      "S world/rig/cam1#Pinhole",
      "world/rig#Transform3D",
      "world/rig/cam0#Transform3D",
      "world/rig/cam0#Pinhole",
      "world/rig/cam0/depth#Pinhole",
      "world/rig/cam0/depth#DepthImage",
      "world/rig/cam1/depth#DepthImage",
    ]);
  });

  it("gives one order whatever the arrival order", () => {
    const list = [
      m("a/b", "DepthImage"),
      m("a/c", "DepthImage"),
      m("a", "Pinhole"),
      m("a/b", "Pinhole"),
      m("a/b", "DepthImage", true),
    ];
    const sorted = names([...list].sort(compareLatestAt));
    expect(names([...list].reverse().sort(compareLatestAt))).toEqual(sorted);
    expect(compareLatestAt(m("a/b", "Pinhole"), m("a/b", "Pinhole"))).toBe(0);
  });
});
