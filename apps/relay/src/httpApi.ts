import { createHash, timingSafeEqual } from "node:crypto";
import type { IncomingMessage, ServerResponse } from "node:http";
import {
  AdminNoticeRequestSchema,
  CreateSessionRequestSchema,
  type CreateSessionResponse,
  ErrorCode,
  type Health,
  makeSessionLink,
  RELAY_PROTOCOL_VERSION,
  ROLES,
  type Role,
  readTokenClaims,
  type SessionDescription,
  type SessionLinks,
  SHAREABLE_ROLES,
} from "@depthroom/schema";
import { admit, fetchSessionOfToken } from "./access.ts";
import { RequestRateByAddress } from "./addressLimits.ts";
import { TrustedProxies } from "./clientAddress.ts";
import {
  allowCors,
  answeredPreflight,
  answerFailure,
  bearerToken,
  HttpError,
  readJsonBody,
  sendJson,
  tokenOf,
} from "./httpKit.ts";
import { DEFAULT_LIMITS, type RelayLimits } from "./limits.ts";
import type { Logger } from "./log.ts";
import type { RelayMetrics } from "./metrics.ts";
import type { AdminNotices } from "./notices.ts";
import type { SessionRegistry } from "./sessionRegistry.ts";
import type { TokenSigner } from "./tokens.ts";
import { RELAY_VERSION } from "./version.ts";

/*
 * The HTTP API (JSON): `POST /api/sessions`, `GET /api/sessions/:id`, `GET /api/sessions/:id/links`,
 * `POST /api/admin/notices` (admin token), `GET /healthz`, `GET /metrics`.
 * Errors answer `{ error: Refusal }` with a matching status (httpKit.ts). CORS is open to any origin:
 * the endpoints carry no cookies, and tokens are the capabilities.
 */

export interface HttpApiDeps {
  readonly signer: TokenSigner;
  readonly registry: SessionRegistry;
  readonly metrics: RelayMetrics;
  readonly logger: Logger;
  /** The relay's public URL and the web app's URL, for session links. */
  readonly urls: () => { relayUrl: string; webUrl: string };
  readonly startedAt: number;
  /** Scale-out: this node's id, in `/healthz` and as `X-Depthroom-Node` on every response. */
  readonly node?: string;
  /** The admin credential (`Authorization: Bearer`) and where its notices go. */
  readonly admin: { readonly token: string; readonly notices: AdminNotices };
  /** The operator's token `POST /api/sessions` requires (`Authorization: Bearer`); none: open. */
  readonly createToken?: string;
  /** Proxies whose `X-Forwarded-For` names the client (the per-address creation rate). */
  readonly trustedProxies?: TrustedProxies;
  readonly limits?: Pick<RelayLimits, "maxSessionCreatesPerMinutePerAddress">;
}

/** The handler of these routes (and of any other path: `bad-message`, "no route"); `url` parsed by the kit. */
export function createHttpHandler(
  deps: HttpApiDeps,
): (req: IncomingMessage, res: ServerResponse, url: URL) => void {
  const perMinute = (deps.limits ?? DEFAULT_LIMITS).maxSessionCreatesPerMinutePerAddress;
  const creates = new RequestRateByAddress(perMinute / 60, perMinute * 2);
  const proxies = deps.trustedProxies ?? new TrustedProxies();
  const gate: CreateGate = {
    allow: (req) =>
      creates.take(proxies.clientAddress(req.socket.remoteAddress, req.headers["x-forwarded-for"])),
    perMinute,
  };
  return (req, res, url) => {
    allowCors(res, "GET, POST, DELETE, OPTIONS");
    if (deps.node) res.setHeader("X-Depthroom-Node", deps.node);
    handle(deps, gate, req, res, url).catch((error: unknown) => answerFailure(deps, req, res, error));
  };
}

/** Who may create a session now: the per-address rate (the operator token is checked after it). */
interface CreateGate {
  allow(req: IncomingMessage): boolean;
  readonly perMinute: number;
}

async function handle(
  deps: HttpApiDeps,
  gate: CreateGate,
  req: IncomingMessage,
  res: ServerResponse,
  url: URL,
): Promise<void> {
  const path = url.pathname;
  if (answeredPreflight(req, res)) return;
  if (path === "/healthz" && req.method === "GET") {
    const health: Health = {
      ok: true,
      version: RELAY_VERSION,
      protocolVersion: RELAY_PROTOCOL_VERSION,
      uptimeSeconds: Math.round((Date.now() - deps.startedAt) / 1000),
      serverTimeMs: Date.now(),
      ...(deps.node ? { node: deps.node } : {}),
    };
    return sendJson(res, 200, health);
  }
  if (path === "/metrics" && req.method === "GET") {
    res
      .writeHead(200, { "Content-Type": "text/plain; version=0.0.4; charset=utf-8" })
      .end(deps.metrics.render());
    return;
  }
  if (path === "/api/sessions" && req.method === "POST") return createSession(deps, gate, req, res);
  if (path === "/api/admin/notices" && req.method === "POST") return postNotice(deps, req, res);
  const match = /^\/api\/sessions\/([^/]+)(\/links)?$/.exec(path);
  const route = match ? sessionRoute(req.method, match[2] !== undefined) : undefined;
  if (match && route) {
    const id = match[1] as string;
    return route(deps, res, id, await admitRequest(deps, req, id, url));
  }
  throw new HttpError(ErrorCode.BadMessage, `no route ${req.method} ${path.slice(0, 80)}`);
}

