import type { z } from "zod";

/** The record a validation error is about. */
export type CollabRecordName =
  | "meta"
  | "annotation"
  | "comment"
  | "playback"
  | "presenter"
  | "recording"
  | "viewSettings"
  | "sessionSettings"
  | "measurement"
  | "awareness";

export interface CollabIssue {
  /** Dotted path of the offending field (`geometry.world.2`); "" for the value as a whole. */
  field: string;
  message: string;
}

/**
 * Thrown by the write accessors when LOCAL input is invalid (a bug in the caller). Data from peers never
 * throws: readers skip it.
 */
export class CollabValidationError extends Error {
  override readonly name = "CollabValidationError";
  /** The first offending field, as in `issues[0].field`. */
  readonly field: string;

  constructor(
    readonly record: CollabRecordName,
    readonly issues: readonly CollabIssue[],
  ) {
    const first = issues[0] ?? { field: "", message: "invalid" };
    super(`invalid ${record}${first.field ? ` field "${first.field}"` : ""}: ${first.message}`);
    this.field = first.field;
  }
}

/** Parses local input with `schema`, or throws a `CollabValidationError` naming the field. */
export function validateLocal<T extends z.ZodType>(
  record: CollabRecordName,
  schema: T,
  input: unknown,
): z.output<T> {
  const parsed = schema.safeParse(input);
  if (parsed.success) return parsed.data;
  throw new CollabValidationError(
    record,
    parsed.error.issues.map((issue) => ({
      field: issue.path.map((key) => String(key)).join("."),
      message: issue.message,
    })),
  );
}
