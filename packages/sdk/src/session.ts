import {
  type CreateSessionResponse,
  CreateSessionResponseSchema,
  isSessionId,
  type SessionLinks,
  SessionLinksSchema,
} from "@depthroom/schema";
import { SdkError, SdkErrorCode } from "./errors.ts";
import { call, readJson } from "./http.ts";
import { normalizeRelayUrl } from "./target.ts";

export interface CreateSessionOptions {
  /** The relay's base URL, e.g. `http://localhost:8787`. */
  readonly relayUrl: string;
  readonly title?: string;
  /** The operator's create token, for relays that require one (`DEPTHROOM_CREATE_TOKEN`). */
  readonly createToken?: string;
  /** Give up with `relay-unreachable` after this long; default 10 s. */
  readonly timeoutMs?: number;
}

/**
 * Create a session on a relay (`POST /api/sessions`): its id, tokens and view/edit/publish links.
 * Rejects with `SdkError`: `relay-unreachable`, or the code the relay answered with (`unauthorized`:
 * the relay wants its operator's create token; `bad-token`: not that token; `rate-limited`).
 */
export async function createSession(options: CreateSessionOptions): Promise<CreateSessionResponse> {
  const relayUrl = normalizeRelayUrl(options.relayUrl);
  const response = await call(relayUrl, "/api/sessions", {
    method: "POST",
    json: options.title === undefined ? {} : { title: options.title },
    ...(options.createToken !== undefined ? { token: options.createToken } : {}),
    timeoutMs: options.timeoutMs ?? 10_000,
  });
  return readJson(response, CreateSessionResponseSchema, "the relay's session answer");
}

export interface FetchSessionLinksOptions {
  /** The relay's base URL, e.g. `http://localhost:8787`. */
  readonly relayUrl: string;
  readonly session: string;
  /** A token of the session: edit gets view, edit and publish links; view and publish only their own. */
  readonly token: string;
  /** Give up with `relay-unreachable` after this long; default 10 s. */
  readonly timeoutMs?: number;
  readonly signal?: AbortSignal;
}

/**
 * The links the holder of `token` may hand out (`GET /api/sessions/:id/links`): fresh tokens and
 * links, one per role it may share. Rejects with `SdkError`: `relay-unreachable`, `bad-link` (not a
 * session id), or the relay's code (`unauthorized`, `bad-token`, `session-not-found`).
 */
export async function fetchSessionLinks(options: FetchSessionLinksOptions): Promise<SessionLinks> {
  const relayUrl = normalizeRelayUrl(options.relayUrl);
  if (!isSessionId(options.session)) {
    throw new SdkError(SdkErrorCode.BadLink, `session: "${String(options.session)}" is not a session id`);
  }
  if (typeof options.token !== "string" || options.token.length === 0) {
    throw new SdkError(SdkErrorCode.Unauthorized, "token: missing");
  }
  const response = await call(relayUrl, `/api/sessions/${options.session}/links`, {
    token: options.token,
    timeoutMs: options.timeoutMs ?? 10_000,
    ...(options.signal ? { signal: options.signal } : {}),
  });
  return readJson(response, SessionLinksSchema, "the relay's links answer");
}

export interface DeleteSessionOptions {
  /** The relay's base URL, e.g. `http://localhost:8787`. */
  readonly relayUrl: string;
  readonly session: string;
  /** An edit token of the session. */
  readonly token: string;
  /** Give up with `relay-unreachable` after this long; default 10 s. */
  readonly timeoutMs?: number;
}

/**
 * End a session (`DELETE /api/sessions/:id`, edit token): its links stop working, its connections are
 * closed, its document goes; its recordings stay. Rejects with `SdkError`: `relay-unreachable`,
 * `bad-link` (not a session id), or the relay's code (`forbidden` for a view or publish token,
 * `session-not-found`).
 */
export async function deleteSession(options: DeleteSessionOptions): Promise<void> {
  const relayUrl = normalizeRelayUrl(options.relayUrl);
  if (!isSessionId(options.session)) {
    throw new SdkError(SdkErrorCode.BadLink, `session: "${String(options.session)}" is not a session id`);
  }
  await call(relayUrl, `/api/sessions/${options.session}`, {
    method: "DELETE",
    token: options.token,
    timeoutMs: options.timeoutMs ?? 10_000,
  });
}
