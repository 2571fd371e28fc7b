import { ErrorCode, type Refusal, type Role, type TokenClaims } from "@depthroom/schema";
import type { RecordingRecord } from "./recordingStore.ts";
import type { TokenSigner } from "./tokens.ts";

/*
 * Who may do what with a recording. A recording belongs to its session, so a token of the session
 * opens the session's recordings with the same role; a recording's own token (claim `rid`, issued in
 * review links) opens that one recording and never the live session.
 *
 *                                         view   edit   publish
 *   list, describe, download, latest-at    yes    yes      -
 *   review room: read / write the doc      yes    yes      -     (view: read-only, as for sessions)
 *                                           -     yes
 *   start, stop, import, delete             -     yes      -     (session tokens only)
 */

export type RecordingAction = "read" | "write-doc" | "manage";

export type RecordingAdmission =
  | {
      readonly ok: true;
      readonly role: Role;
      /** True for a recording's own token (review link), false for a token of its session. */
      readonly scoped: boolean;
    }
  | ({ readonly ok: false } & Refusal);

/** Check a token's signature and expiry alone (before looking anything up, so nothing leaks). */
export function verifyToken(
  signer: TokenSigner,
  token: unknown,
): { ok: true; claims: TokenClaims } | ({ ok: false } & Refusal) {
  if (typeof token !== "string" || token.length === 0) {
    return { ok: false, code: ErrorCode.Unauthorized, message: "no token" };
  }
  const check = signer.verify(token);
  return check.ok
    ? { ok: true, claims: check.claims }
    : { ok: false, code: check.code, message: check.message };
}

/** May the holder of `claims` do `action` on `record`? */
export function admitRecording(
  claims: TokenClaims,
  record: RecordingRecord,
  action: RecordingAction,
): RecordingAdmission {
  if (claims.session !== record.sessionId) {
    return { ok: false, code: ErrorCode.BadToken, message: "token of another session" };
  }
  if (claims.recording !== undefined && claims.recording !== record.id) {
    return { ok: false, code: ErrorCode.BadToken, message: "token of another recording" };
  }
  const scoped = claims.recording !== undefined;
  const role = claims.role;
  if (role === "publish") {
    return { ok: false, code: ErrorCode.Forbidden, message: "a publish token cannot open recordings" };
  }
  if (action === "write-doc" && role !== "edit") {
    return { ok: false, code: ErrorCode.ReadOnly, message: "a view token cannot change the review room" };
  }
  if (action === "manage" && (role !== "edit" || scoped)) {
    return {
      ok: false,
      code: ErrorCode.Forbidden,
      message: scoped
        ? "a recording's token cannot stop or delete it: use the session's edit link"
        : `a ${role} token cannot stop or delete recordings`,
    };
  }
  return { ok: true, role, scoped };
}

/** The roles of review links the holder of `role` may hand out (never more than their own). */
export function linkRolesFor(role: Role): ("view" | "edit")[] {
  return role === "edit" ? ["view", "edit"] : role === "view" ? ["view"] : [];
}
