/**
 * A problem with what the user handed us (a folder, a PNG, an intrinsics or pose file, a flag), saying
 * what and where. The CLI prints `message` without a stack trace and exits with the code for `kind`.
 */
export type InputProblem =
  /** The command line itself: unknown option, missing argument, a value out of range. */
  | "usage"
  /** A file or folder that does not exist or cannot be read. */
  | "missing"
  /** A file whose content is not what the layout needs (8-bit PNG, malformed intrinsics, ...). */
  | "data";

export class InputError extends Error {
  override readonly name = "InputError";
  constructor(
    readonly kind: InputProblem,
    message: string,
  ) {
    super(message);
  }
}
