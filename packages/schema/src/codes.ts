/**
 * Error and close codes shared by the relay, the SDK and the web app: one definition, used everywhere.
 *
 * `ErrorCode` names travel in socket.io acks and `connect_error` data, in HTTP error bodies and in
 * `DecodeError`s. `CloseCode` numbers close WebSockets (y-websocket treats 4400-4499 as permanent,
 * 4500-4599 as "retry later"). `ClientErrorCode` names the failures only a client sees. What each code
 * means (HTTP status, close code, whether a client tries again, a short sentence) is `ERROR_CODES`,
 * the one table everybody reads.
 */
export const ErrorCode = {
  /** No token was presented. */
  Unauthorized: "unauthorized",
  /** The token is malformed, badly signed, expired or of another session. */
  BadToken: "bad-token",
  /** The token is valid but its role does not allow the action (e.g. a view token publishing). */
  Forbidden: "forbidden",
  /** The session does not exist (or was deleted). */
  SessionNotFound: "session-not-found",
  /** The peer speaks another protocol version. */
  VersionMismatch: "version-mismatch",
  /** A message could not be decoded or failed validation. */
  BadMessage: "bad-message",
  /** A message is larger than the relay accepts. */
  MessageTooLarge: "message-too-large",
  /** A document update was refused: the document would pass its size cap. */
  DocumentTooLarge: "document-too-large",
  /** A producer sent faster than its rate limit. */
  RateLimited: "rate-limited",
  /** The session already holds the maximum number of entities. */
  TooManyEntities: "too-many-entities",
  /** The relay already holds the maximum number of sessions. */
  TooManySessions: "too-many-sessions",
  /** A write from a read-only (view) client was refused. */
  ReadOnly: "read-only",
  /** The relay is shutting down. */
  GoingAway: "going-away",
  /** The recording does not exist (or was deleted). */
  RecordingNotFound: "recording-not-found",
  /** The recording is still being written: stop it before reading, downloading or exporting it. */
  RecordingActive: "recording-active",
  /** Something failed inside the relay; the message names no fault of the client. */
  Internal: "internal",
  /** A viewer's connection kept more buffered than the relay allows (it stopped reading): reconnect. */
  TooSlow: "too-slow",
  /** The token of an open connection expired: the connection is closed; a fresh link is needed. */
  TokenExpired: "token-expired",
} as const;
export type ErrorCode = (typeof ErrorCode)[keyof typeof ErrorCode];

export const CloseCode = {
  /** The relay is shutting down or restarting; clients reconnect (standard WebSocket code). */
  GoingAway: 1001,
  /** No token: permanent. */
  Unauthorized: 4401,
  /** Bad, foreign or insufficient token: permanent. */
  Forbidden: 4403,
  /** Unknown session: permanent. */
  SessionNotFound: 4404,
  /** The peer sent a malformed protocol message: permanent. */
  BadMessage: 4400,
  /** A read-only client tried to write: permanent for that connection. */
  ReadOnly: 4405,
  /** The peer speaks another protocol version: permanent. */
  VersionMismatch: 4426,
  /** Too many messages: retry later. */
  RateLimited: 4529,
  /** The relay cannot serve now (full, or failed inside): retry later. */
  TryAgainLater: 4503,
  /** The connection did not take its frames (it stopped reading): retry. */
  TooSlow: 4508,
  /** The connection's token expired while it was open: permanent (a fresh link is needed). */
  TokenExpired: 4419,
} as const;
export type CloseCode = (typeof CloseCode)[keyof typeof CloseCode];

const closeCodeNames = new Map<number, string>(Object.entries(CloseCode).map(([name, code]) => [code, name]));

/** The name of a close code (`4403` -> `"Forbidden"`), for logs and UI; undefined if not ours. */
export function closeCodeName(code: number): string | undefined {
  return closeCodeNames.get(code);
}

/** Whether a client should retry after this close code (y-websocket's convention). */
export function isRetryableClose(code: number): boolean {
  return !(code >= 4400 && code < 4500);
}

/** Failures only a client can see: the relay never sends these. */
export const ClientErrorCode = {
  /** The relay did not answer within the connect timeout (down, wrong URL, network). */
  RelayUnreachable: "relay-unreachable",
  /** The session link (or url/session/token triple) is malformed or expired before connecting. */
  BadLink: "bad-link",
  /** The stream or subscription was closed by this side. */
  Closed: "closed",
  /** Waiting for the relay (flush, an answer) took longer than allowed. */
  Timeout: "timeout",
} as const;
export type ClientErrorCode = (typeof ClientErrorCode)[keyof typeof ClientErrorCode];

