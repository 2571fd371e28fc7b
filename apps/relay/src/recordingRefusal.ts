import type { ErrorCode } from "@depthroom/schema";

/** A refusal of a recordings call with a named code (the HTTP layer turns it into a status and `{ error }`). */
export class RecordingRefusal extends Error {
  constructor(
    readonly code: ErrorCode,
    message: string,
  ) {
    super(message);
  }
}
