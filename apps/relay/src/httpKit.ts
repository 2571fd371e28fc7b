import { open } from "node:fs/promises";
import type { IncomingMessage, ServerResponse } from "node:http";
import type { Duplex } from "node:stream";
import { ErrorCode, firstIssue, httpStatusOf } from "@depthroom/schema";
import { tokenOrDeprecatedQuery } from "./access.ts";
import type { Logger } from "./log.ts";
import type { RelayMetrics } from "./metrics.ts";

/*
 * The relay's HTTP kit: what every HTTP route module (httpApi.ts, recordingsHttp.ts) shares, once.
 *   requestTarget   the request's URL, or undefined when its target does not parse (never throws)
 *   HttpError       a refusal with a named `ErrorCode`; its status comes from the code
 *   readJsonBody    a bounded JSON body checked against a (zod) schema; spoolBody: a bounded body to a file
 *   sendJson / sendError, allowCors, bearerToken / tokenOf
 *   answerFailure   the one catch of every route: a refusal answers its code, anything else is logged
 *                   with its route and answers `internal` (never a server path or a stack)
 *   guardRequest / guardUpgrade   the last resort around the server's listeners: no exception (thrown
 *                   or rejected) reaches the process
 * Error bodies are `{ error: { code, message } }`.
 */

/** A refusal: answered with the code's HTTP status and `{ error: { code, message } }`. */
export class HttpError extends Error {
  override readonly name = "HttpError";
  constructor(
    readonly code: ErrorCode,
    message: string,
  ) {
    super(message);
  }
}

const BASE = "http://relay";

/**
 * The URL of a request target, or undefined when it is not one. Only origin-form (`/path?query`) and
 * absolute-form (`http://host/path`) are read; `//x/y` is the path `//x/y`, not the host `x`.
 */
export function requestTarget(req: Pick<IncomingMessage, "url">): URL | undefined {
  const target = req.url ?? "";
  try {
    if (target.startsWith("/")) return new URL(BASE + target);
    if (/^https?:\/\//i.test(target)) return new URL(target);
  } catch {
    // Not a URL: the caller answers 400.
  }
  return undefined;
}

/** A route's pathname for logs: bounded, no query (tokens travel there). */
export function routeOf(req: Pick<IncomingMessage, "url" | "method">): string {
  const path = (req.url ?? "").split("?")[0] ?? "";
  return `${req.method ?? "?"} ${path.slice(0, 120)}`;
}

export function sendJson(res: ServerResponse, status: number, body: unknown): void {
  res.writeHead(status, { "Content-Type": "application/json; charset=utf-8", "Cache-Control": "no-store" });
  res.end(JSON.stringify(body));
}

export function sendError(res: ServerResponse, code: ErrorCode, message: string): void {
  sendJson(res, httpStatusOf(code), { error: { code, message } });
}

/** Open CORS: the endpoints carry no cookies, tokens are the capabilities. */
export function allowCors(res: ServerResponse, methods: string, exposeHeaders?: string): void {
  res.setHeader("Access-Control-Allow-Origin", "*");
  res.setHeader("Access-Control-Allow-Headers", "Authorization, Content-Type");
  res.setHeader("Access-Control-Allow-Methods", methods);
  if (exposeHeaders) res.setHeader("Access-Control-Expose-Headers", exposeHeaders);
}

/** Answer a CORS preflight (`OPTIONS`): true when it was one. */
export function answeredPreflight(req: IncomingMessage, res: ServerResponse): boolean {
  if (req.method !== "OPTIONS") return false;
  res.writeHead(204, { "Access-Control-Max-Age": "600" }).end();
  return true;
}

/** The `Authorization: Bearer <token>` credential, if any. */
export function bearerToken(req: IncomingMessage): string | undefined {
  return /^Bearer\s+(\S+)$/i.exec(req.headers.authorization ?? "")?.[1];
}

/** A capability token: `Authorization: Bearer` first, else `?token=`. */
export function tokenOf(req: IncomingMessage, url: URL, logger?: Logger): string | null {
  const query = url.searchParams.get("token");
  return tokenOrDeprecatedQuery(bearerToken(req), query, "http", logger ?? { warn() {} }) ?? null;
}

/** What `readJsonBody` needs of a schema: zod's `safeParse`. */
export interface BodySchema<T> {
  safeParse(
    value: unknown,
  ):
    | { success: true; data: T }
    | { success: false; error: { issues: readonly { path: readonly PropertyKey[]; message: string }[] } };
}

/** Any JSON object (its fields checked by the route). */
export const JSON_OBJECT: BodySchema<Record<string, unknown>> = {
  safeParse: (value) =>
    typeof value === "object" && value !== null && !Array.isArray(value)
      ? { success: true, data: value as Record<string, unknown> }
      : { success: false, error: { issues: [{ path: [], message: "expected a JSON object" }] } },
};

export const MAX_JSON_BODY_BYTES = 16 * 1024;

/**
 * Read a JSON body of at most `maxBytes` (default 16 KiB) and check it against `schema`. An empty body
 * is read as `{}`. Refusals: `message-too-large` past the bound (reading stops there), `bad-message`
 * for a body that is not JSON or fails the schema: `bad <what>: <field>: <problem>`.
 */
export async function readJsonBody<T>(
  req: IncomingMessage,
  schema: BodySchema<T>,
  { maxBytes = MAX_JSON_BODY_BYTES, what = "body" }: { maxBytes?: number; what?: string } = {},
): Promise<T> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of req) {
    size += (chunk as Buffer).length;
    if (size > maxBytes) throw new HttpError(ErrorCode.MessageTooLarge, `body larger than ${maxBytes} bytes`);
    chunks.push(chunk as Buffer);
  }
  const text = Buffer.concat(chunks).toString("utf8").trim();
  let value: unknown = {};
  if (text.length > 0) {
    try {
      value = JSON.parse(text);
    } catch {
      throw new HttpError(ErrorCode.BadMessage, "the body is not JSON");
    }
  }
  const parsed = schema.safeParse(value);
  if (parsed.success) return parsed.data;
  throw new HttpError(ErrorCode.BadMessage, `bad ${what}: ${firstIssue(parsed.error).message}`);
}

