import { ErrorBodySchema, firstIssue } from "@depthroom/schema";
import type { z } from "zod";
import { SdkError, SdkErrorCode } from "./errors.ts";

/*
 * The relay's JSON API over fetch (browser-safe): one `call()` for every request the SDK makes (sessions,
 * links, notices, recordings), and `readJson()` to check an answer with its schema. Failures are
 * `SdkError`s: `relay-unreachable` (no answer, or none within the timeout), `closed` (the caller
 * aborted), the relay's own code from its error body, `internal` for an error answer that is not one,
 * `bad-message` for an answer that does not match its schema.
 */

export interface CallOptions {
  /** Default GET. */
  readonly method?: string;
  /** Sent as `Authorization: Bearer`. */
  readonly token?: string;
  /** A JSON body. */
  readonly json?: unknown;
  /** A binary body (a Blob or, in Node, a ReadableStream: then give `size`). */
  readonly body?: Blob | ReadableStream<Uint8Array> | Uint8Array;
  readonly size?: number;
  readonly signal?: AbortSignal;
  /** Give up with `relay-unreachable` after this long; default 30 s; 0 waits as long as the body takes. */
  readonly timeoutMs?: number;
}

const DEFAULT_TIMEOUT_MS = 30_000;

/** One request to the relay at `relayUrl` (normalized, no trailing slash): the response when it is ok. */
export async function call(relayUrl: string, path: string, options: CallOptions = {}): Promise<Response> {
  const method = options.method ?? "GET";
  const url = `${relayUrl}${path}`;
  const headers: Record<string, string> = {};
  if (options.token !== undefined) headers.authorization = `Bearer ${options.token}`;
  let body: BodyInit | undefined;
  if (options.json !== undefined) {
    headers["content-type"] = "application/json";
    body = JSON.stringify(options.json);
  } else if (options.body !== undefined) {
    headers["content-type"] = "application/octet-stream";
    if (options.size !== undefined) headers["content-length"] = String(options.size);
    body = options.body as BodyInit;
  }
  const timeoutMs = options.timeoutMs ?? DEFAULT_TIMEOUT_MS;
  const timeout = timeoutMs > 0 ? AbortSignal.timeout(timeoutMs) : undefined;
  const signals = [options.signal, timeout].filter((s): s is AbortSignal => s !== undefined);
  let response: Response;
  try {
    response = await fetch(url, {
      method,
      headers,
      ...(body !== undefined ? { body } : {}),
      ...(signals.length > 0 ? { signal: signals.length === 1 ? signals[0] : AbortSignal.any(signals) } : {}),
      // Node's fetch streams a ReadableStream body only in half-duplex mode.
      ...(body instanceof ReadableStream ? { duplex: "half" } : {}),
    } as RequestInit);
  } catch (error) {
    if (options.signal?.aborted) throw new SdkError(SdkErrorCode.Closed, "cancelled");
    throw unreachable(relayUrl, error, timeout?.aborted ? timeoutMs : undefined);
  }
  if (response.ok) return response;
  let answer: unknown;
  try {
    answer = await response.json();
  } catch {
    throw new SdkError(
      SdkErrorCode.Internal,
      `${method} ${url.split("?")[0]} answered ${response.status} without JSON: is this a Depthroom relay?`,
    );
  }
  const refusal = ErrorBodySchema.safeParse(answer);
  if (refusal.success) {
    throw new SdkError(refusal.data.error.code, `the relay refused: ${refusal.data.error.message}`);
  }
  throw new SdkError(SdkErrorCode.Internal, `${method} ${url.split("?")[0]} answered ${response.status}`);
}

/** The JSON answer of a successful `call()`, checked with its schema (`what` names it in the error). */
export async function readJson<S extends z.ZodType>(
  response: Response,
  schema: S,
  what: string,
): Promise<z.output<S>> {
  let answer: unknown;
  try {
    answer = await response.json();
  } catch {
    throw new SdkError(SdkErrorCode.BadMessage, `${what}: the relay answered without JSON`);
  }
  const checked = schema.safeParse(answer);
  if (!checked.success) {
    const { field, message } = firstIssue(checked.error);
    throw new SdkError(SdkErrorCode.BadMessage, `${what} is malformed: ${message}`, field);
  }
  return checked.data;
}

/** A fetch that failed before any answer: `relay-unreachable`, naming the relay and the cause. */
function unreachable(relayUrl: string, error: unknown, timedOutMs: number | undefined): SdkError {
  const cause =
    timedOutMs !== undefined
      ? `no answer within ${Math.round(timedOutMs / 100) / 10} s`
      : ((error as { cause?: { code?: string } }).cause?.code ?? (error as Error).message);
  return new SdkError(SdkErrorCode.RelayUnreachable, `relay unreachable: ${relayUrl} (${cause})`);
}
