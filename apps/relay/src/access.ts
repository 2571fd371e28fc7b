import { ErrorCode, isSessionId, type Refusal, type Role } from "@depthroom/schema";
import type { SessionRegistry } from "./sessionRegistry.ts";
import type { SessionRecord } from "./store.ts";
import type { TokenSigner } from "./tokens.ts";

/*
 * Who may do what. Every socket and HTTP request goes through `admit` (token of this session, session
 * known) and then `can` (role allows the action).
 *
 *            subscribe frames  publish frames  read doc  write doc
 *   view            yes              -            yes        -
 *   edit            yes              -            yes       yes
 *   publish          -              yes            -         -
 */

export type Action = "subscribe" | "publish" | "read-doc" | "write-doc";

const ALLOWED: Record<Role, ReadonlySet<Action>> = {
  view: new Set(["subscribe", "read-doc"]),
  edit: new Set(["subscribe", "read-doc", "write-doc"]),
  publish: new Set(["publish"]),
};

export function can(role: Role, action: Action): boolean {
  return ALLOWED[role].has(action);
}

export type Admission =
  | {
      readonly ok: true;
      readonly role: Role;
      readonly record: SessionRecord;
      /** The token's expiry (seconds since the epoch), if it has one. */
      readonly exp?: number | undefined;
    }
  | ({ readonly ok: false } & Refusal);

export function admit(
  signer: TokenSigner,
  registry: SessionRegistry,
  session: unknown,
  token: unknown,
): Admission {
  if (typeof token !== "string" || token.length === 0) {
    return { ok: false, code: ErrorCode.Unauthorized, message: "no token" };
  }
  if (!isSessionId(session))
    return { ok: false, code: ErrorCode.SessionNotFound, message: "not a session id" };
  const check = signer.verify(token, session);
  if (!check.ok) return { ok: false, code: check.code, message: check.message };
  const record = registry.get(session);
  if (!record) return { ok: false, code: ErrorCode.SessionNotFound, message: "no such session" };
  return { ok: true, role: check.claims.role, record, exp: check.claims.exp };
}

/**
 * Stores shared by several nodes: a genuine token of a session this node has not seen (another node
 * created it) makes the registry fetch that session, so `admit` then finds it. Forged tokens never
 * reach the store. Returns undefined when there is nothing to wait for (always, with a single node's
 * store), so the common path stays synchronous.
 */
export function fetchSessionOfToken(
  signer: TokenSigner,
  registry: SessionRegistry,
  session: unknown,
  token: unknown,
): Promise<unknown> | undefined {
  if (typeof token !== "string" || !isSessionId(session) || registry.get(session)) return undefined;
  if (!registry.fetches || !signer.verify(token, session).ok) return undefined;
  return registry.fetch(session);
}

/**
 * The token of a socket or request: where it should travel (`given`: socket.io `auth`, the doc
 * socket's subprotocol, `Authorization: Bearer`), else the deprecated `?token=` query form, which
 * still works for this version and logs a warning (once per kind of socket per process; never the token).
 */
export function tokenOrDeprecatedQuery(
  given: unknown,
  query: unknown,
  socket: "frames" | "doc" | "http",
  logger: { warn(msg: string, fields: Record<string, unknown>): void },
): string | undefined {
  if (typeof given === "string" && given.length > 0) return given;
  if (typeof query !== "string" || query.length === 0) return undefined;
  if (!warnedQueryToken.has(socket)) {
    warnedQueryToken.add(socket);
    logger.warn("deprecated: token in the URL query", {
      socket,
      use:
        socket === "frames"
          ? "socket.io auth { token }"
          : socket === "doc"
            ? "the depthroom.token.<token> WebSocket subprotocol"
            : "Authorization: Bearer <token>",
    });
  }
  return query;
}

const warnedQueryToken = new Set<string>();

/** Longest delay a Node timer takes (about 24.8 days); later expiries are waited for in steps. */
const MAX_TIMER_MS = 2 ** 31 - 1;

/**
 * Call `onExpire` once a token's `exp` (seconds since the epoch) has passed, as `TokenSigner.verify`
 * counts it (refused strictly after `exp`), so an open connection loses its rights when a new one
 * would be refused. Returns the cancel (call it when the connection closes). No `exp`: never.
 */
export function whenExpired(exp: number | undefined, onExpire: () => void, now = Date.now): () => void {
  if (exp === undefined) return () => {};
  let timer: ReturnType<typeof setTimeout> | undefined;
  const arm = () => {
    const delay = exp * 1000 - now() + 1;
    if (delay <= 0) {
      timer = undefined;
      onExpire();
      return;
    }
    timer = setTimeout(arm, Math.min(delay, MAX_TIMER_MS));
  };
  arm();
  return () => clearTimeout(timer);
}

/** The WebSocket close code and the HTTP status of a refusal: the schema's one table of error codes. */
export { closeCodeOf as closeCodeFor, httpStatusOf as httpStatusFor } from "@depthroom/schema";
