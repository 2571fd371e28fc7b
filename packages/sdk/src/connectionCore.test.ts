import { ErrorCode, RELAY_PROTOCOL_VERSION } from "@depthroom/schema";
import { describe, expect, it } from "vitest";
import { ConnectionCore } from "./connectionCore.ts";
import { SdkError } from "./errors.ts";

const welcome = {
  protocolVersion: RELAY_PROTOCOL_VERSION,
  relayVersion: "0.1.0",
  session: "s",
  role: "view",
  connectionId: "c",
  producers: [],
};
const refused = (code: string, message = "why") => ({
  type: "connect-error" as const,
  message: "refused",
  data: { code, message },
});
const networkError = { type: "connect-error" as const, message: "xhr poll error", data: undefined };

describe("ConnectionCore (the connection's decisions)", () => {
  it("opens on the first welcome and counts reconnections after it", () => {
    const core = new ConnectionCore();
    expect(core.state).toBe("connecting");
    expect(core.step({ type: "welcome", welcome })).toMatchObject({ type: "welcomed", reconnect: false });
    expect(core.state).toBe("connected");
    expect(core.step({ type: "disconnect", reason: "transport close" })).toEqual({ type: "none" });
    expect(core.state).toBe("reconnecting");
    expect(core.step({ type: "welcome", welcome })).toMatchObject({ type: "welcomed", reconnect: true });
    expect(core.welcomes).toBe(2);
  });

  it("leaves network failures to socket.io's own retries, and says so when the open times out", () => {
    const core = new ConnectionCore();
    expect(core.step(networkError)).toEqual({ type: "none" });
    expect(core.state).toBe("connecting");
    const effect = core.step({ type: "open-timeout", relayUrl: "http://relay", timeoutMs: 1500 });
    expect(effect.type).toBe("failed");
    expect(core.failure?.code).toBe("relay-unreachable");
    expect(core.failure?.message).toBe(
      "relay unreachable: no answer from http://relay within 1.5 s (xhr poll error)",
    );
    expect(core.state).toBe("closed");
  });

  it("closes for good on a refusal that would come again, naming it", () => {
    for (const code of [
      ErrorCode.BadToken,
      ErrorCode.SessionNotFound,
      ErrorCode.Forbidden,
      ErrorCode.BadMessage,
    ]) {
      const core = new ConnectionCore();
      const effect = core.step(refused(code, "expired"));
      expect(effect.type, code).toBe("failed");
      expect(core.failure).toBeInstanceOf(SdkError);
      expect(core.failure?.code).toBe(code);
    }
    const core = new ConnectionCore();
    core.step(refused(ErrorCode.SessionNotFound, "no such session s"));
    expect(core.failure?.message).toBe("refused: no such session: no such session s");
  });

  it("tries again later after a refusal that may pass, also an unknown code", () => {
    for (const code of [
      ErrorCode.GoingAway,
      ErrorCode.TooManySessions,
      ErrorCode.Internal,
      "from-the-future",
    ]) {
      const core = new ConnectionCore();
      expect(core.step(refused(code)), code).toEqual({ type: "retry-later" });
      expect(core.state).toBe("connecting");
    }
    const core = new ConnectionCore();
    core.step({ type: "welcome", welcome });
    core.step({ type: "disconnect", reason: "transport close" });
    expect(core.step(refused(ErrorCode.GoingAway))).toEqual({ type: "retry-later" });
    expect(core.state).toBe("reconnecting");
  });

  it("reconnects itself after the relay closed the socket on purpose", () => {
    const core = new ConnectionCore();
    core.step({ type: "welcome", welcome });
    expect(core.step({ type: "disconnect", reason: "io server disconnect" })).toEqual({
      type: "retry-later",
    });
  });

  it("refuses a malformed welcome or another protocol version", () => {
    for (const [bad, code] of [
      [null, "bad-message"],
      [{ protocolVersion: "1" }, "bad-message"],
      [{ ...welcome, role: "admin" }, "bad-message"],
      [{ ...welcome, producers: "all" }, "bad-message"],
      [{ ...welcome, protocolVersion: RELAY_PROTOCOL_VERSION + 1 }, "version-mismatch"],
    ] as const) {
      const core = new ConnectionCore();
      expect(core.step({ type: "welcome", welcome: bad }).type).toBe("failed");
      expect(core.failure?.code).toBe(code);
    }
  });

  it("ignores everything once closed, and a timeout after the first welcome", () => {
    const open = new ConnectionCore();
    open.step({ type: "welcome", welcome });
    expect(open.step({ type: "open-timeout", relayUrl: "http://relay", timeoutMs: 10 })).toEqual({
      type: "none",
    });
    expect(open.step({ type: "close" })).toEqual({ type: "closed" });
    expect(open.failure).toBeUndefined();
    for (const input of [networkError, refused(ErrorCode.BadToken), { type: "welcome" as const, welcome }]) {
      expect(open.step(input)).toEqual({ type: "none" });
    }
    expect(open.state).toBe("closed");
  });
});
