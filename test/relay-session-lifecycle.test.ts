import { CloseCode, type CreateSessionResponse, ErrorCode } from "@depthroom/schema";
import { describe, expect, it } from "vitest";
import { cleanupsAfterEach } from "./support/cleanups.ts";
import { connectFrames, openDoc, waitFor } from "./support/clients.ts";
import { startTestRelay, type TestRelay } from "./support/relay.ts";

// Nobody can block session creation for good (issue 12 item 6): POST /api/sessions is rate limited
// per client address (the forwarded one only from trusted proxies), optionally gated by the operator's
// create token, idle sessions expire (their recordings stay), the session cap counts the sessions that
// remain, and an edit link can delete its session (its connections are closed).

const CREATE_TOKEN = "operator-create-token-0123456789";

async function post(relay: TestRelay, headers: Record<string, string> = {}) {
  const response = await fetch(`${relay.url}/api/sessions`, {
    method: "POST",
    headers: { "Content-Type": "application/json", ...headers },
    body: "{}",
  });
  const body = (await response.json()) as CreateSessionResponse & { error?: { code: string } };
  return { status: response.status, body };
}

const describeSession = (relay: TestRelay, session: CreateSessionResponse) =>
  fetch(`${relay.url}/api/sessions/${session.id}`, {
    headers: { Authorization: `Bearer ${session.tokens.view}` },
  });

describe("session lifecycle", () => {
  const cleanups = cleanupsAfterEach();
  const start = async (options: Parameters<typeof startTestRelay>[0]) => {
    const relay = await startTestRelay(options);
    cleanups.push(() => relay.close());
    return relay;
  };

  it("rate limits creation per client address; X-Forwarded-For counts only from a trusted proxy", async () => {
    const direct = await start({ limits: { maxSessionCreatesPerMinutePerAddress: 2 } });
    const statuses = [];
    // A forged header changes nothing when nobody is trusted.
    for (let i = 0; i < 5; i++)
      statuses.push((await post(direct, { "X-Forwarded-For": `10.0.0.${i}` })).status);
    expect(statuses).toEqual([201, 201, 201, 201, 429]);
    expect((await post(direct)).body.error?.code).toBe(ErrorCode.RateLimited);

    const proxied = await start({
      limits: { maxSessionCreatesPerMinutePerAddress: 2 },
      trustedProxies: ["127.0.0.1", "::1"],
    });
    const from = (client: string) => post(proxied, { "X-Forwarded-For": `203.0.113.77, ${client}` });
    for (let i = 0; i < 4; i++) expect((await from("198.51.100.1")).status).toBe(201);
    expect((await from("198.51.100.1")).status).toBe(429);
    expect((await from("198.51.100.2")).status).toBe(201);
  });

  it("asks for the operator's create token when one is set", async () => {
    const relay = await start({ createToken: CREATE_TOKEN });
    const none = await post(relay);
    expect(none.status).toBe(401);
    expect(none.body.error?.code).toBe(ErrorCode.Unauthorized);
    expect((await post(relay, { Authorization: "Bearer not-the-create-token-at-all" })).status).toBe(403);
    const created = await post(relay, { Authorization: `Bearer ${CREATE_TOKEN}` });
    expect(created.status).toBe(201);
    expect(created.body.tokens.edit).toMatch(/^v1\./);
  });

  it("expires idle sessions (not connected ones), keeps their recordings, and frees their place under the cap", async () => {
    const relay = await start({ limits: { sessionIdleExpiryMs: 600, maxSessions: 2 } });
    const idle = await relay.createSession({ title: "idle" });
    const busy = await relay.createSession({ title: "busy" });
    const recording = await fetch(`${relay.url}/api/sessions/${idle.id}/recordings`, {
      method: "POST",
      headers: { Authorization: `Bearer ${idle.tokens.edit}`, "Content-Type": "application/json" },
      body: "{}",
    }).then((r) => r.json() as Promise<{ id: string }>);
    await fetch(`${relay.url}/api/recordings/${recording.id}/stop`, {
      method: "POST",
      headers: { Authorization: `Bearer ${idle.tokens.edit}` },
    });
    expect((await post(relay)).status).toBe(503);
    const { socket } = await connectFrames(relay.url, busy.id, busy.tokens.view);
    cleanups.push(() => socket.close());

    await new Promise((resolve) => setTimeout(resolve, 1500));
    expect((await describeSession(relay, idle)).status).toBe(404);
    expect((await describeSession(relay, busy)).status).toBe(200);
    // The cap counts the sessions that remain.
    expect((await post(relay)).status).toBe(201);
    // The recording stays, for the session's tokens too.
    const kept = await fetch(`${relay.url}/api/recordings/${recording.id}`, {
      headers: { Authorization: `Bearer ${idle.tokens.view}` },
    });
    expect(kept.status).toBe(200);

    socket.close();
    await new Promise((resolve) => setTimeout(resolve, 1500));
    expect((await describeSession(relay, busy)).status).toBe(404);
  });

  it("deletes a session with its edit link and closes its connections; other roles cannot", async () => {
    const relay = await start({});
    const session = await relay.createSession({ title: "doomed" });
    const remove = (token: string) =>
      fetch(`${relay.url}/api/sessions/${session.id}`, {
        method: "DELETE",
        headers: { Authorization: `Bearer ${token}` },
      });
    expect((await remove(session.tokens.view)).status).toBe(403);
    expect((await remove(session.tokens.publish)).status).toBe(403);
    const { socket } = await connectFrames(relay.url, session.id, session.tokens.view);
    cleanups.push(() => socket.close());
    const problems: { code: string }[] = [];
    socket.on("problem", (p) => problems.push(p));
    let gone = false;
    socket.on("disconnect", () => (gone = true));
    const doc = openDoc(relay.url, session.id, session.tokens.edit);
    cleanups.push(() => doc.destroy());
    await doc.synced();

    expect((await remove(session.tokens.edit)).status).toBe(204);
    await waitFor(() => gone && doc.closes.length > 0, 5000, "the session's connections to close");
    expect(problems[0]?.code).toBe(ErrorCode.SessionNotFound);
    expect(doc.closes[0]?.code).toBe(CloseCode.SessionNotFound);
    expect((await describeSession(relay, session)).status).toBe(404);
    expect((await remove(session.tokens.edit)).status).toBe(404);
  });
});
