import { ErrorCode } from "./codes.ts";

/** Why bytes could not be decoded. `field` names where, e.g. `"DepthImage.width"` or `"header.magic"`. */
export type DecodeProblem =
  | "truncated"
  | "bad-magic"
  | "unsupported-version"
  | "unknown-kind"
  | "invalid-field"
  | "too-large"
  | "trailing-bytes"
  | "corrupt-payload"
  /** A codec whose WebAssembly loads asynchronously (up-zstd) was used before its loader finished. */
  | "codec-not-loaded";

/**
 * Thrown by every decoder in this package for bad bytes: never another exception, never a crash.
 * `code` is always `ErrorCode.BadMessage` (or `MessageTooLarge` / `VersionMismatch`), so it can be sent
 * straight back to a peer.
 */
export class DecodeError extends Error {
  override readonly name = "DecodeError";
  readonly code: ErrorCode;
  constructor(
    readonly problem: DecodeProblem,
    readonly field: string,
    detail: string,
  ) {
    super(`${field}: ${detail} (${problem})`);
    this.code =
      problem === "too-large"
        ? ErrorCode.MessageTooLarge
        : problem === "unsupported-version"
          ? ErrorCode.VersionMismatch
          : ErrorCode.BadMessage;
  }
}

/** Thrown when an archetype is built from invalid values; `field` names the offending field. */
export class ValidationError extends Error {
  override readonly name = "ValidationError";
  readonly code = ErrorCode.BadMessage;
  constructor(
    readonly field: string,
    detail: string,
  ) {
    super(`${field}: ${detail}`);
  }
}
