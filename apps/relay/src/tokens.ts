import { createHmac, randomBytes, timingSafeEqual } from "node:crypto";
import {
  base64UrlEncode,
  ErrorCode,
  encodeTokenPayload,
  type Role,
  readTokenClaims,
  TOKEN_PREFIX,
  type TokenClaims,
} from "@depthroom/schema";

/*
 * Capability tokens: `v1.<base64url(JSON claims)>.<base64url(HMAC-SHA256(secret, "v1.<payload>"))>`.
 * The claims format lives in @depthroom/schema (link.ts); only the relay holds the secret.
 */

export type TokenCheck =
  | { readonly ok: true; readonly claims: TokenClaims }
  | {
      readonly ok: false;
      readonly code: typeof ErrorCode.Unauthorized | typeof ErrorCode.BadToken;
      readonly message: string;
    };

/** 16 random bytes as 22 base64url characters. */
export function newSessionId(): string {
  return base64UrlEncode(randomBytes(16));
}

export class TokenSigner {
  readonly #secret: Buffer;

  constructor(secret: string | Uint8Array) {
    this.#secret = Buffer.from(secret);
    if (this.#secret.length < 16) throw new RangeError("the token secret needs at least 16 bytes");
  }

  /** `expiresAt` (seconds since the epoch): the token is refused after it; none by default. */
  issue(session: string, role: Role, nowSeconds = Math.floor(Date.now() / 1000), expiresAt?: number): string {
    const payload = encodeTokenPayload({
      session,
      role,
      iat: nowSeconds,
      ...(expiresAt !== undefined ? { exp: expiresAt } : {}),
    });
    return `${TOKEN_PREFIX}.${payload}.${this.#sign(payload)}`;
  }

  /**
   * A token that opens one recording of `session` (its data and review room), never the live session.
   * `expiresAt`: the expiry of the token it is minted from, so a review link never outlives it.
   */
  issueForRecording(
    session: string,
    recording: string,
    role: Role,
    nowSeconds = Math.floor(Date.now() / 1000),
    expiresAt?: number,
  ): string {
    const payload = encodeTokenPayload({
      session,
      role,
      iat: nowSeconds,
      recording,
      ...(expiresAt !== undefined ? { exp: expiresAt } : {}),
    });
    return `${TOKEN_PREFIX}.${payload}.${this.#sign(payload)}`;
  }

  /**
   * Checks signature, format and expiry; `session`, when given, must be the token's session, and the
   * token must be a session token (not one scoped to a recording).
   */
  verify(token: string | undefined | null, session?: string, nowSeconds = Date.now() / 1000): TokenCheck {
    if (!token) return { ok: false, code: ErrorCode.Unauthorized, message: "no token" };
    const parts = token.split(".");
    if (parts.length !== 3 || parts[0] !== TOKEN_PREFIX) {
      return { ok: false, code: ErrorCode.BadToken, message: "not a depthroom token" };
    }
    const given = Buffer.from(parts[2] as string);
    const expected = Buffer.from(this.#sign(parts[1] as string));
    if (given.length !== expected.length || !timingSafeEqual(given, expected)) {
      return { ok: false, code: ErrorCode.BadToken, message: "bad token signature" };
    }
    const claims = readTokenClaims(token);
    if (!claims) return { ok: false, code: ErrorCode.BadToken, message: "malformed token claims" };
    if (claims.exp !== undefined && claims.exp < nowSeconds) {
      return { ok: false, code: ErrorCode.BadToken, message: "token expired" };
    }
    if (session !== undefined && claims.session !== session) {
      return { ok: false, code: ErrorCode.BadToken, message: "token of another session" };
    }
    if (session !== undefined && claims.recording !== undefined) {
      return {
        ok: false,
        code: ErrorCode.BadToken,
        message: "a recording's token opens only that recording",
      };
    }
    return { ok: true, claims };
  }

  #sign(payload: string): string {
    return base64UrlEncode(createHmac("sha256", this.#secret).update(`${TOKEN_PREFIX}.${payload}`).digest());
  }
}
