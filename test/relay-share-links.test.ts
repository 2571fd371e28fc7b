import { readFile } from "node:fs/promises";
import { join } from "node:path";
import { TokenSigner } from "@depthroom/relay";
import {
  type CreateSessionResponse,
  depthImage3dExample,
  ErrorCode,
  encodeMessage,
  parseSessionLink,
  type Role,
  readTokenClaims,
  SHAREABLE_ROLES,
} from "@depthroom/schema";
import { fetchSessionLinks, SdkError } from "@depthroom/sdk";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import {
  collectFrames,
  connectFrames,
  openDoc,
  publish,
  subscribe,
  waitFor,
  writerAndWitness,
} from "./support/clients.ts";
import { startTestRelay, type TestRelay } from "./support/relay.ts";

// GET /api/sessions/:id/links: anyone holding a link of a session can get the links its role may
// hand out (edit: view, edit, publish; view: view; publish: publish), as fresh tokens that work, and
// nothing more. Bad tokens are refused with the same named errors as GET /api/sessions/:id.

describe("share links", () => {
  let relay: TestRelay;
  let session: CreateSessionResponse;
  let other: CreateSessionResponse;
  let signer: TokenSigner;
  const cleanups: (() => void)[] = [];

  beforeAll(async () => {
    relay = await startTestRelay({ webUrl: "http://web.example:3000" });
    session = await relay.createSession({ title: "share me" });
    other = await relay.createSession({ title: "another" });
    signer = new TokenSigner((await readFile(join(relay.dataDir, "secret"), "utf8")).trim());
  });
  afterAll(async () => {
    for (const cleanup of cleanups.splice(0)) cleanup();
    await relay.close();
  });

  const linksOf = (token: string) => fetchSessionLinks({ relayUrl: relay.url, session: session.id, token });
  const refusal = async (token: string) => {
    const error = await linksOf(token).then(
      () => undefined,
      (e: unknown) => e,
    );
    expect(error).toBeInstanceOf(SdkError);
    return error as SdkError;
  };

  it.each([
    ["edit", ["view", "edit", "publish"]],
    ["view", ["view"]],
    ["publish", ["publish"]],
  ] as const)("a %s token gets exactly %j", async (role, expected) => {
    const shared = await linksOf(session.tokens[role]);
    expect(Object.keys(shared.tokens).sort()).toEqual([...expected].sort());
    expect(Object.keys(shared.links).sort()).toEqual([...expected].sort());
    expect(SHAREABLE_ROLES[role]).toEqual(expected);
    for (const given of expected as readonly Role[]) {
      const token = shared.tokens[given] as string;
      expect(readTokenClaims(token)).toMatchObject({ session: session.id, role: given });
      expect(signer.verify(token, session.id)).toMatchObject({ ok: true });
      const link = parseSessionLink(shared.links[given] as string);
      expect(link).toEqual({
        webUrl: "http://web.example:3000",
        relayUrl: relay.url,
        session: session.id,
        token,
      });
    }
  });

  it("the same answer over ?token= as over Authorization: Bearer", async () => {
    const response = await fetch(
      `${relay.url}/api/sessions/${session.id}/links?token=${session.tokens.view}`,
    );
    expect(response.status).toBe(200);
    const body = (await response.json()) as { tokens: Record<string, string>; links: Record<string, string> };
    expect(Object.keys(body.tokens)).toEqual(["view"]);
    expect(Object.keys(body.links)).toEqual(["view"]);
  });

  it("the shared tokens work: view subscribes, publish publishes, edit writes the doc", async () => {
    const shared = await linksOf(session.tokens.edit);
    const { socket: producer } = await connectFrames(relay.url, session.id, shared.tokens.publish);
    const { socket: viewer } = await connectFrames(relay.url, session.id, shared.tokens.view);
    cleanups.push(
      () => producer.close(),
      () => viewer.close(),
    );
    const received = collectFrames(viewer);
    expect(await subscribe(viewer)).toMatchObject({ ok: true });
    const [pinhole] = depthImage3dExample().map((m) => encodeMessage(m)) as [Uint8Array];
    expect(await publish(producer, pinhole)).toEqual({ ok: true });
    await waitFor(() => received.length >= 1, 3000, "a frame for the shared view token");

    // The editor holds the shared edit token; the witness the creator's view token.
    const { writer: editor, witness } = await writerAndWitness(cleanups, relay.url, {
      id: session.id,
      tokens: { edit: shared.tokens.edit, view: session.tokens.view },
    });
    editor.doc.getMap("annotations").set("by-shared-editor", "ok");
    await waitFor(
      () => witness.doc.getMap("annotations").get("by-shared-editor") === "ok",
      3000,
      "the shared edit token's write",
    );
    expect(editor.denials).toEqual([]);

    // A view token's shared view link is still read-only: it cannot climb to edit.
    const fromView = await linksOf(session.tokens.view);
    const reader = openDoc(relay.url, session.id, fromView.tokens.view);
    cleanups.push(() => reader.destroy());
    await reader.synced();
    reader.doc.getMap("annotations").set("by-shared-viewer", "nope");
    await waitFor(() => reader.denials.length >= 1, 3000, "the read-only refusal");
    expect(reader.denials[0]).toMatch(/^read-only: /);
  });

  it("forged, foreign, missing and other sessions' tokens are refused with their named codes", async () => {
    const forged = `${session.tokens.edit.slice(0, -4)}AAAA`;
    expect((await refusal(forged)).code).toBe(ErrorCode.BadToken);
    expect((await refusal("garbage")).code).toBe(ErrorCode.BadToken);
    const foreign = new TokenSigner("another relay's secret, 32 bytes").issue(session.id, "edit");
    expect((await refusal(foreign)).code).toBe(ErrorCode.BadToken);
    expect((await refusal(other.tokens.edit)).code).toBe(ErrorCode.BadToken);
    // A recording's token opens only that recording, never the session's links.
    const recordingToken = signer.issueForRecording(session.id, "BBBBBBBBBBBBBBBBBBBBBB", "edit");
    expect((await refusal(recordingToken)).code).toBe(ErrorCode.BadToken);

    const missing = await fetch(`${relay.url}/api/sessions/${session.id}/links`);
    expect(missing.status).toBe(401);
    expect(await missing.json()).toEqual({ error: { code: ErrorCode.Unauthorized, message: "no token" } });
    const forgedHttp = await fetch(`${relay.url}/api/sessions/${session.id}/links`, {
      headers: { authorization: `Bearer ${forged}` },
    });
    expect(forgedHttp.status).toBe(403);
    expect(await forgedHttp.json()).toEqual({
      error: { code: ErrorCode.BadToken, message: "bad token signature" },
    });

    const ghost = "AAAAAAAAAAAAAAAAAAAAAA";
    const ghostLinks = fetchSessionLinks({
      relayUrl: relay.url,
      session: ghost,
      token: signer.issue(ghost, "edit"),
    });
    await expect(ghostLinks).rejects.toMatchObject({ code: ErrorCode.SessionNotFound });
  });

  it("expired tokens are refused; shared tokens expire with the token they came from", async () => {
    const now = Math.floor(Date.now() / 1000);
    const expired = signer.issue(session.id, "edit", now - 100, now - 10);
    const error = await refusal(expired);
    expect(error.code).toBe(ErrorCode.BadToken);
    expect(error.message).toMatch(/token expired/);

    const expiresAt = now + 3600;
    const shared = await linksOf(signer.issue(session.id, "edit", now, expiresAt));
    for (const token of Object.values(shared.tokens)) {
      expect(readTokenClaims(token as string)?.exp).toBe(expiresAt);
    }
    const forever = await linksOf(session.tokens.edit);
    for (const token of Object.values(forever.tokens)) {
      expect(readTokenClaims(token as string)?.exp).toBeUndefined();
    }
  });

  it("the SDK checks what it can before asking", async () => {
    await expect(
      fetchSessionLinks({ relayUrl: relay.url, session: "not-a-session", token: session.tokens.edit }),
    ).rejects.toMatchObject({ code: "bad-link" });
    await expect(
      fetchSessionLinks({ relayUrl: relay.url, session: session.id, token: "" }),
    ).rejects.toMatchObject({
      code: ErrorCode.Unauthorized,
    });
  });
});
