import {
  ClientErrorCode,
  DecodeError,
  ErrorCode,
  isRetryableCode,
  LinkError,
  ValidationError,
} from "@depthroom/schema";

/**
 * The codes an `SdkError` carries: every shared `ErrorCode` the relay can answer with, plus the few
 * failures only a client can see (`ClientErrorCode`: the relay never answers, the link is not a link,
 * the stream is closed, a wait timed out). What each means is the schema's `ERROR_CODES` table.
 */
export const SdkErrorCode = { ...ErrorCode, ...ClientErrorCode } as const;
export type SdkErrorCode = (typeof SdkErrorCode)[keyof typeof SdkErrorCode];

/** The one error type the SDK throws or rejects with: a `code` to branch on and a sentence to show. */
export class SdkError extends Error {
  override readonly name = "SdkError";
  constructor(
    readonly code: SdkErrorCode,
    message: string,
    /** The offending field, for invalid archetypes and decode failures (`"DepthImage.width"`). */
    readonly field?: string,
  ) {
    super(message);
  }

  /** Wrap what schema validators and decoders throw; anything else is returned as is. */
  static from(error: unknown): SdkError | unknown {
    if (error instanceof SdkError) return error;
    if (error instanceof ValidationError || error instanceof DecodeError) {
      return new SdkError(error.code, error.message, error.field);
    }
    if (error instanceof LinkError)
      return new SdkError(SdkErrorCode.BadLink, `bad session link: ${error.message}`);
    return error;
  }
}

/** Codes after which trying again cannot help: the relay would refuse again (the table's `retry`). */
export function isPermanent(code: string): boolean {
  return !isRetryableCode(code);
}
