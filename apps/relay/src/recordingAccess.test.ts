import { ErrorCode } from "@depthroom/schema";
import { describe, expect, it } from "vitest";
import { admitRecording, linkRolesFor, verifyToken } from "./recordingAccess.ts";
import type { RecordingRecord } from "./recordingStore.ts";
import { TokenSigner } from "./tokens.ts";

const signer = new TokenSigner("a test secret of enough length");
const session = "SSSSSSSSSSSSSSSSSSSSSS";
const record = { id: "AAAAAAAAAAAAAAAAAAAAAA", sessionId: session } as RecordingRecord;
const claimsOf = (token: string) => {
  const verified = verifyToken(signer, token);
  if (!verified.ok) throw new Error(verified.message);
  return verified.claims;
};

describe("recording capabilities", () => {
  it("a recording's token opens that recording only, never the live session", () => {
    const scoped = signer.issueForRecording(session, record.id, "edit");
    expect(signer.verify(scoped, session)).toMatchObject({ ok: false, code: ErrorCode.BadToken });
    const claims = claimsOf(scoped);
    expect(claims.recording).toBe(record.id);
    expect(admitRecording(claims, record, "read")).toEqual({ ok: true, role: "edit", scoped: true });
    expect(admitRecording(claims, record, "write-doc")).toMatchObject({ ok: true });
    expect(admitRecording(claims, record, "manage")).toMatchObject({ ok: false, code: ErrorCode.Forbidden });
    const another = { ...record, id: "BBBBBBBBBBBBBBBBBBBBBB" };
    expect(admitRecording(claims, another, "read")).toMatchObject({ ok: false, code: ErrorCode.BadToken });
  });

  it("session tokens open the session's recordings with their role", () => {
    const view = claimsOf(signer.issue(session, "view"));
    const edit = claimsOf(signer.issue(session, "edit"));
    const publish = claimsOf(signer.issue(session, "publish"));
    expect(admitRecording(view, record, "read")).toMatchObject({ ok: true, scoped: false });
    expect(admitRecording(view, record, "write-doc")).toMatchObject({ ok: false, code: ErrorCode.ReadOnly });
    expect(admitRecording(view, record, "manage")).toMatchObject({ ok: false, code: ErrorCode.Forbidden });
    expect(admitRecording(edit, record, "manage")).toMatchObject({ ok: true });
    expect(admitRecording(publish, record, "read")).toMatchObject({ ok: false, code: ErrorCode.Forbidden });
    const foreign = claimsOf(signer.issue("TTTTTTTTTTTTTTTTTTTTTT", "edit"));
    expect(admitRecording(foreign, record, "read")).toMatchObject({ ok: false, code: ErrorCode.BadToken });
    expect(linkRolesFor("edit")).toEqual(["view", "edit"]);
    expect(linkRolesFor("view")).toEqual(["view"]);
  });

  it("refuses missing and forged tokens before anything is looked up", () => {
    expect(verifyToken(signer, null)).toMatchObject({ ok: false, code: ErrorCode.Unauthorized });
    const forged = new TokenSigner("another secret of enough length").issue(session, "edit");
    expect(verifyToken(signer, forged)).toMatchObject({ ok: false, code: ErrorCode.BadToken });
  });
});
