import { describe, expect, it } from "vitest";
import * as Y from "yjs";
import { CollabRoot } from "./layout.ts";
import {
  MEASUREMENT_VERSION,
  type MeasurementInput,
  type MeasurementPoint,
  measure,
  measurementLabel,
} from "./measurement.ts";
import {
  addMeasurement,
  createMeasurementUndoManager,
  deleteMeasurement,
  getMeasurement,
  listMeasurements,
  observeMeasurements,
  updateMeasurement,
} from "./measurementDoc.ts";
import { alice, bob, sync, thrown } from "./testFixtures.ts";

const P0 = { world: [0, 0, 2], pixel: { u: 100, v: 100 } } satisfies MeasurementPoint;

const distanceInput = {
  kind: "distance",
  entityPath: "world/cam/depth",
  time: { timeline: "frame", value: 7 },
  points: [P0, { world: [0.3, -0.4, 2], pixel: { u: 200, v: 100 } }],
  author: alice,
  createdAt: 1_000,
} satisfies MeasurementInput;

describe("measure", () => {
  it("gives a distance's length and its X/Y/Z breakdown", () => {
    expect(measure(distanceInput)).toEqual({ kind: "distance", length: 0.5, dx: 0.3, dy: -0.4, dz: 0 });
    expect(measurementLabel(measure(distanceInput))).toBe("500 mm (X 300 mm, Y -400 mm, Z 0 mm)");
  });

  it("sums a polyline's segments", () => {
    const v = measure({
      kind: "polyline",
      points: [
        { world: [0, 0, 0], pixel: null },
        { world: [3, 4, 0], pixel: null },
        { world: [3, 4, 12], pixel: null },
      ],
    });
    expect(v).toEqual({ kind: "polyline", length: 17, segments: [5, 12] });
    expect(measurementLabel(v)).toBe("17.000 m over 2 segments");
  });

  it("gives the angle at the middle point", () => {
    const at = (c: [number, number, number]) =>
      measure({
        kind: "angle",
        points: [
          { world: [1, 0, 5], pixel: null },
          { world: [0, 0, 5], pixel: null },
          { world: c, pixel: null },
        ],
      });
    expect(at([0, 2, 5])).toEqual({ kind: "angle", degrees: 90 });
    expect((at([1, 1, 5]) as { degrees: number }).degrees).toBeCloseTo(45, 12);
    expect(at([-3, 0, 5])).toEqual({ kind: "angle", degrees: 180 });
    expect(at([0, 0, 5])).toEqual({ kind: "incomplete" });
    expect(measurementLabel(at([0, 2, 5]))).toBe("90.0°");
  });

  it("is incomplete with too few points", () => {
    expect(measure({ kind: "distance", points: [P0] })).toEqual({ kind: "incomplete" });
  });
});

describe("measurements in the doc", () => {
  it("adds, lists, updates and deletes; peers see the same", () => {
    const a = new Y.Doc();
    const b = new Y.Doc();
    const id = addMeasurement(a, distanceInput);
    sync(a, b);
    const seen = getMeasurement(b, id);
    expect(seen).toMatchObject({ id, kind: "distance", complete: true, author: alice });
    expect(seen?.points).toEqual(distanceInput.points);
    const later = addMeasurement(b, { ...distanceInput, author: bob, createdAt: 2_000 });
    sync(a, b);
    expect(listMeasurements(a).map((m) => m.id)).toEqual([id, later]);
    expect(deleteMeasurement(a, later)).toBe(true);
    sync(a, b);
    expect(listMeasurements(b).map((m) => m.id)).toEqual([id]);
  });

  it("is visible while drawn: incomplete with fewer points, then completed", () => {
    const doc = new Y.Doc();
    const id = addMeasurement(doc, { ...distanceInput, points: [P0], complete: false });
    expect(getMeasurement(doc, id)?.complete).toBe(false);
    expect(updateMeasurement(doc, id, { points: distanceInput.points, complete: true })).toBe(true);
    expect(getMeasurement(doc, id)).toMatchObject({ complete: true, points: distanceInput.points });
    // A complete distance needs its two points.
    expect(thrown(() => updateMeasurement(doc, id, { points: [P0] })).record).toBe("measurement");
    expect(updateMeasurement(doc, "gone", { complete: true })).toBe(false);
  });

  it("refuses bad local input with a named error", () => {
    const doc = new Y.Doc();
    expect(thrown(() => addMeasurement(doc, { ...distanceInput, points: [] })).field).toBe("points");
    const nan = {
      ...distanceInput,
      points: [{ world: [0, Number.NaN, 1], pixel: null }, distanceInput.points[1]],
    };
    expect(thrown(() => addMeasurement(doc, nan as never)).field).toBe("points.0.world.1");
    expect(thrown(() => addMeasurement(doc, { ...distanceInput, kind: "angle" })).field).toBe("points");
    expect(listMeasurements(doc)).toEqual([]);
  });

  it("skips what a peer wrote wrongly: bad shape, other id, newer version, wrong point count", () => {
    const doc = new Y.Doc();
    const good = addMeasurement(doc, distanceInput);
    const raw = doc.getMap<unknown>(CollabRoot.measurements);
    const valid = { v: MEASUREMENT_VERSION, ...getMeasurement(doc, good) };
    raw.set("x1", { ...valid, id: "x1", points: "no" });
    raw.set("x2", { ...valid, id: good });
    raw.set("x3", { ...valid, id: "x3", v: MEASUREMENT_VERSION + 1 });
    raw.set("x4", { ...valid, id: "x4", kind: "angle" });
    raw.set("x5", 42);
    raw.set("x6", {
      ...valid,
      id: "x6",
      points: Array.from({ length: 65 }, () => P0),
      kind: "polyline",
    });
    expect(listMeasurements(doc).map((m) => m.id)).toEqual([good]);
  });

  it("undoes only its own writes", () => {
    const doc = new Y.Doc();
    const mine = { user: "alice" };
    const undo = createMeasurementUndoManager(doc, mine);
    const changes: string[][] = [];
    observeMeasurements(doc, (ids) => changes.push(ids));
    const id = addMeasurement(doc, distanceInput, mine);
    const theirs = addMeasurement(doc, { ...distanceInput, author: bob }, { user: "bob" });
    undo.undo();
    expect(listMeasurements(doc).map((m) => m.id)).toEqual([theirs]);
    undo.redo();
    expect(
      listMeasurements(doc)
        .map((m) => m.id)
        .sort(),
    ).toEqual([id, theirs].sort());
    expect(changes.length).toBe(4);
    expect(() => createMeasurementUndoManager(doc, null)).toThrow(TypeError);
  });
});
