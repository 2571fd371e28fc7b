import { createHash, timingSafeEqual } from "node:crypto";
import type { IncomingMessage, ServerResponse } from "node:http";
import {
  AdminNoticeRequestSchema,
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
import { admit, fetchSessionOfToken, httpStatusFor } from "./access.ts";
import type { Logger } from "./log.ts";
import type { RelayMetrics } from "./metrics.ts";
import type { AdminNotices } from "./notices.ts";
import type { SessionRegistry } from "./sessionRegistry.ts";
import type { TokenSigner } from "./tokens.ts";
import { RELAY_VERSION } from "./version.ts";

/*
 * The HTTP API (JSON): `POST /api/sessions`, `GET /api/sessions/:id`, `GET /api/sessions/:id/links`,
 * `POST /api/admin/notices` (admin token), `GET /healthz`, `GET /metrics`.
 * Errors answer `{ error: Refusal }` with a matching status. CORS is open to any origin: the endpoints
 * carry no cookies, and tokens are the capabilities.
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
}

const MAX_BODY_BYTES = 16 * 1024;
const MAX_TITLE_LENGTH = 200;

class HttpError extends Error {
  constructor(
    readonly code: ErrorCode,
    message: string,
  ) {
    super(message);
  }
}

export function createHttpHandler(deps: HttpApiDeps): (req: IncomingMessage, res: ServerResponse) => void {
  return (req, res) => {
    res.setHeader("Access-Control-Allow-Origin", "*");
    res.setHeader("Access-Control-Allow-Headers", "Authorization, Content-Type");
    res.setHeader("Access-Control-Allow-Methods", "GET, POST, OPTIONS");
    if (deps.node) res.setHeader("X-Depthroom-Node", deps.node);
    handle(deps, req, res).catch((error: unknown) => {
      const known = error instanceof HttpError;
      const code = known ? error.code : ErrorCode.Internal;
      const message = known ? error.message : "internal error";
      if (!known)
        deps.logger.error("http handler failed", { path: req.url?.split("?")[0], error: String(error) });
      deps.metrics.reject(code);
      if (!res.headersSent) sendJson(res, httpStatusFor(code), { error: { code, message } });
      else res.end();
    });
  };
}

async function handle(deps: HttpApiDeps, req: IncomingMessage, res: ServerResponse): Promise<void> {
  const url = new URL(req.url ?? "/", "http://relay");
  const path = url.pathname;
  if (req.method === "OPTIONS") {
    res.writeHead(204, { "Access-Control-Max-Age": "600" }).end();
    return;
  }
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
  if (path === "/api/sessions" && req.method === "POST") return createSession(deps, req, res);
  if (path === "/api/admin/notices" && req.method === "POST") return postNotice(deps, req, res);
  const match = /^\/api\/sessions\/([^/]+)(\/links)?$/.exec(path);
  if (match && req.method === "GET") {
    return match[2]
      ? shareSession(deps, req, res, match[1] as string, url)
      : describeSession(deps, req, res, match[1] as string, url);
  }
  throw new HttpError(ErrorCode.BadMessage, `no route ${req.method} ${path.slice(0, 80)}`);
}

async function createSession(deps: HttpApiDeps, req: IncomingMessage, res: ServerResponse): Promise<void> {
  const body = await readJsonBody(req);
  let title = "";
  if (body !== undefined) {
    if (typeof body !== "object" || body === null || Array.isArray(body)) {
      throw new HttpError(ErrorCode.BadMessage, "the body must be a JSON object { title? }");
    }
    const raw = (body as { title?: unknown }).title;
    if (raw !== undefined) {
      if (typeof raw !== "string" || raw.length > MAX_TITLE_LENGTH) {
        throw new HttpError(
          ErrorCode.BadMessage,
          `title must be a string of at most ${MAX_TITLE_LENGTH} characters`,
        );
      }
      title = raw.trim();
    }
  }
  const created = await deps.registry.create(title || "Untitled session");
  if (!created.ok) throw new HttpError(created.code, created.message);
  const { id } = created.record;
  const { relayUrl, webUrl } = deps.urls();
  const tokens = {} as Record<Role, string>;
  const links = {} as Record<Role, string>;
  for (const role of ROLES) {
    tokens[role] = deps.signer.issue(id, role);
    links[role] = makeSessionLink({ webUrl, relayUrl, session: id, token: tokens[role] });
  }
  const response: CreateSessionResponse = { id, title: created.record.title, tokens, links };
  deps.logger.info("session created", { session: id });
  sendJson(res, 201, response);
}

/** Admit the request's token (`Authorization: Bearer` or `?token=`) for session `id`. */
async function admitRequest(deps: HttpApiDeps, req: IncomingMessage, id: string, url: URL) {
  const bearer = /^Bearer\s+(\S+)$/i.exec(req.headers.authorization ?? "")?.[1];
  const token = bearer ?? url.searchParams.get("token");
  await fetchSessionOfToken(deps.signer, deps.registry, id, token);
  const admission = admit(deps.signer, deps.registry, id, token);
  if (!admission.ok) throw new HttpError(admission.code, admission.message);
  return { ...admission, token: token as string };
}

/**
 * Fresh tokens and links for the roles the caller may hand out (`SHAREABLE_ROLES`). They expire when
 * the caller's token does, so sharing never outlives the capability it came from.
 */
async function shareSession(
  deps: HttpApiDeps,
  req: IncomingMessage,
  res: ServerResponse,
  id: string,
  url: URL,
): Promise<void> {
  const admission = await admitRequest(deps, req, id, url);
  const exp = readTokenClaims(admission.token)?.exp; // verified by the admission
  const { relayUrl, webUrl } = deps.urls();
  const tokens: Partial<Record<Role, string>> = {};
  const links: Partial<Record<Role, string>> = {};
  const now = Math.floor(Date.now() / 1000);
  for (const role of SHAREABLE_ROLES[admission.role]) {
    const token = deps.signer.issue(id, role, now, exp);
    tokens[role] = token;
    links[role] = makeSessionLink({ webUrl, relayUrl, session: id, token });
  }
  const response: SessionLinks = { tokens, links };
  sendJson(res, 200, response);
}

async function describeSession(
  deps: HttpApiDeps,
  req: IncomingMessage,
  res: ServerResponse,
  id: string,
  url: URL,
): Promise<void> {
  const admission = await admitRequest(deps, req, id, url);
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
  const bearer = /^Bearer\s+(\S+)$/i.exec(req.headers.authorization ?? "")?.[1];
  if (!bearer) {
    throw new HttpError(ErrorCode.Unauthorized, "no admin token (Authorization: Bearer <admin token>)");
  }
  if (!sameSecret(bearer, deps.admin.token)) throw new HttpError(ErrorCode.BadToken, "not the admin token");
  const parsed = AdminNoticeRequestSchema.safeParse((await readJsonBody(req)) ?? {});
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    const where = issue && issue.path.length > 0 ? `${issue.path.join(".")}: ` : "";
    throw new HttpError(ErrorCode.BadMessage, `bad notice: ${where}${issue?.message ?? "invalid"}`);
  }
  const { session } = parsed.data;
  if (session !== undefined) {
    if (!deps.registry.get(session) && deps.registry.fetches) await deps.registry.fetch(session);
    if (!deps.registry.get(session)) throw new HttpError(ErrorCode.SessionNotFound, "no such session");
  }
  const notice = deps.admin.notices.post(parsed.data);
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

async function readJsonBody(req: IncomingMessage): Promise<unknown> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of req) {
    size += (chunk as Buffer).length;
    if (size > MAX_BODY_BYTES)
      throw new HttpError(ErrorCode.MessageTooLarge, `body larger than ${MAX_BODY_BYTES} bytes`);
    chunks.push(chunk as Buffer);
  }
  const text = Buffer.concat(chunks).toString("utf8").trim();
  if (text.length === 0) return undefined;
  try {
    return JSON.parse(text);
  } catch {
    throw new HttpError(ErrorCode.BadMessage, "the body is not JSON");
  }
}

function sendJson(res: ServerResponse, status: number, body: unknown): void {
  res.writeHead(status, { "Content-Type": "application/json; charset=utf-8", "Cache-Control": "no-store" });
  res.end(JSON.stringify(body));
}
