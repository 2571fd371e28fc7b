import { type CreateSessionResponse, isSessionId, ROLES } from "@depthroom/schema";
import { isRefusal } from "./connection.ts";
import { SdkError, SdkErrorCode } from "./errors.ts";
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
    const cause = (error as { cause?: { code?: string } }).cause?.code ?? (error as Error).message;
    throw new SdkError(SdkErrorCode.RelayUnreachable, `relay unreachable: ${relayUrl} (${cause})`);
  }
  let body: unknown;
  try {
    body = await response.json();
  } catch {
    throw new SdkError(
      response.ok ? SdkErrorCode.BadMessage : SdkErrorCode.Internal,
      `${relayUrl}/api/sessions answered ${response.status} without JSON: is this a Depthroom relay?`,
    );
  }
  if (!response.ok) {
    const error = (body as { error?: unknown }).error;
    if (isRefusal(error)) throw new SdkError(error.code, `the relay refused: ${error.message}`);
    throw new SdkError(SdkErrorCode.Internal, `${relayUrl}/api/sessions answered ${response.status}`);
  }
  return checkCreateSessionResponse(body);
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
