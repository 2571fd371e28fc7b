/**
 * Why a recording could not be read or written. `code` names the problem; the message says where.
 *
 * - `not-mcap`: the bytes do not start with the MCAP magic (or are empty).
 * - `truncated`: the file ends inside a record (a writer was killed, or a download was cut).
 * - `corrupt`: a record's bytes are inconsistent (bad CRC, bad length, unknown compression, ...).
 * - `not-depthroom`: an MCAP file, but not a Depthroom recording (no `depthroom.WireMessage` channels).
 * - `not-indexed`: an indexed read was asked of a file without a summary (recover it first).
 * - `bad-input`: an argument or a message given to the writer is invalid.
 * - `closed`: the writer or reader was used after `close()`.
 * - `io`: the byte source or sink failed.
 */
export type RecordingErrorCode =
  | "not-mcap"
  | "truncated"
  | "corrupt"
  | "not-depthroom"
  | "not-indexed"
  | "bad-input"
  | "closed"
  | "io";

export class RecordingError extends Error {
  override readonly name = "RecordingError";
  constructor(
    readonly code: RecordingErrorCode,
    message: string,
    options?: { cause?: unknown },
  ) {
    super(message, options);
  }
}

/** The message of anything thrown, for problem lists. */
export function errorMessage(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}
