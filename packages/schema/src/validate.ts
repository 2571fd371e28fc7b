import type { z } from "zod";
import { ValidationError } from "./errors.ts";

/** Parse with a zod schema; on failure throw a `ValidationError` naming the first bad field. */
export function parseOrThrow<S extends z.ZodType>(schema: S, value: unknown, owner: string): z.output<S> {
  const result = schema.safeParse(value);
  if (result.success) return result.data;
  const issue = result.error.issues[0];
  const path = issue && issue.path.length > 0 ? `${owner}.${issue.path.join(".")}` : owner;
  throw new ValidationError(path, issue?.message ?? "invalid");
}
