import { type CreateSessionResponse, ErrorCode, isSessionId, type Refusal, ROLES } from "@depthroom/schema";

/*
 * The relay's HTTP API as the web app calls it. Every answer is checked before use; failures come back
 * as a `Refusal` (named code + sentence) for the page to show, never as a thrown error.
 */

export type ApiResult<T> = { readonly ok: true; readonly value: T } | ({ readonly ok: false } & Refusal);

/** `POST {relay}/api/sessions`: a new session with its three tokens. */
export async function createSession(
  relayUrl: string,
  title?: string,
  fetchImpl: typeof fetch = fetch,
): Promise<ApiResult<CreateSessionResponse>> {
  let response: Response;
  try {
    response = await fetchImpl(`${relayUrl.replace(/\/+$/, "")}/api/sessions`, {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: JSON.stringify(title ? { title } : {}),
    });
  } catch (error) {
    return {
      ok: false,
      code: ErrorCode.Internal,
      message: `cannot reach the relay at ${relayUrl} (${error instanceof Error ? error.message : String(error)})`,
    };
  }
  let body: unknown;
  try {
    body = await response.json();
  } catch {
    return {
      ok: false,
      code: ErrorCode.Internal,
      message: `the relay answered ${response.status} without JSON`,
    };
  }
  if (!response.ok) return { ok: false, ...refusalOf(body, response.status) };
  const checked = checkCreateSessionResponse(body);
  return checked
    ? { ok: true, value: checked }
    : { ok: false, code: ErrorCode.BadMessage, message: "unexpected answer" };
}

function refusalOf(body: unknown, status: number): Refusal {
  const error = (body as { error?: Partial<Refusal> } | null)?.error;
  const code = Object.values(ErrorCode).find((c) => c === error?.code) ?? ErrorCode.Internal;
  const message = typeof error?.message === "string" ? error.message : `the relay answered ${status}`;
  return { code, message };
}

/** The response if it has the documented shape, else undefined. */
export function checkCreateSessionResponse(body: unknown): CreateSessionResponse | undefined {
  if (typeof body !== "object" || body === null) return undefined;
  const { id, title, tokens, links } = body as Record<string, unknown>;
  if (!isSessionId(id) || typeof tokens !== "object" || tokens === null) return undefined;
  const tokenMap = tokens as Record<string, unknown>;
  for (const role of ROLES) if (typeof tokenMap[role] !== "string") return undefined;
  const linkMap = (typeof links === "object" && links !== null ? links : {}) as Record<string, unknown>;
  const strings = (map: Record<string, unknown>) =>
    Object.fromEntries(ROLES.map((role) => [role, typeof map[role] === "string" ? map[role] : ""])) as Record<
      (typeof ROLES)[number],
      string
    >;
  return {
    id,
    title: typeof title === "string" ? title : "",
    tokens: strings(tokenMap),
    links: strings(linkMap),
  };
}
