import { isSessionId, parseSessionLink, type Role, readTokenClaims } from "@depthroom/schema";
import { SdkError, SdkErrorCode } from "./errors.ts";

/** Where to connect: a session link alone, or the relay URL, session id and token. */
export type RelayTarget =
  | { readonly link: string }
  | { readonly url: string; readonly session: string; readonly token: string };

export interface ResolvedTarget {
  /** The relay's base URL (`http://localhost:8787`), as given; may carry a path behind a proxy. */
  readonly relayUrl: string;
  readonly session: string;
  readonly token: string;
  /** The token's role as it claims (unverified; the relay decides). Undefined for foreign token formats. */
  readonly role: Role | undefined;
}

/**
 * Read a target and check what can be checked before connecting: link syntax, relay URL, session id,
 * that the token belongs to the session and has not expired, and (for producers) that it may publish.
 * Throws `SdkError` (bad-link, bad-token, forbidden).
 */
export function resolveTarget(
  target: RelayTarget,
  options: { needRole?: Role; now?: number } = {},
): ResolvedTarget {
  let relayUrl: string;
  let session: string;
  let token: string;
  if (typeof target !== "object" || target === null) {
    throw new SdkError(SdkErrorCode.BadLink, "expected { link } or { url, session, token }");
  }
  if ("link" in target) {
    if (typeof target.link !== "string") throw new SdkError(SdkErrorCode.BadLink, "link: expected a string");
    try {
      ({ relayUrl, session, token } = parseSessionLink(target.link));
    } catch (error) {
      throw SdkError.from(error);
    }
  } else {
    ({ url: relayUrl, session, token } = target);
    if (typeof session !== "string" || !isSessionId(session)) {
      throw new SdkError(SdkErrorCode.BadLink, `session: "${String(session)}" is not a session id`);
    }
    if (typeof token !== "string" || token.length === 0) {
      throw new SdkError(SdkErrorCode.Unauthorized, "token: missing");
    }
  }
  relayUrl = normalizeRelayUrl(relayUrl);
  const claims = readTokenClaims(token);
  if (claims) {
    if (claims.session !== session) {
      throw new SdkError(
        SdkErrorCode.BadToken,
        `the token belongs to session ${claims.session}, not ${session}`,
      );
    }
    const now = options.now ?? Date.now();
    if (claims.exp !== undefined && claims.exp * 1000 <= now) {
      throw new SdkError(
        SdkErrorCode.BadToken,
        `the link expired on ${new Date(claims.exp * 1000).toISOString()}`,
      );
    }
    if (options.needRole === "publish" && claims.role !== "publish") {
      throw new SdkError(
        SdkErrorCode.Forbidden,
        `this is a ${claims.role} link; publishing needs the session's publish link`,
      );
    }
  }
  return { relayUrl, session, token, role: claims?.role };
}

/** `localhost:8787` -> `http://localhost:8787`; `ws(s)://` -> `http(s)://`; no trailing slash. Throws bad-link. */
export function normalizeRelayUrl(text: unknown): string {
  if (typeof text !== "string" || text.trim() === "")
    throw new SdkError(SdkErrorCode.BadLink, "relay URL: missing");
  let candidate = text.trim();
  if (!/^[a-z][a-z0-9+.-]*:\/\//i.test(candidate)) candidate = `http://${candidate}`;
  let url: URL;
  try {
    url = new URL(candidate);
  } catch {
    throw new SdkError(SdkErrorCode.BadLink, `relay URL: "${text}" is not a URL`);
  }
  if (url.protocol === "ws:") url.protocol = "http:";
  else if (url.protocol === "wss:") url.protocol = "https:";
  if (url.protocol !== "http:" && url.protocol !== "https:") {
    throw new SdkError(SdkErrorCode.BadLink, `relay URL: "${text}" is not http(s) or ws(s)`);
  }
  return `${url.origin}${url.pathname.replace(/\/+$/, "")}`;
}
