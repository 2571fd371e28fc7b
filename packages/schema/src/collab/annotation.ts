/**
 * An annotation: a pin in 3D, or a box or point on a 2D image, stamped with an entity, a timeline time
 * and the author's viewpoint, with a comment thread. Stored as one nested Y.Map per annotation in the
 * `annotations` map (see `annotationDoc.ts`), one Y.Map key per field, so concurrent edits of different
 * fields merge; `thread` is a Y.Array of comments. `v` (ANNOTATION_VERSION) covers the fields and the
 * comments.
 */
import { z } from "zod";
import { TIMELINE_NAME, TIMELINE_NAME_RULE } from "../timeline.ts";
import {
  CameraPoseSchema,
  CollabLimits,
  CollabUserSchema,
  EntityPathSchema,
  EpochMsSchema,
  IdSchema,
  Vec3Schema,
} from "./primitives.ts";

export const ANNOTATION_VERSION = 1;

/**
 * A time on one of the recording's timelines. `value` is in the timeline's own unit: a sequence number
 * for sequence timelines (`frame`), nanoseconds since the Unix epoch for temporal ones (`log_time`), as a
 * float64 number (exact to about 256 ns for present-day times, which is plenty to find the frame).
 */
export const TimelineTimeSchema = z.object({
  timeline: z.string().regex(TIMELINE_NAME, `not a timeline name (${TIMELINE_NAME_RULE})`),
  value: z.number(),
});
export type TimelineTime = z.infer<typeof TimelineTimeSchema>;

/** A pin in 3D: `world` in world coordinates, `local` in the frame of the annotated entity. */
export const Pin3dGeometrySchema = z.object({ world: Vec3Schema, local: Vec3Schema });
/** A box on a 2D image, in pixels; `u0 <= u1` and `v0 <= v1`. */
export const Box2dGeometrySchema = z
  .object({ u0: z.number(), v0: z.number(), u1: z.number(), v1: z.number() })
  .refine((box) => box.u0 <= box.u1, { message: "expected u0 <= u1", path: ["u1"] })
  .refine((box) => box.v0 <= box.v1, { message: "expected v0 <= v1", path: ["v1"] });
/** A point on a 2D image, in pixels. */
export const Point2dGeometrySchema = z.object({ u: z.number(), v: z.number() });

/** The geometry schema of each annotation kind. */
export const AnnotationGeometrySchemas = {
  pin3d: Pin3dGeometrySchema,
  box2d: Box2dGeometrySchema,
  point2d: Point2dGeometrySchema,
} as const;
export type AnnotationKind = keyof typeof AnnotationGeometrySchemas;
export type AnnotationGeometry<K extends AnnotationKind = AnnotationKind> = z.infer<
  (typeof AnnotationGeometrySchemas)[K]
>;

export const CommentSchema = z.object({
  id: IdSchema,
  author: CollabUserSchema,
  text: z.string().min(1).max(CollabLimits.textLength),
  createdAt: EpochMsSchema,
});
export type Comment = z.infer<typeof CommentSchema>;

const annotationFields = {
  id: IdSchema,
  entityPath: EntityPathSchema,
  /** The timeline time the annotation is stamped with, or null for "any time". */
  time: TimelineTimeSchema.nullable(),
  /** The author's camera when annotating, so others can jump to the same view. */
  viewpoint: CameraPoseSchema.nullable(),
  text: z.string().max(CollabLimits.textLength),
  author: CollabUserSchema,
  createdAt: EpochMsSchema,
  resolved: z.boolean(),
  /** Comments in thread order (Y.Array order, the same on every peer). */
  thread: z.array(CommentSchema),
};

export const AnnotationSchema = z.discriminatedUnion("kind", [
  z.object({ kind: z.literal("pin3d"), geometry: Pin3dGeometrySchema, ...annotationFields }),
  z.object({ kind: z.literal("box2d"), geometry: Box2dGeometrySchema, ...annotationFields }),
  z.object({ kind: z.literal("point2d"), geometry: Point2dGeometrySchema, ...annotationFields }),
]);
export type Annotation = z.infer<typeof AnnotationSchema>;

/** What `addAnnotation` takes: the id and thread are made for you, the rest defaults as shown. */
const annotationInputFields = {
  entityPath: EntityPathSchema,
  time: TimelineTimeSchema.nullable().default(null),
  viewpoint: CameraPoseSchema.nullable().default(null),
  text: annotationFields.text.default(""),
  author: CollabUserSchema,
  createdAt: EpochMsSchema.default(() => Date.now()),
  resolved: z.boolean().default(false),
};

export const AnnotationInputSchema = z.discriminatedUnion("kind", [
  z.object({ kind: z.literal("pin3d"), geometry: Pin3dGeometrySchema, ...annotationInputFields }),
  z.object({ kind: z.literal("box2d"), geometry: Box2dGeometrySchema, ...annotationInputFields }),
  z.object({ kind: z.literal("point2d"), geometry: Point2dGeometrySchema, ...annotationInputFields }),
]);
export type AnnotationInput = z.input<typeof AnnotationInputSchema>;

/** What `updateAnnotation` may change. `geometry` must be of the annotation's kind. */
export interface AnnotationPatch {
  text?: string;
  resolved?: boolean;
  geometry?: AnnotationGeometry;
}

function patchSchema<K extends AnnotationKind>(kind: K) {
  return z.object({
    text: annotationFields.text.optional(),
    resolved: annotationFields.resolved.optional(),
    geometry: AnnotationGeometrySchemas[kind].optional(),
  });
}

/** The patch schema for an annotation of each kind. */
export const AnnotationPatchSchemas = {
  pin3d: patchSchema("pin3d"),
  box2d: patchSchema("box2d"),
  point2d: patchSchema("point2d"),
} as const;

/** What `addComment` takes: the id is made for you. */
export const CommentInputSchema = z.object({
  author: CollabUserSchema,
  text: CommentSchema.shape.text,
  createdAt: EpochMsSchema.default(() => Date.now()),
});
export type CommentInput = z.input<typeof CommentInputSchema>;
