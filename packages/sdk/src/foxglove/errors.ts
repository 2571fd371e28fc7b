// The bridge's named errors. Two families, kept apart on purpose:
// - `BridgeMessageError`: one message from the source could not be bridged. Counted per topic and
//   skipped; it never stops the bridge.
// - `BridgeError`: the bridge as a whole cannot run (source unreachable, no depth topics). It ends
//   `bridgeFoxglove` and the CLI maps it to an exit code.

/** Why one source message was skipped. */
export const BridgeMessageProblem = {
  /** The CDR or JSON did not decode against the channel's schema (truncated, corrupt). */
  Malformed: "malformed",
  /** A depth-like message with an encoding or format the bridge does not take (rgb8, jpeg, ...). */
  UnsupportedEncoding: "unsupported-encoding",
  /** The image fields disagree (size, step, data length) or its PNG / RVL payload is corrupt. */
  BadImage: "bad-image",
  /** Calibration or transform values that are not a camera or a rigid transform. */
  BadValue: "bad-value",
  /**
   * A calibration whose distortion Pinhole cannot hold (an unknown model, non-zero extra coefficients):
   * the one problem that skips only a part: the Pinhole is bridged without the distortion (as the MCAP
   * import does), so the cloud's walls may bend; counted and logged, not counted as skipped.
   */
  UnsupportedDistortion: "unsupported-distortion",
} as const;
export type BridgeMessageProblem = (typeof BridgeMessageProblem)[keyof typeof BridgeMessageProblem];

/** Whether a problem means its message was skipped (all but UnsupportedDistortion). */
export function skipsMessage(problem: BridgeMessageProblem): boolean {
  return problem !== BridgeMessageProblem.UnsupportedDistortion;
}

export class BridgeMessageError extends Error {
  override readonly name = "BridgeMessageError";
  constructor(
    readonly problem: BridgeMessageProblem,
    message: string,
  ) {
    super(message);
  }
}

export const BridgeErrorCode = {
  /** No Foxglove WebSocket server answered at the URL (refused, DNS, timeout, not a WebSocket). */
  SourceUnreachable: "source-unreachable",
  /** The server answered but refused both subprotocols, or spoke something that is not the protocol. */
  SourceRefused: "source-refused",
  /** The source advertises nothing the bridge can turn into depth (after the wait for late channels). */
  NoDepthTopics: "no-depth-topics",
  /** The source URL is not a ws:// or wss:// URL. */
  BadSourceUrl: "bad-source-url",
} as const;
export type BridgeErrorCode = (typeof BridgeErrorCode)[keyof typeof BridgeErrorCode];

/** The bridge cannot run; `code` says why. */
export class BridgeError extends Error {
  override readonly name = "BridgeError";
  constructor(
    readonly code: BridgeErrorCode,
    message: string,
  ) {
    super(message);
  }
}
