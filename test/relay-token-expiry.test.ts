import { readFile } from "node:fs/promises";
import { join } from "node:path";
import { TokenSigner } from "@depthroom/relay";
import {
  CloseCode,
  type CreateSessionResponse,
  ErrorCode,
  parseRecordingLink,
  type RecordingDescription,
  type Refusal,
  reviewRoomName,
} from "@depthroom/schema";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { connectFrames, openDoc, subscribe, waitFor } from "./support/clients.ts";
import { startTestRelay, type TestRelay } from "./support/relay.ts";

// A token's expiry holds for open connections too (issue 12 item 9): when it passes, the relay closes
// the frame socket (a `problem` event token-expired, then the WebSocket) and the doc socket (close code
// 4419 token-expired, which y-websocket treats as permanent). A token without expiry stays connected.

describe("token expiry on open connections", () => {
  let relay: TestRelay;
  let session: CreateSessionResponse;
  let signer: TokenSigner;
  const cleanups: (() => void)[] = [];

  beforeAll(async () => {
    relay = await startTestRelay();
    session = await relay.createSession();
    signer = new TokenSigner((await readFile(join(relay.dataDir, "secret"), "utf8")).trim());
  });
  afterAll(async () => {
    for (const cleanup of cleanups.splice(0)) cleanup();
    await relay.close();
  });

  it("closes frame and doc connections when their token expires, and only those", async () => {
    const now = Math.floor(Date.now() / 1000);
    // Whole seconds: expiry passes between 1.x and 2 s from now.
    const expiring = signer.issue(session.id, "edit", now, now + 2);

    const { socket: frames } = await connectFrames(relay.url, session.id, expiring);
    cleanups.push(() => frames.close());
    await subscribe(frames);
    const problems: Refusal[] = [];
    frames.on("problem", (problem) => problems.push(problem));
    let framesGone = false;
    frames.on("disconnect", () => (framesGone = true));

    const doc = openDoc(relay.url, session.id, expiring);
    cleanups.push(() => doc.destroy());
    await doc.synced();

    const { socket: forever } = await connectFrames(relay.url, session.id, session.tokens.view);
    cleanups.push(() => forever.close());
    const lasting = openDoc(relay.url, session.id, session.tokens.edit);
    cleanups.push(() => lasting.destroy());
    await lasting.synced();

    await waitFor(() => framesGone && doc.closes.length > 0, 5000, "the expiring connections to close");
    expect(problems).toEqual([{ code: ErrorCode.TokenExpired, message: expect.any(String) }]);
    expect(doc.closes[0]).toMatchObject({ code: CloseCode.TokenExpired });
    expect(doc.closes[0]?.reason).toMatch(/^token-expired/);
    expect(Date.now() / 1000).toBeGreaterThanOrEqual(now + 2);
    // The others are untouched.
    expect(forever.connected).toBe(true);
    expect(lasting.closes).toEqual([]);
    // The expired token is refused from now on.
    await expect(connectFrames(relay.url, session.id, expiring)).rejects.toThrow(/bad-token: token expired/);
  });

  it("closes a review room's doc when the review link's token (minted from an expiring one) expires", async () => {
    const now = Math.floor(Date.now() / 1000);
    const expiring = signer.issue(session.id, "edit", now, now + 2);
    const started = (await (
      await fetch(`${relay.url}/api/sessions/${session.id}/recordings`, {
        method: "POST",
        headers: { Authorization: `Bearer ${expiring}`, "Content-Type": "application/json" },
        body: "{}",
      })
    ).json()) as RecordingDescription;
    const review = parseRecordingLink(started.links?.view as string);
    const room = openDoc(relay.url, reviewRoomName(started.id), review.token);
    cleanups.push(() => room.destroy());
    await room.synced();
    await waitFor(() => room.closes.length > 0, 5000, "the review room to close");
    expect(room.closes[0]).toMatchObject({ code: CloseCode.TokenExpired });
    await fetch(`${relay.url}/api/recordings/${started.id}/stop`, {
      method: "POST",
      headers: { Authorization: `Bearer ${session.tokens.edit}` },
    });
  });
});
