import {
  type AdminNotice,
  type AdminNoticeRequest,
  AdminNoticeRequestSchema,
  AdminNoticeSchema,
} from "@depthroom/schema";
import { SdkError, SdkErrorCode } from "./errors.ts";
import { readAnswer, unreachable } from "./http.ts";
import { normalizeRelayUrl } from "./target.ts";

export interface PostNoticeOptions extends AdminNoticeRequest {
  /** The relay's base URL (any node of a cluster: the notice reaches every node). */
  readonly relayUrl: string;
  /** The relay's admin token (`DEPTHROOM_ADMIN_TOKEN`, or the `admin-token` file of its data directory). */
  readonly adminToken: string;
  /** Give up with `relay-unreachable` after this long; default 10 s. */
  readonly timeoutMs?: number;
}

/**
 * Send an admin notice (`POST /api/admin/notices`) to every viewer and producer of the relay, or of
 * one session. Checks the request first (`bad-message`); rejects with `SdkError`: `unauthorized` (no
 * token), `bad-token` (not the admin token), `session-not-found`, `relay-unreachable`.
 */
export async function postNotice(options: PostNoticeOptions): Promise<AdminNotice> {
  const { relayUrl: given, adminToken, timeoutMs, ...request } = options;
  const relayUrl = normalizeRelayUrl(given);
  const checked = AdminNoticeRequestSchema.safeParse(request);
  if (!checked.success) {
    const issue = checked.error.issues[0];
    const field = issue?.path.join(".") || undefined;
    throw new SdkError(
      SdkErrorCode.BadMessage,
      `bad notice: ${field ? `${field}: ` : ""}${issue?.message ?? "invalid"}`,
      field,
    );
  }
  if (typeof adminToken !== "string" || adminToken.length === 0) {
    throw new SdkError(SdkErrorCode.Unauthorized, "adminToken: missing");
  }
  const url = `${relayUrl}/api/admin/notices`;
  let response: Response;
  try {
    response = await fetch(url, {
      method: "POST",
      headers: { authorization: `Bearer ${adminToken}`, "content-type": "application/json" },
      body: JSON.stringify(checked.data),
      signal: AbortSignal.timeout(timeoutMs ?? 10_000),
    });
  } catch (error) {
    throw unreachable(relayUrl, error);
  }
  const answer = AdminNoticeSchema.safeParse(await readAnswer(response, url));
  if (!answer.success) throw new SdkError(SdkErrorCode.BadMessage, "the relay's notice answer is malformed");
  return answer.data;
}