async function createSession(
  deps: HttpApiDeps,
  gate: CreateGate,
  req: IncomingMessage,
  res: ServerResponse,
): Promise<void> {
  if (!gate.allow(req)) {
    throw new HttpError(
      ErrorCode.RateLimited,
      `more than ${gate.perMinute} sessions a minute from this address: try again later`,
    );
  }
  if (deps.createToken !== undefined) {
    const given = bearerToken(req);
    if (!given) {
      throw new HttpError(
        ErrorCode.Unauthorized,
        "this relay creates sessions for its operator's create token only (Authorization: Bearer)",
      );
    }
    if (!sameSecret(given, deps.createToken)) throw new HttpError(ErrorCode.BadToken, "not the create token");
  }
  const { title = "" } = await readJsonBody(req, CreateSessionRequestSchema);
  const created = await deps.registry.create(title || "Untitled session");
  if (!created.ok) throw new HttpError(created.code, created.message);
  const { id } = created.record;
  const { tokens, links } = roleLinks(deps, id, ROLES, (role) => deps.signer.issue(id, role));
  const response: CreateSessionResponse = {
    id,
    title: created.record.title,
    tokens: tokens as Record<Role, string>,
    links: links as Record<Role, string>,
  };
  deps.logger.info("session created", { session: id });
  sendJson(res, 201, response);
}

/** The handler of `/api/sessions/:id` (GET, DELETE) or `/api/sessions/:id/links` (GET), if any. */
function sessionRoute(method: string | undefined, links: boolean) {
  if (method === "GET") return links ? shareSession : describeSession;
  return method === "DELETE" && !links ? deleteSession : undefined;
}

/** A token and a session link for each of `roles`, tokens made by `issue`. */
function roleLinks(
  deps: HttpApiDeps,
  id: string,
  roles: readonly Role[],
  issue: (role: Role) => string,
): SessionLinks {
  const { relayUrl, webUrl } = deps.urls();
  const tokens: Partial<Record<Role, string>> = {};
  const links: Partial<Record<Role, string>> = {};
  for (const role of roles) {
    const token = issue(role);
    tokens[role] = token;
    links[role] = makeSessionLink({ webUrl, relayUrl, session: id, token });
  }
  return { tokens, links };
}

type Admission = Awaited<ReturnType<typeof admitRequest>>;

/** `DELETE /api/sessions/:id` with an edit token: the session, its document and links end; recordings stay. */
async function deleteSession(
  deps: HttpApiDeps,
  res: ServerResponse,
  id: string,
  admission: Admission,
): Promise<void> {
  if (admission.role !== "edit") {
    throw new HttpError(ErrorCode.Forbidden, `a ${admission.role} token cannot delete the session`);
  }
  await deps.registry.delete(id, "deleted");
  deps.logger.info("session deleted", { session: id });
  res.writeHead(204).end();
}

/** Admit the request's token (`Authorization: Bearer` or `?token=`) for session `id`. */
async function admitRequest(deps: HttpApiDeps, req: IncomingMessage, id: string, url: URL) {
  const token = tokenOf(req, url, deps.logger);
  await fetchSessionOfToken(deps.signer, deps.registry, id, token);
  const admission = admit(deps.signer, deps.registry, id, token);
  if (!admission.ok) throw new HttpError(admission.code, admission.message);
  return { ...admission, token: token as string };
}

/**
 * Fresh tokens and links for the roles the caller may hand out (`SHAREABLE_ROLES`). They expire when
 * the caller's token does, so sharing never outlives the capability it came from.
 */
function shareSession(deps: HttpApiDeps, res: ServerResponse, id: string, admission: Admission): void {
  const exp = readTokenClaims(admission.token)?.exp; // verified by the admission
  const now = Math.floor(Date.now() / 1000);
  const response: SessionLinks = roleLinks(deps, id, SHAREABLE_ROLES[admission.role], (role) =>
    deps.signer.issue(id, role, now, exp),
  );
  sendJson(res, 200, response);
}

function describeSession(deps: HttpApiDeps, res: ServerResponse, id: string, admission: Admission): void {
  const live = deps.registry.peekLive(id);
  const description: SessionDescription = {
    id,
    title: admission.record.title,
    createdAt: admission.record.createdAt,
    entities: live?.entities() ?? [],
    producers: live?.producers() ?? [],
    viewers: live?.viewerCount ?? 0,
  };
  sendJson(res, 200, description);
}

/** `POST /api/admin/notices`: the admin token only as `Authorization: Bearer` (never in a URL). */
async function postNotice(deps: HttpApiDeps, req: IncomingMessage, res: ServerResponse): Promise<void> {
  const bearer = bearerToken(req);
  if (!bearer) {
    throw new HttpError(ErrorCode.Unauthorized, "no admin token (Authorization: Bearer <admin token>)");
  }
  if (!sameSecret(bearer, deps.admin.token)) throw new HttpError(ErrorCode.BadToken, "not the admin token");
  const request = await readJsonBody(req, AdminNoticeRequestSchema, { what: "notice" });
  const { session } = request;
  if (session !== undefined) {
    if (!deps.registry.get(session) && deps.registry.fetches) await deps.registry.fetch(session);
    if (!deps.registry.get(session)) throw new HttpError(ErrorCode.SessionNotFound, "no such session");
  }
  const notice = deps.admin.notices.post(request);
  deps.logger.info("admin notice", {
    id: notice.id,
    level: notice.level,
    ...(session !== undefined ? { session } : {}),
  });
  sendJson(res, 201, notice);
}

/** Constant-time comparison of two secrets of any length. */
function sameSecret(given: string, expected: string): boolean {
  const digest = (text: string) => createHash("sha256").update(text).digest();
  return timingSafeEqual(digest(given), digest(expected));
}
