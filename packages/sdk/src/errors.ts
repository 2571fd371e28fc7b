import { DecodeError, ErrorCode, LinkError, ValidationError } from "@depthroom/schema";

/**
 * The codes an `SdkError` carries: every shared `ErrorCode` the relay can answer with, plus the few
 * failures only a client can see (the relay never answers, the link is not a link, the stream is closed).
 */
export const SdkErrorCode = {
  ...ErrorCode,
  /** The relay did not answer within the connect timeout (down, wrong URL, network). */
  RelayUnreachable: "relay-unreachable",
  /** The session link (or url/session/token triple) is malformed or expired before connecting. */
  BadLink: "bad-link",
  /** The stream or subscription was closed by this side. */
  Closed: "closed",
  /** Waiting for the relay (flush, an answer) took longer than allowed. */
  Timeout: "timeout",
} as const;
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

/** Codes after which reconnecting cannot help: the relay will refuse again. */
const PERMANENT: ReadonlySet<string> = new Set<SdkErrorCode>([
  SdkErrorCode.Unauthorized,
  SdkErrorCode.BadToken,
  SdkErrorCode.Forbidden,
  SdkErrorCode.SessionNotFound,
  SdkErrorCode.VersionMismatch,
  SdkErrorCode.BadLink,
]);

export function isPermanent(code: string): boolean {
  return PERMANENT.has(code);
}
