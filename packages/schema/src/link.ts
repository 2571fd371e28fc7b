/*
 * Session links and capability tokens. A session link is all a person or a rig needs:
 *   <web app>/s/<session>?relay=<relay URL>#token=<token>
 * The token sits in the fragment so it stays out of server logs and Referer headers. Tokens are
 * issued and verified by the relay (HMAC); here we only build and read links, and read a token's
 * claims without verifying them (to show a role in the UI, or pick a default).
 */

export const ROLES = ["view", "edit", "publish"] as const;
export type Role = (typeof ROLES)[number];

export function isRole(x: unknown): x is Role {
  return typeof x === "string" && (ROLES as readonly string[]).includes(x);
}

/** Session ids: 22 base64url characters (128 bits of randomness). */
export const SESSION_ID = /^[A-Za-z0-9_-]{22}$/;

export function isSessionId(x: unknown): x is string {
  return typeof x === "string" && SESSION_ID.test(x);
}

export interface SessionLink {
  /** The web app's origin (and base path, if any), e.g. `http://localhost:3000`. */
  readonly webUrl: string;
  /** The relay's base URL, e.g. `http://localhost:8787`. */
  readonly relayUrl: string;
  readonly session: string;
  readonly token: string;
}

export function makeSessionLink(link: SessionLink): string {
  const base = link.webUrl.replace(/\/+$/, "");
  return `${base}/s/${link.session}?relay=${encodeURIComponent(link.relayUrl)}#token=${encodeURIComponent(link.token)}`;
}

export class LinkError extends Error {
  override readonly name = "LinkError";
}

/** Parse a session link; throws `LinkError` saying what is missing. */
export function parseSessionLink(text: string): SessionLink {
  let url: URL;
  try {
    url = new URL(text.trim());
  } catch {
    throw new LinkError(`not a URL: ${text.slice(0, 80)}`);
  }
  const match = /^(.*)\/s\/([^/]+)\/?$/.exec(url.pathname);
  if (!match) throw new LinkError("a session link has the form <web app>/s/<session>?relay=...#token=...");
  const session = decodeURIComponent(match[2] as string);
  if (!isSessionId(session)) throw new LinkError(`"${session}" is not a session id`);
  const relayUrl = url.searchParams.get("relay");
  if (!relayUrl) throw new LinkError("the link names no relay (?relay=...)");
  const token = new URLSearchParams(url.hash.replace(/^#/, "")).get("token");
  if (!token) throw new LinkError("the link carries no token (#token=...)");
  return { webUrl: `${url.origin}${match[1]}`, relayUrl, session, token };
}

/** What a token claims (unverified): its session, role and expiry. */
export interface TokenClaims {
  readonly session: string;
  readonly role: Role;
  /** Issued at, seconds since the epoch. */
  readonly iat: number;
  /** Expires at, seconds since the epoch; absent when the token does not expire. */
  readonly exp?: number;
  /**
   * Present on a recording's token: it opens only this recording of the session (its review room and
   * its data), never the live session. Absent on session tokens.
   */
  readonly recording?: string;
}

/** Token format: `v1.<base64url(JSON {sid, role, iat, exp?, rid?})>.<base64url(HMAC-SHA256)>`. */
export const TOKEN_PREFIX = "v1";

export function encodeTokenPayload(claims: TokenClaims): string {
  const json = JSON.stringify({
    sid: claims.session,
    role: claims.role,
    iat: claims.iat,
    exp: claims.exp,
    rid: claims.recording,
  });
  return base64UrlEncode(new TextEncoder().encode(json));
}

/** Read a token's claims without checking its signature; undefined when it is not a token. */
export function readTokenClaims(token: string): TokenClaims | undefined {
  const parts = token.split(".");
  if (parts.length !== 3 || parts[0] !== TOKEN_PREFIX) return undefined;
  try {
    const json: unknown = JSON.parse(new TextDecoder().decode(base64UrlDecode(parts[1] as string)));
    if (typeof json !== "object" || json === null) return undefined;
    const { sid, role, iat, exp, rid } = json as Record<string, unknown>;
    if (!isSessionId(sid) || !isRole(role) || typeof iat !== "number") return undefined;
    if (exp !== undefined && typeof exp !== "number") return undefined;
    if (rid !== undefined && !isRecordingId(rid)) return undefined;
    const claims: { session: string; role: Role; iat: number; exp?: number; recording?: string } = {
      session: sid,
      role,
      iat,
    };
    if (exp !== undefined) claims.exp = exp;
    if (rid !== undefined) claims.recording = rid;
    return claims;
  } catch {
    return undefined;
  }
}

/** Recording ids have the form of session ids: 22 base64url characters (128 bits of randomness). */
export function isRecordingId(x: unknown): x is string {
  return isSessionId(x);
}

export interface RecordingLink {
  /** The web app's origin (and base path, if any). */
  readonly webUrl: string;
  /** The relay's base URL. */
  readonly relayUrl: string;
  readonly recording: string;
  /** A recording token, or a token of the recording's session. */
  readonly token: string;
}

/** A recording's review room: `<web app>/r/<recording>?relay=<relay URL>#token=<token>`. */
export function makeRecordingLink(link: RecordingLink): string {
  const base = link.webUrl.replace(/\/+$/, "");
  return `${base}/r/${link.recording}?relay=${encodeURIComponent(link.relayUrl)}#token=${encodeURIComponent(link.token)}`;
}

/** Parse a review-room link; throws `LinkError` saying what is missing. */
export function parseRecordingLink(text: string): RecordingLink {
  let url: URL;
  try {
    url = new URL(text.trim());
  } catch {
    throw new LinkError(`not a URL: ${text.slice(0, 80)}`);
  }
  const match = /^(.*)\/r\/([^/]+)\/?$/.exec(url.pathname);
  if (!match)
    throw new LinkError("a recording link has the form <web app>/r/<recording>?relay=...#token=...");
  const recording = decodeURIComponent(match[2] as string);
  if (!isRecordingId(recording)) throw new LinkError(`"${recording}" is not a recording id`);
  const relayUrl = url.searchParams.get("relay");
  if (!relayUrl) throw new LinkError("the link names no relay (?relay=...)");
  const token = new URLSearchParams(url.hash.replace(/^#/, "")).get("token");
  if (!token) throw new LinkError("the link carries no token (#token=...)");
  return { webUrl: `${url.origin}${match[1]}`, relayUrl, recording, token };
}

export function base64UrlEncode(bytes: Uint8Array): string {
  let binary = "";
  for (const b of bytes) binary += String.fromCharCode(b);
  return btoa(binary).replace(/\+/g, "-").replace(/\//g, "_").replace(/=+$/, "");
}

export function base64UrlDecode(text: string): Uint8Array {
  const b64 = text.replace(/-/g, "+").replace(/_/g, "/") + "===".slice((text.length + 3) % 4);
  const binary = atob(b64);
  const out = new Uint8Array(binary.length);
  for (let i = 0; i < binary.length; i++) out[i] = binary.charCodeAt(i);
  return out;
}
