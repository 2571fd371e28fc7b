import type { z } from "zod";
import { ValidationError } from "./errors.ts";

/** Parse with a zod schema; on failure throw a `ValidationError` naming the first bad field. */
export function parseOrThrow<S extends z.ZodType>(schema: S, value: unknown, owner: string): z.output<S> {
  const result = schema.safeParse(value);
  if (result.success) return result.data;
  const { field } = firstIssue(result.error);
  throw new ValidationError(
    field ? `${owner}.${field}` : owner,
    result.error.issues[0]?.message ?? "invalid",
  );
}

/**
 * `schema` refined by `rule`, which says why a value is refused (or returns undefined): a rule written
 * once, checked by zod where zod validates and called by hand on a hot path (a decoder, per frame).
 */
export function withRule<S extends z.ZodType>(
  schema: S,
  rule: (value: z.output<S>) => string | undefined,
): S {
  return schema.superRefine((value, context) => {
    const why = rule(value);
    if (why !== undefined) context.addIssue({ code: "custom", message: why });
  });
}

/** What `firstIssue` reads of a failed parse: zod's error, or anything shaped like it. */
export interface IssueList {
  readonly issues: readonly { readonly path: readonly PropertyKey[]; readonly message: string }[];
}

/** The first problem of a failed zod parse, for error messages: the field (dotted path) and a sentence. */
export function firstIssue(error: IssueList): { field: string | undefined; message: string } {
  const issue = error.issues[0];
  const field = issue && issue.path.length > 0 ? issue.path.map(String).join(".") : undefined;
  return { field, message: `${field ? `${field}: ` : ""}${issue?.message ?? "invalid"}` };
}
