import {
  type CreateSessionResponse,
  isRole,
  isSessionId,
  ROLES,
  type Role,
  type SessionLinks,
} from "@depthroom/schema";
import { SdkError, SdkErrorCode } from "./errors.ts";
import { readAnswer, unreachable } from "./http.ts";
import { normalizeRelayUrl } from "./target.ts";

export interface CreateSessionOptions {
  /** The relay's base URL, e.g. `http://localhost:8787`. */
  readonly relayUrl: string;
  readonly title?: string;
  /** Give up with `relay-unreachable` after this long; default 10 s. */
  readonly timeoutMs?: number;
}

/**
 * Create a session on a relay (`POST /api/sessions`): its id, tokens and view/edit/publish links.
 * Rejects with `SdkError`: `relay-unreachable`, or the code the relay answered with.
 */
export async function createSession(options: CreateSessionOptions): Promise<CreateSessionResponse> {
  const relayUrl = normalizeRelayUrl(options.relayUrl);
  const timeoutMs = options.timeoutMs ?? 10_000;
  let response: Response;
  try {
    response = await fetch(`${relayUrl}/api/sessions`, {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: JSON.stringify(options.title === undefined ? {} : { title: options.title }),
      signal: AbortSignal.timeout(timeoutMs),
    });
  } catch (error) {
    throw unreachable(relayUrl, error);
  }
  return checkCreateSessionResponse(await readAnswer(response, `${relayUrl}/api/sessions`));
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
  const url = `${relayUrl}/api/sessions/${options.session}/links`;
  const timeout = AbortSignal.timeout(options.timeoutMs ?? 10_000);
  let response: Response;
  try {
    response = await fetch(url, {
      headers: { authorization: `Bearer ${options.token}` },
      signal: options.signal ? AbortSignal.any([options.signal, timeout]) : timeout,
    });
  } catch (error) {
    throw unreachable(relayUrl, error);
  }
  const body = await readAnswer(response, url);
  return checkSessionLinks(body);
}

/** Validate the relay's links answer: role keys only, string values, a link for every token. */
export function checkSessionLinks(body: unknown): SessionLinks {
  const bad = (what: string) => new SdkError(SdkErrorCode.BadMessage, `the relay's links answer: ${what}`);
  if (typeof body !== "object" || body === null) throw bad("not an object");
  const { tokens, links } = body as Record<string, unknown>;
  const byRole = (x: unknown, name: string): Partial<Record<Role, string>> => {
    if (typeof x !== "object" || x === null || Array.isArray(x)) throw bad(`${name} missing`);
    const out: Partial<Record<Role, string>> = {};
    for (const [role, value] of Object.entries(x)) {
      if (!isRole(role)) throw bad(`${name}.${role.slice(0, 20)} is not a role`);
      if (typeof value !== "string") throw bad(`${name}.${role} is not a string`);
      out[role] = value;
    }
    return out;
  };
  const checkedTokens = byRole(tokens, "tokens");
  const checkedLinks = byRole(links, "links");
  for (const role of ROLES) {
    if ((checkedTokens[role] === undefined) !== (checkedLinks[role] === undefined)) {
      throw bad(`tokens and links disagree about ${role}`);
    }
  }
  return { tokens: checkedTokens, links: checkedLinks };
}

/** Validate the relay's answer (it crossed a network). */
export function checkCreateSessionResponse(body: unknown): CreateSessionResponse {
  const bad = (what: string) => new SdkError(SdkErrorCode.BadMessage, `the relay's session answer: ${what}`);
  if (typeof body !== "object" || body === null) throw bad("not an object");
  const { id, title, tokens, links } = body as Record<string, unknown>;
  if (!isSessionId(id)) throw bad("id is not a session id");
  const strings = (x: unknown, name: string) => {
    if (typeof x !== "object" || x === null) throw bad(`${name} missing`);
    for (const role of ROLES) {
      if (typeof (x as Record<string, unknown>)[role] !== "string") throw bad(`${name}.${role} missing`);
    }
    return x as Record<(typeof ROLES)[number], string>;
  };
  return {
    id,
    title: typeof title === "string" ? title : "",
    tokens: strings(tokens, "tokens"),
    links: strings(links, "links"),
  };
}