/** What a code means, for the relay (status, close code) and for clients (retry, sentence). */
export interface ErrorCodeRule {
  /** HTTP status of a refusal with this code; null for client-side codes. */
  readonly httpStatus: number | null;
  /** WebSocket close code of a socket closed for it; null for client-side codes. */
  readonly closeCode: CloseCode | null;
  /** Whether a client tries again later (reconnects, asks again): false when the answer would not change. */
  readonly retry: boolean;
  /** What happened, in a few words, for messages (`refused: no such session`). */
  readonly text: string;
}

const rule = (httpStatus: number, closeCode: CloseCode, retry: boolean, text: string): ErrorCodeRule => ({
  httpStatus,
  closeCode,
  retry,
  text,
});
const client = (retry: boolean, text: string): ErrorCodeRule => ({
  httpStatus: null,
  closeCode: null,
  retry,
  text,
});

/**
 * The one table of error codes. A code's close code and its `retry` agree (`isRetryableClose`), so a
 * y-websocket client and an SDK client make the same choice; a unit test holds them together.
 */
export const ERROR_CODES: Readonly<Record<ErrorCode | ClientErrorCode, ErrorCodeRule>> = {
  [ErrorCode.Unauthorized]: rule(401, CloseCode.Unauthorized, false, "no token"),
  [ErrorCode.BadToken]: rule(403, CloseCode.Forbidden, false, "bad or expired token"),
  [ErrorCode.Forbidden]: rule(403, CloseCode.Forbidden, false, "the token does not allow this"),
  [ErrorCode.SessionNotFound]: rule(404, CloseCode.SessionNotFound, false, "no such session"),
  [ErrorCode.VersionMismatch]: rule(400, CloseCode.VersionMismatch, false, "protocol version mismatch"),
  [ErrorCode.BadMessage]: rule(400, CloseCode.BadMessage, false, "malformed message"),
  [ErrorCode.MessageTooLarge]: rule(413, CloseCode.BadMessage, false, "message too large"),
  [ErrorCode.DocumentTooLarge]: rule(413, CloseCode.BadMessage, false, "the document is at its size cap"),
  [ErrorCode.RateLimited]: rule(429, CloseCode.RateLimited, true, "too many messages"),
  [ErrorCode.TooManyEntities]: rule(400, CloseCode.BadMessage, false, "too many entities in the session"),
  [ErrorCode.TooManySessions]: rule(503, CloseCode.TryAgainLater, true, "the relay holds too many sessions"),
  [ErrorCode.ReadOnly]: rule(403, CloseCode.ReadOnly, false, "read-only"),
  [ErrorCode.GoingAway]: rule(503, CloseCode.GoingAway, true, "the relay is shutting down"),
  [ErrorCode.RecordingNotFound]: rule(404, CloseCode.SessionNotFound, false, "no such recording"),
  [ErrorCode.RecordingActive]: rule(409, CloseCode.BadMessage, false, "the recording is still being written"),
  [ErrorCode.Internal]: rule(500, CloseCode.TryAgainLater, true, "the relay failed"),
  [ErrorCode.TooSlow]: rule(503, CloseCode.TooSlow, true, "the connection did not take its frames"),
  [ErrorCode.TokenExpired]: rule(401, CloseCode.TokenExpired, false, "the token expired"),
  [ClientErrorCode.RelayUnreachable]: client(true, "relay unreachable"),
  [ClientErrorCode.BadLink]: client(false, "not a session link"),
  [ClientErrorCode.Closed]: client(false, "closed"),
  [ClientErrorCode.Timeout]: client(true, "timed out"),
};

/** The rule of a code, or undefined for a code this version does not know (a newer relay's). */
export function errorCodeRule(code: string): ErrorCodeRule | undefined {
  return Object.hasOwn(ERROR_CODES, code) ? ERROR_CODES[code as ErrorCode | ClientErrorCode] : undefined;
}

/** Whether a client should try again after this code; unknown codes (a newer relay's) are retried. */
export function isRetryableCode(code: string): boolean {
  return errorCodeRule(code)?.retry ?? true;
}

/** HTTP status of a refusal with this code (400 for a client-side code, which the relay never sends). */
export function httpStatusOf(code: ErrorCode): number {
  return ERROR_CODES[code]?.httpStatus ?? 400;
}

/** WebSocket close code of a socket closed for this code. */
export function closeCodeOf(code: ErrorCode): CloseCode {
  return ERROR_CODES[code]?.closeCode ?? CloseCode.BadMessage;
}
