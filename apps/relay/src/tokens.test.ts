import { ErrorCode, isSessionId, readTokenClaims } from "@depthroom/schema";
import { describe, expect, it } from "vitest";
import { newSessionId, TokenSigner } from "./tokens.ts";

describe("TokenSigner", () => {
  const signer = new TokenSigner("a secret of at least sixteen bytes");
  const session = newSessionId();

  it("issues tokens the schema can read and the signer verifies", () => {
    expect(isSessionId(session)).toBe(true);
    const token = signer.issue(session, "edit", 1000);
    expect(token).toMatch(/^v1\.[A-Za-z0-9_-]+\.[A-Za-z0-9_-]{43}$/);
    expect(readTokenClaims(token)).toEqual({ session, role: "edit", iat: 1000 });
    expect(signer.verify(token, session)).toEqual({ ok: true, claims: { session, role: "edit", iat: 1000 } });
  });

  it("refuses missing, forged, foreign and other-session tokens with named codes", () => {
    const token = signer.issue(session, "view");
    expect(signer.verify(undefined)).toMatchObject({ ok: false, code: ErrorCode.Unauthorized });
    expect(signer.verify("")).toMatchObject({ ok: false, code: ErrorCode.Unauthorized });
    expect(signer.verify("v1.abc")).toMatchObject({ ok: false, code: ErrorCode.BadToken });
    const [prefix, payload] = token.split(".");
    const forgedPayload = Buffer.from(JSON.stringify({ sid: session, role: "publish", iat: 1 })).toString(
      "base64url",
    );
    expect(signer.verify(`${prefix}.${forgedPayload}.${token.split(".")[2]}`)).toMatchObject({
      code: ErrorCode.BadToken,
    });
    expect(signer.verify(`${prefix}.${payload}.x`)).toMatchObject({ code: ErrorCode.BadToken });
    expect(new TokenSigner("another secret, sixteen+ bytes").verify(token)).toMatchObject({
      code: ErrorCode.BadToken,
    });
    expect(signer.verify(token, newSessionId())).toMatchObject({
      code: ErrorCode.BadToken,
      message: "token of another session",
    });
  });

  it("a recording's token carries the expiry it is given and is refused after it", () => {
    const recording = newSessionId();
    const token = signer.issueForRecording(session, recording, "view", 1000, 2000);
    expect(readTokenClaims(token)).toEqual({ session, role: "view", iat: 1000, exp: 2000, recording });
    expect(signer.verify(token, undefined, 1999)).toMatchObject({ ok: true });
    expect(signer.verify(token, undefined, 2001)).toMatchObject({ ok: false, message: "token expired" });
    expect(readTokenClaims(signer.issueForRecording(session, recording, "view", 1000))?.exp).toBeUndefined();
  });

  it("makes 128-bit session ids that do not repeat", () => {
    const ids = new Set(Array.from({ length: 1000 }, newSessionId));
    expect(ids.size).toBe(1000);
  });
});
