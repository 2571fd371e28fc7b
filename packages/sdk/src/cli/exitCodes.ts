import { SdkError, SdkErrorCode } from "../errors.ts";
import { BridgeError, BridgeErrorCode } from "../foxglove/errors.ts";
import { InputError } from "../node/inputError.ts";

/** Exit codes scripts can rely on (also listed in `depthroom --help`). */
export const ExitCode = {
  Ok: 0,
  /** Something unexpected failed (a bug, an I/O error): the message says what. */
  Failure: 1,
  /** The command line is wrong: unknown command or option, missing argument. */
  Usage: 2,
  /** The input data is wrong or missing: not 16-bit depth, sizes differ, bad intrinsics or poses. */
  BadInput: 3,
  /** The link or token was refused: malformed, expired, not a publish link, unknown session. */
  Refused: 4,
  /** The relay could not be reached, or the connection was lost for good. */
  Unreachable: 5,
  /** Stopped by Ctrl-C (SIGINT). */
  Interrupted: 130,
} as const;
export type ExitCode = (typeof ExitCode)[keyof typeof ExitCode];

const REFUSED = new Set<string>([
  SdkErrorCode.BadLink,
  SdkErrorCode.BadToken,
  SdkErrorCode.Unauthorized,
  SdkErrorCode.Forbidden,
  SdkErrorCode.SessionNotFound,
  SdkErrorCode.VersionMismatch,
  SdkErrorCode.ReadOnly,
  SdkErrorCode.RecordingNotFound,
]);
const UNREACHABLE = new Set<string>([
  SdkErrorCode.RelayUnreachable,
  SdkErrorCode.Timeout,
  SdkErrorCode.GoingAway,
  SdkErrorCode.Closed,
]);

/** The exit code and one-paragraph message for an error; never a stack trace (unless DEPTHROOM_DEBUG). */
export function describeFailure(error: unknown): { code: ExitCode; message: string } {
  if (error instanceof InputError) {
    return { code: error.kind === "usage" ? ExitCode.Usage : ExitCode.BadInput, message: error.message };
  }
  if (error instanceof BridgeError) {
    const { code, hint } = BRIDGE_FAILURES[error.code];
    return { code, message: `${error.message}\n  ${hint}` };
  }
  if (error instanceof SdkError) {
    const hint = HINTS[error.code];
    const message = hint ? `${error.message}\n  ${hint}` : error.message;
    if (REFUSED.has(error.code)) return { code: ExitCode.Refused, message };
    if (UNREACHABLE.has(error.code)) return { code: ExitCode.Unreachable, message };
    if (error.code === SdkErrorCode.BadMessage || error.code === SdkErrorCode.MessageTooLarge) {
      return { code: ExitCode.BadInput, message };
    }
    return { code: ExitCode.Failure, message };
  }
  const text = error instanceof Error ? error.message : String(error);
  return { code: ExitCode.Failure, message: `unexpected error: ${text}` };
}

const HINTS: Partial<Record<string, string>> = {
  [SdkErrorCode.BadToken]: "Create a new session (depthroom session create) or ask for a fresh link.",
  [SdkErrorCode.Forbidden]: "Use the session's publish link (depthroom session create prints it).",
  [SdkErrorCode.SessionNotFound]:
    "The relay does not know this session; create one with: depthroom session create",
  [SdkErrorCode.RelayUnreachable]:
    "Is the relay running? Start it with: npm start (or npm run start -w @depthroom/relay)",
  [SdkErrorCode.RecordingNotFound]:
    "List the session's recordings in the web app, or check the id (depthroom import prints it).",
  [SdkErrorCode.RecordingActive]:
    "Stop the recording first (in the web app, or POST /api/recordings/<id>/stop).",
  [SdkErrorCode.BadLink]:
    "A session link looks like http://host:3000/s/<session>?relay=<relay URL>#token=<token>",
};

/** What `depthroom bridge`'s own failures mean to a script, and what to try. */
const BRIDGE_FAILURES: Record<BridgeErrorCode, { code: ExitCode; hint: string }> = {
  [BridgeErrorCode.BadSourceUrl]: {
    code: ExitCode.Usage,
    hint: "The source is a WebSocket URL: ws://<rig>:8765",
  },
  [BridgeErrorCode.SourceUnreachable]: {
    code: ExitCode.Unreachable,
    hint: "Is foxglove_bridge running on the rig? ros2 launch foxglove_bridge foxglove_bridge_launch.xml",
  },
  [BridgeErrorCode.SourceRefused]: {
    code: ExitCode.Unreachable,
    hint: "Is this a Foxglove WebSocket server (foxglove_bridge listens on port 8765)?",
  },
  [BridgeErrorCode.NoDepthTopics]: {
    code: ExitCode.BadInput,
    hint: "See what it advertises and why nothing is taken: depthroom bridge <url> --list (pick topics with --topics)",
  },
};
