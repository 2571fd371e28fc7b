/**
 * Error and close codes shared by the relay, the SDK and the web app: one definition, used everywhere.
 *
 * `ErrorCode` names travel in socket.io acks and `connect_error` data, in HTTP error bodies and in
 * `DecodeError`s. `CloseCode` numbers close WebSockets (y-websocket treats 4400-4499 as permanent,
 * 4500-4599 as "retry later").
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