/**
 * Write the request body to a new file (`wx`: never over an existing one), refusing it with
 * `message-too-large` past `maxBytes` (the rest is drained, not stored); returns its size.
 */
export async function spoolBody(req: IncomingMessage, path: string, maxBytes: number): Promise<number> {
  const handle = await open(path, "wx");
  let size = 0;
  try {
    for await (const chunk of req) {
      const bytes = chunk as Buffer;
      size += bytes.byteLength;
      if (size > maxBytes) {
        req.resume();
        throw new HttpError(
          ErrorCode.MessageTooLarge,
          `the file is larger than the relay accepts (${maxBytes} bytes)`,
        );
      }
      let done = 0;
      while (done < bytes.byteLength) {
        done += (await handle.write(bytes, done, bytes.byteLength - done)).bytesWritten;
      }
    }
  } finally {
    await handle.close();
  }
  return size;
}

export interface FailureDeps {
  readonly logger: Logger;
  readonly metrics: RelayMetrics;
}

/**
 * The one catch of a route: an `HttpError` answers its code and message. Anything else, and an
 * `internal` refusal, is the relay's own failure: its detail (paths, errnos) is logged with the route
 * (never the query) and the client gets `internal` with no detail. After the head went out, the
 * response is cut.
 */
export function answerFailure(
  deps: FailureDeps,
  req: IncomingMessage,
  res: ServerResponse,
  error: unknown,
): void {
  const refusal = error instanceof HttpError && error.code !== ErrorCode.Internal;
  const code = error instanceof HttpError ? error.code : ErrorCode.Internal;
  if (!refusal)
    deps.logger.error("http request failed", { route: routeOf(req), error: describeError(error) });
  deps.metrics.reject(code);
  if (res.headersSent) res.destroy();
  else sendError(res, code, refusal ? error.message : "internal error");
}

function describeError(error: unknown): string {
  return error instanceof Error ? `${error.name}: ${error.message}` : String(error);
}

type RequestListener = (req: IncomingMessage, res: ServerResponse, url: URL) => unknown;
type UpgradeListener = (req: IncomingMessage, socket: Duplex, head: Buffer, url: URL) => unknown;

/**
 * The server's request listener: a target that does not parse answers 400 `bad-message`; the handler
 * gets the parsed URL; a throw or a rejection it let through is logged with the route and answered 500.
 */
export function guardRequest(
  deps: FailureDeps,
  handle: RequestListener,
): (req: IncomingMessage, res: ServerResponse) => void {
  return (req, res) => {
    const fail = (error: unknown) => {
      try {
        answerFailure(deps, req, res, error);
      } catch {
        res.destroy();
      }
    };
    try {
      const url = requestTarget(req);
      if (!url) {
        deps.metrics.reject(ErrorCode.BadMessage);
        return sendError(res, ErrorCode.BadMessage, "the request target is not a URL path");
      }
      const result = handle(req, res, url);
      if (result instanceof Promise) result.catch(fail);
    } catch (error) {
      fail(error);
    }
  };
}

/**
 * The server's upgrade listener: a target that does not parse, a throw or a rejection destroys the
 * socket (the last two logged with the route); nothing reaches the process.
 */
export function guardUpgrade(
  deps: FailureDeps,
  handle: UpgradeListener,
): (req: IncomingMessage, socket: Duplex, head: Buffer) => void {
  return (req, socket, head) => {
    const fail = (error: unknown) => {
      deps.logger.error("upgrade failed", { route: routeOf(req), error: describeError(error) });
      socket.destroy();
    };
    try {
      const url = requestTarget(req);
      if (!url) {
        deps.metrics.reject(ErrorCode.BadMessage);
        socket.destroy();
        return;
      }
      const result = handle(req, socket, head, url);
      if (result instanceof Promise) result.catch(fail);
    } catch (error) {
      fail(error);
    }
  };
}
