import { readFile } from "node:fs/promises";
import { join } from "node:path";
import { TokenSigner } from "@depthroom/relay";
import { type CreateSessionResponse, parseRecordingLink, readTokenClaims } from "@depthroom/schema";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startTestRelay, type TestRelay } from "./support/relay.ts";

// Review links (a recording's own tokens) never outlive the token they were minted from: a caller
// whose token expires gets links that expire at the same second; a caller without expiry gets
// links without one (issue 12 item 8).

interface Described {
  id: string;
  links?: { view: string; edit?: string };
}

describe("review links copy the caller's expiry", () => {
  let relay: TestRelay;
  let session: CreateSessionResponse;
  let signer: TokenSigner;

  beforeAll(async () => {
    relay = await startTestRelay();
    session = await relay.createSession({ title: "expiring" });
    signer = new TokenSigner((await readFile(join(relay.dataDir, "secret"), "utf8")).trim());
  });
  afterAll(async () => {
    await relay.close();
  });

  const call = async (method: string, path: string, token: string) => {
    const response = await fetch(`${relay.url}${path}`, {
      method,
      headers: { Authorization: `Bearer ${token}`, "Content-Type": "application/json" },
      ...(method === "POST" ? { body: "{}" } : {}),
    });
    expect(response.status, await response.clone().text()).toBeLessThan(300);
    return (await response.json()) as Described;
  };
  const expiryOfLinks = (described: Described) => {
    const links = Object.values(described.links ?? {});
    expect(links.length).toBeGreaterThan(0);
    return links.map((link) => readTokenClaims(parseRecordingLink(link).token)?.exp);
  };

  it("start, describe and stop answer links with the caller's exp", async () => {
    const now = Math.floor(Date.now() / 1000);
    const exp = now + 3600;
    const edit = signer.issue(session.id, "edit", now, exp);
    const started = await call("POST", `/api/sessions/${session.id}/recordings`, edit);
    expect(expiryOfLinks(started)).toEqual([exp, exp]);
    const described = await call("GET", `/api/recordings/${started.id}`, edit);
    expect(expiryOfLinks(described)).toEqual([exp, exp]);

    // A view token with an earlier expiry: its view link expires with it.
    const view = signer.issue(session.id, "view", now, now + 60);
    expect(expiryOfLinks(await call("GET", `/api/recordings/${started.id}`, view))).toEqual([now + 60]);

    // A review link minted from an expiring token mints links expiring no later than itself.
    const scoped = parseRecordingLink((started.links as { edit: string }).edit).token;
    expect(expiryOfLinks(await call("GET", `/api/recordings/${started.id}`, scoped))).toEqual([exp, exp]);
    await call("POST", `/api/recordings/${started.id}/stop`, edit);
  });

  it("a token without expiry still mints links without one", async () => {
    const started = await call("POST", `/api/sessions/${session.id}/recordings`, session.tokens.edit);
    expect(expiryOfLinks(started)).toEqual([undefined, undefined]);
    await call("POST", `/api/recordings/${started.id}/stop`, session.tokens.edit);
  });
});
