import { encodeTokenPayload, makeSessionLink } from "@depthroom/schema";
import { describe, expect, it } from "vitest";
import { SdkError } from "./errors.ts";
import { normalizeRelayUrl, resolveTarget } from "./target.ts";

const session = "AAAAAAAAAAAAAAAAAAAAAA";
const token = (role: "view" | "edit" | "publish", exp?: number, sid = session) =>
  `v1.${encodeTokenPayload({ session: sid, role, iat: 1_700_000_000, ...(exp ? { exp } : {}) })}.c2ln`;
const link = (t: string) =>
  makeSessionLink({ webUrl: "http://localhost:3000", relayUrl: "http://localhost:8787", session, token: t });

function codeOf(fn: () => unknown): string | undefined {
  try {
    fn();
  } catch (error) {
    expect(error).toBeInstanceOf(SdkError);
    return (error as SdkError).code;
  }
  return undefined;
}

describe("resolveTarget", () => {
  it("reads a session link", () => {
    const t = token("publish");
    expect(resolveTarget({ link: link(t) }, { needRole: "publish" })).toEqual({
      relayUrl: "http://localhost:8787",
      session,
      token: t,
      role: "publish",
    });
  });

  it("takes url, session and token", () => {
    expect(resolveTarget({ url: "localhost:8787/", session, token: token("view") }).relayUrl).toBe(
      "http://localhost:8787",
    );
  });

  it("refuses a malformed link with bad-link", () => {
    expect(codeOf(() => resolveTarget({ link: "http://localhost:3000/x" }))).toBe("bad-link");
    expect(codeOf(() => resolveTarget({ link: "not a link" }))).toBe("bad-link");
    expect(codeOf(() => resolveTarget({ url: "http://x", session: "short", token: "t" }))).toBe("bad-link");
  });

  it("refuses an expired link before connecting", () => {
    const expired = token("publish", 1_700_000_100);
    expect(codeOf(() => resolveTarget({ link: link(expired) }, { now: 1_800_000_000_000 }))).toBe(
      "bad-token",
    );
  });

  it("refuses a view link for publishing, and a token of another session", () => {
    expect(codeOf(() => resolveTarget({ link: link(token("view")) }, { needRole: "publish" }))).toBe(
      "forbidden",
    );
    expect(
      codeOf(() => resolveTarget({ link: link(token("view", undefined, "BBBBBBBBBBBBBBBBBBBBBB")) })),
    ).toBe("bad-token");
  });
});

describe("normalizeRelayUrl", () => {
  it("adds a scheme, maps ws to http, drops trailing slashes, keeps a path", () => {
    expect(normalizeRelayUrl("localhost:8787")).toBe("http://localhost:8787");
    expect(normalizeRelayUrl("wss://relay.example.com/depth/")).toBe("https://relay.example.com/depth");
    expect(codeOf(() => normalizeRelayUrl("ftp://x"))).toBe("bad-link");
    expect(codeOf(() => normalizeRelayUrl(""))).toBe("bad-link");
  });
});
