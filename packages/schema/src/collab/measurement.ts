/**
 * A measurement (issue 20): a distance between two points, a polyline, or the angle at a point, picked on
 * a depth entity's cloud or 2D image and stamped with a timeline time. Stored whole, as one plain value
 * per measurement in the `measurements` map (see `measurementDoc.ts`): only its author edits it, so
 * field-wise merging buys nothing. `v` is MEASUREMENT_VERSION. The values shown (length, X/Y/Z breakdown,
 * angle) are derived from the points by `measure`, never stored, so every peer shows the same figures.
 */
import { z } from "zod";
import { TimelineTimeSchema } from "./annotation.ts";
import { CollabUserSchema, EntityPathSchema, EpochMsSchema, IdSchema, Vec3Schema } from "./primitives.ts";

export const MEASUREMENT_VERSION = 1;

/** Most points a polyline may hold. */
export const MAX_MEASUREMENT_POINTS = 64;

/**
 * One picked point: `world` in world coordinates (metres); `pixel` the depth pixel it came from (integer
 * indices, after snapping), or null when picked where no pixel is known.
 */
export const MeasurementPointSchema = z.object({
  world: Vec3Schema,
  pixel: z.object({ u: z.number().int().nonnegative(), v: z.number().int().nonnegative() }).nullable(),
});
export type MeasurementPoint = z.infer<typeof MeasurementPointSchema>;

/** How many points each kind holds once complete (a measurement being drawn may hold fewer). */
export const MeasurementPointCounts = {
  distance: { min: 2, max: 2 },
  polyline: { min: 2, max: MAX_MEASUREMENT_POINTS },
  angle: { min: 3, max: 3 },
} as const;
export type MeasurementKind = keyof typeof MeasurementPointCounts;
export const MeasurementKindSchema = z.enum(["distance", "polyline", "angle"]);

const measurementFields = {
  kind: MeasurementKindSchema,
  /** The depth entity measured on. */
  entityPath: EntityPathSchema,
  /** The timeline time it was measured at, or null for "any time" (a live room without a timeline). */
  time: TimelineTimeSchema.nullable(),
  points: z.array(MeasurementPointSchema).max(MAX_MEASUREMENT_POINTS),
  /** False while its author is still picking points: everyone sees it drawn. */
  complete: z.boolean(),
  author: CollabUserSchema,
  createdAt: EpochMsSchema,
};

/** The point count rule: a complete measurement holds its kind's count, one being drawn at most that. */
function pointsFit(m: { kind: MeasurementKind; points: unknown[]; complete: boolean }): boolean {
  const { min, max } = MeasurementPointCounts[m.kind];
  return m.points.length <= max && (!m.complete || m.points.length >= min);
}
const POINTS_RULE = {
  message: "a distance has 2 points, an angle 3, a polyline 2 to 64 (fewer while being drawn)",
  path: ["points"],
};

export const MeasurementSchema = z
  .object({ id: IdSchema, ...measurementFields })
  .strip()
  .refine(pointsFit, POINTS_RULE);
export type Measurement = z.infer<typeof MeasurementSchema>;

/** What `addMeasurement` takes: the id is made for you; `time`, `complete`, `createdAt` default. */
export const MeasurementInputSchema = z
  .object({
    ...measurementFields,
    time: measurementFields.time.default(null),
    complete: z.boolean().default(true),
    createdAt: EpochMsSchema.default(() => Date.now()),
  })
  .refine(pointsFit, POINTS_RULE);
export type MeasurementInput = z.input<typeof MeasurementInputSchema>;

/** What `updateMeasurement` may change (while drawing: the points, then `complete`). */
export const MeasurementPatchSchema = z.object({
  points: measurementFields.points.optional(),
  complete: z.boolean().optional(),
});
export type MeasurementPatch = z.input<typeof MeasurementPatchSchema>;

/** The figures a measurement shows, derived from its points (metres, degrees). */
export type MeasurementValues =
  | { kind: "distance"; length: number; dx: number; dy: number; dz: number }
  | { kind: "polyline"; length: number; segments: number[] }
  | { kind: "angle"; degrees: number }
  | { kind: "incomplete" };

type V3 = readonly [number, number, number];
const sub = (a: V3, b: V3): [number, number, number] => [a[0] - b[0], a[1] - b[1], a[2] - b[2]];
const norm = (a: V3) => Math.hypot(a[0], a[1], a[2]);

/**
 * The figures of a measurement: distance (length and the X/Y/Z differences, second point minus first),
 * polyline (total and per segment), angle at the middle point (0..180 degrees). "incomplete" when it
 * has too few points, or an angle with a zero-length arm.
 */
export function measure(m: Pick<Measurement, "kind" | "points">): MeasurementValues {
  const p = m.points.map((point) => point.world as V3);
  if (p.length < MeasurementPointCounts[m.kind].min) return { kind: "incomplete" };
  switch (m.kind) {
    case "distance": {
      const [dx, dy, dz] = sub(p[1] as V3, p[0] as V3);
      return { kind: "distance", length: Math.hypot(dx, dy, dz), dx, dy, dz };
    }
    case "polyline": {
      const segments = p.slice(1).map((q, i) => norm(sub(q, p[i] as V3)));
      return { kind: "polyline", length: segments.reduce((a, b) => a + b, 0), segments };
    }
    case "angle": {
      const a = sub(p[0] as V3, p[1] as V3);
      const b = sub(p[2] as V3, p[1] as V3);
      const na = norm(a);
      const nb = norm(b);
      if (na === 0 || nb === 0) return { kind: "incomplete" };
      const cos = Math.min(1, Math.max(-1, (a[0] * b[0] + a[1] * b[1] + a[2] * b[2]) / (na * nb)));
      return { kind: "angle", degrees: (Math.acos(cos) * 180) / Math.PI };
    }
    default: {
      const unhandled: never = m.kind;
      throw new TypeError(`unhandled measurement kind ${String(unhandled)}`);
    }
  }
}

/** The label everyone shows: millimetres below 1 m, else metres with 3 decimals; degrees with 1. */
export function measurementLabel(values: MeasurementValues): string {
  const len = (m: number) => (Math.abs(m) < 1 ? `${(m * 1000).toFixed(0)} mm` : `${m.toFixed(3)} m`);
  switch (values.kind) {
    case "distance":
      return `${len(values.length)} (X ${len(values.dx)}, Y ${len(values.dy)}, Z ${len(values.dz)})`;
    case "polyline":
      return `${len(values.length)} over ${values.segments.length} segments`;
    case "angle":
      return `${values.degrees.toFixed(1)}°`;
    case "incomplete":
      return "…";
    default: {
      const unhandled: never = values;
      throw new TypeError(`unhandled measurement values ${JSON.stringify(unhandled)}`);
    }
  }
}
