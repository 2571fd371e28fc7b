import { isRole, type Role } from "@depthroom/schema";

/*
 * The capability tokens this browser has seen for a session: all three when it created the session,
 * else only the one in the link. The Share control offers the links it can build from them.
 */

const key = (session: string) => `depthroom:tokens:${session}`;

export type KnownTokens = Partial<Record<Role, string>>;

export function rememberTokens(session: string, tokens: KnownTokens): void {
  try {
    const merged = { ...recallTokens(session), ...tokens };
    window.localStorage.setItem(key(session), JSON.stringify(merged));
  } catch {
    // Storage may be unavailable (private mode): sharing falls back to the link's own token.
  }
}

export function recallTokens(session: string): KnownTokens {
  try {
    const parsed: unknown = JSON.parse(window.localStorage.getItem(key(session)) ?? "{}");
    if (typeof parsed !== "object" || parsed === null) return {};
    const out: KnownTokens = {};
    for (const [role, token] of Object.entries(parsed)) {
      if (isRole(role) && typeof token === "string" && token.length > 0) out[role] = token;
    }
    return out;
  } catch {
    return {};
  }
}
