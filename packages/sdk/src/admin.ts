import {
  type AdminNotice,
  type AdminNoticeRequest,
  AdminNoticeRequestSchema,
  AdminNoticeSchema,
  firstIssue,
} from "@depthroom/schema";
import { SdkError, SdkErrorCode } from "./errors.ts";
import { call, readJson } from "./http.ts";
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
    const { field, message } = firstIssue(checked.error);
    throw new SdkError(SdkErrorCode.BadMessage, `bad notice: ${message}`, field);
  }
  if (typeof adminToken !== "string" || adminToken.length === 0) {
    throw new SdkError(SdkErrorCode.Unauthorized, "adminToken: missing");
  }
  const response = await call(relayUrl, "/api/admin/notices", {
    method: "POST",
    token: adminToken,
    json: checked.data,
    timeoutMs: timeoutMs ?? 10_000,
  });
  return readJson(response, AdminNoticeSchema, "the relay's notice answer");
}
