import { describe, expect, it } from "vitest";
import {
  ClientErrorCode,
  CloseCode,
  closeCodeOf,
  ERROR_CODES,
  ErrorCode,
  errorCodeRule,
  httpStatusOf,
  isRetryableClose,
  isRetryableCode,
} from "./codes.ts";

describe("the error code table", () => {
  it("has a rule for every relay and client code, and nothing else", () => {
    const codes = [...Object.values(ErrorCode), ...Object.values(ClientErrorCode)].sort();
    expect(Object.keys(ERROR_CODES).sort()).toEqual(codes);
  });

  it("gives every relay code an HTTP error status and one of our close codes", () => {
    const closeCodes = new Set<number>(Object.values(CloseCode));
    for (const code of Object.values(ErrorCode)) {
      const status = httpStatusOf(code);
      expect(status, code).toBeGreaterThanOrEqual(400);
      expect(status, code).toBeLessThan(600);
      expect(closeCodes.has(closeCodeOf(code)), code).toBe(true);
    }
  });

  it("retries a code exactly when y-websocket would retry its close code", () => {
    for (const code of Object.values(ErrorCode)) {
      expect(isRetryableClose(closeCodeOf(code)), code).toBe(isRetryableCode(code));
    }
  });

  it("retries a code when its HTTP status says the server or the rate was at fault", () => {
    for (const code of Object.values(ErrorCode)) {
      const status = httpStatusOf(code);
      expect(status >= 500 || status === 429, code).toBe(isRetryableCode(code));
    }
  });

  it("keeps the statuses and close codes the relay has always answered with", () => {
    expect(httpStatusOf(ErrorCode.Unauthorized)).toBe(401);
    expect(httpStatusOf(ErrorCode.BadToken)).toBe(403);
    expect(httpStatusOf(ErrorCode.SessionNotFound)).toBe(404);
    expect(httpStatusOf(ErrorCode.RecordingActive)).toBe(409);
    expect(httpStatusOf(ErrorCode.MessageTooLarge)).toBe(413);
    expect(httpStatusOf(ErrorCode.BadMessage)).toBe(400);
    expect(closeCodeOf(ErrorCode.Unauthorized)).toBe(4401);
    expect(closeCodeOf(ErrorCode.Forbidden)).toBe(4403);
    expect(closeCodeOf(ErrorCode.RecordingNotFound)).toBe(4404);
    expect(closeCodeOf(ErrorCode.GoingAway)).toBe(1001);
  });

  it("does not retry a refusal that would come again, and retries one that may pass", () => {
    for (const code of [ErrorCode.BadToken, ErrorCode.SessionNotFound, ClientErrorCode.BadLink]) {
      expect(isRetryableCode(code), code).toBe(false);
    }
    for (const code of [ErrorCode.GoingAway, ErrorCode.Internal, ClientErrorCode.RelayUnreachable]) {
      expect(isRetryableCode(code), code).toBe(true);
    }
  });

  it("retries a code it does not know (a newer relay's) and has no rule for it", () => {
    expect(errorCodeRule("something-new")).toBeUndefined();
    expect(errorCodeRule("toString")).toBeUndefined();
    expect(isRetryableCode("something-new")).toBe(true);
  });
});
