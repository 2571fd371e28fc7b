import { readFile, rm, stat } from "node:fs/promises";
import { join } from "node:path";
import { type RunningRelay, startRelay } from "@depthroom/relay";
import { type AdminNotice, type CreateSessionResponse, ErrorCode } from "@depthroom/schema";
import { connect, postNotice, SdkError, subscribe } from "@depthroom/sdk";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { waitFor } from "./support/clients.ts";
import { createSession, makeTempDir, scratchDir, spawnRelayProcess } from "./support/relay.ts";
import { hasStackTrace, runCli } from "./support/sdk.ts";

// Admin notices on one relay: the operator's token (generated into the data directory, or given),
// `POST /api/admin/notices` to every viewer and producer (SDK subscriber and producer), or to one
// session's; notices with a time to live reach sockets that connect later; wrong tokens and bad
// bodies are refused with named errors.

describe("admin notices", () => {
  let relay: RunningRelay;
  let dataDir: string;
  let adminToken: string;
  let one: CreateSessionResponse;
  let two: CreateSessionResponse;
  const logs: string[] = [];
  const cleanups: (() => unknown)[] = [];

  beforeAll(async () => {
    dataDir = await makeTempDir();
    relay = await startRelay({ port: 0, dataDir, logLevel: "info", logSink: (line) => logs.push(line) });
    adminToken = (await readFile(join(dataDir, "admin-token"), "utf8")).trim();
    one = await createSession(relay.url, { title: "one" });
    two = await createSession(relay.url, { title: "two" });
  });
  afterAll(async () => {
    for (const cleanup of cleanups.splice(0)) await cleanup();
    await relay.close();
    await rm(dataDir, { recursive: true, force: true });
  });

  const viewer = async (link: string) => {
    const notices: AdminNotice[] = [];
    const subscription = subscribe({ link }, undefined, { onNotice: (notice) => notices.push(notice) });
    cleanups.push(() => subscription.close());
    await subscription.ready;
    return notices;
  };
  const post = (body: unknown, token: string | null = adminToken) =>
    fetch(`${relay.url}/api/admin/notices`, {
      method: "POST",
      headers: {
        "content-type": "application/json",
        ...(token !== null ? { authorization: `Bearer ${token}` } : {}),
      },
      body: JSON.stringify(body),
    });

  it("generates the admin token into the data directory (0600) and logs where it is", async () => {
    expect(adminToken.length).toBeGreaterThanOrEqual(32);
    expect((await stat(join(dataDir, "admin-token"))).mode & 0o777).toBe(0o600);
    const line = logs
      .map((l) => JSON.parse(l) as Record<string, unknown>)
      .find((l) => l.msg === "admin token");
    expect(line).toMatchObject({ file: join(dataDir, "admin-token") });
    expect(logs.join("\n")).not.toContain(adminToken);
  });

  it("reaches every viewer and producer, or only one session's", async () => {
    const viewerOne = await viewer(one.links.view);
    const editorOne = await viewer(one.links.edit);
    const viewerTwo = await viewer(two.links.view);
    const producerNotices: AdminNotice[] = [];
    const producer = await connect({ link: one.links.publish });
    cleanups.push(() => producer.close());
    producer.on("notice", (notice) => producerNotices.push(notice));

    const everyone = await postNotice({
      relayUrl: relay.url,
      adminToken,
      text: "  relay restarts at 17:00 UTC  ",
      level: "warning",
    });
    expect(everyone).toMatchObject({ text: "relay restarts at 17:00 UTC", level: "warning" });
    expect(everyone.session).toBeUndefined();
    for (const got of [viewerOne, editorOne, viewerTwo, producerNotices]) {
      await waitFor(() => got.length === 1, 3000, "the notice to everyone");
      expect(got[0]).toEqual(everyone);
    }

    const scoped = await postNotice({ relayUrl: relay.url, adminToken, text: "only one", session: one.id });
    expect(scoped).toMatchObject({ level: "info", session: one.id });
    const last = await postNotice({ relayUrl: relay.url, adminToken, text: "everyone again" });
    // Delivered in order: once everyone has the last one, a misdelivered scoped one would be there too.
    for (const got of [viewerOne, editorOne, producerNotices]) {
      await waitFor(() => got.length === 3, 3000, "the scoped and the last notice");
      expect(got.map((n) => n.text)).toEqual(["relay restarts at 17:00 UTC", "only one", "everyone again"]);
    }
    await waitFor(() => viewerTwo.length === 2, 3000, "the last notice in session two");
    expect(viewerTwo.map((n) => n.id)).toEqual([everyone.id, last.id]);
  });

  it("sockets that connect later get the notices still active (ttlMs), not the others", async () => {
    await postNotice({ relayUrl: relay.url, adminToken, text: "no ttl" });
    const kept = await postNotice({ relayUrl: relay.url, adminToken, text: "for an hour", ttlMs: 3_600_000 });
    expect(kept.expiresAt).toBe(kept.at + 3_600_000);
    await postNotice({ relayUrl: relay.url, adminToken, text: "gone at once", ttlMs: 1 });
    await postNotice({
      relayUrl: relay.url,
      adminToken,
      text: "for the other session",
      ttlMs: 60_000,
      session: two.id,
    });
    await new Promise((resolve) => setTimeout(resolve, 20));
    const late = await viewer(one.links.view);
    const witness = await viewer(one.links.edit);
    const marker = await postNotice({ relayUrl: relay.url, adminToken, text: "marker" });
    await waitFor(
      () => late.includes(late.find((n) => n.id === marker.id) as AdminNotice),
      3000,
      "the marker",
    );
    await waitFor(() => witness.some((n) => n.id === marker.id), 3000, "the marker (witness)");
    expect(late.map((n) => n.text)).toEqual(["for an hour", "marker"]);
  });

  it("refuses a missing or wrong admin token and bad notices with named errors", async () => {
    const refused = async (response: Response) => ({
      status: response.status,
      ...((await response.json()) as { error: { code: string; message: string } }).error,
    });
    expect(await refused(await post({ text: "hi" }, null))).toMatchObject({
      status: 401,
      code: ErrorCode.Unauthorized,
    });
    expect(await refused(await post({ text: "hi" }, `${adminToken}x`))).toEqual({
      status: 403,
      code: ErrorCode.BadToken,
      message: "not the admin token",
    });
    // A session token is not an admin token; nor is the admin token accepted in the URL.
    expect((await refused(await post({ text: "hi" }, one.tokens.edit))).code).toBe(ErrorCode.BadToken);
    const inUrl = await fetch(`${relay.url}/api/admin/notices?token=${adminToken}`, {
      method: "POST",
      body: JSON.stringify({ text: "hi" }),
    });
    expect((await refused(inUrl)).code).toBe(ErrorCode.Unauthorized);

    const bad = [
      [{ text: "" }, /^bad notice: text: /],
      [{ text: "   " }, /^bad notice: text: /],
      [{ text: "x".repeat(501) }, /^bad notice: text: /],
      [{ text: "hi", level: "error" }, /^bad notice: level: /],
      [{ text: "hi", session: "not-a-session" }, /^bad notice: session: not a session id/],
      [{ text: "hi", ttlMs: -5 }, /^bad notice: ttlMs: /],
      [{ text: "hi", colour: "red" }, /^bad notice: /],
      [["hi"], /^bad notice: /],
    ] as const;
    for (const [body, message] of bad) {
      const answer = await refused(await post(body));
      expect(answer).toMatchObject({ status: 400, code: ErrorCode.BadMessage });
      expect(answer.message).toMatch(message);
    }
    expect(
      await refused(await post({ text: "x".repeat(500), session: "AAAAAAAAAAAAAAAAAAAAAA" })),
    ).toMatchObject({
      status: 404,
      code: ErrorCode.SessionNotFound,
    });

    // The SDK checks the request before sending, and carries the relay's codes.
    const sdkError = (promise: Promise<unknown>) =>
      promise.then(
        () => undefined,
        (e: unknown) => (e instanceof SdkError ? e.code : e),
      );
    expect(await sdkError(postNotice({ relayUrl: relay.url, adminToken, text: "" }))).toBe(
      ErrorCode.BadMessage,
    );
    expect(await sdkError(postNotice({ relayUrl: relay.url, adminToken: "wrong-token", text: "hi" }))).toBe(
      ErrorCode.BadToken,
    );
  });

  it("depthroom admin notice: sends one (token from the environment), refuses a wrong token with exit 4", async () => {
    const notices = await viewer(two.links.view);
    const sent = await runCli(
      [
        "admin",
        "notice",
        "from the command line",
        "--relay",
        relay.url,
        "--session",
        two.id,
        "--level",
        "warning",
        "--ttl",
        "60",
        "--json",
      ],
      { env: { DEPTHROOM_ADMIN_TOKEN: adminToken } },
    );
    expect(sent.code, sent.stderr).toBe(0);
    const printed = JSON.parse(sent.stdout) as AdminNotice;
    expect(printed).toMatchObject({ text: "from the command line", level: "warning", session: two.id });
    expect(printed.expiresAt).toBe(printed.at + 60_000);
    await waitFor(() => notices.some((n) => n.id === printed.id), 3000, "the CLI's notice");

    const wrong = await runCli([
      "admin",
      "notice",
      "nope",
      "--relay",
      relay.url,
      "--admin-token",
      "not-the-admin-token",
    ]);
    expect(wrong.code).toBe(4);
    expect(wrong.stderr).toMatch(
      /^depthroom admin: the relay refused: not the admin token\n {2}The admin token is/,
    );
    expect(hasStackTrace(wrong.stderr)).toBe(false);
    const missing = await runCli(["admin", "notice", "nope", "--relay", relay.url]);
    expect(missing.code).toBe(2);
    expect(missing.stderr).toMatch(/no admin token: pass --admin-token or set DEPTHROOM_ADMIN_TOKEN/);
    const tooLong = await runCli([
      "admin",
      "notice",
      "x".repeat(501),
      "--relay",
      relay.url,
      "--admin-token",
      adminToken,
    ]);
    expect(tooLong.code).toBe(3);
    expect(tooLong.stderr).toMatch(/bad notice: text: /);
  });

  it("DEPTHROOM_ADMIN_TOKEN: the relay process uses the given token and writes no file", async () => {
    const dir = await scratchDir(cleanups);
    const given = "an-operator-admin-token-0123456789";
    const child = await spawnRelayProcess({ dataDir: dir, env: { DEPTHROOM_ADMIN_TOKEN: given } });
    cleanups.push(() => child.stop("SIGTERM"));
    const session = await createSession(child.url);
    const notices = await viewer(session.links.view);
    await postNotice({ relayUrl: child.url, adminToken: given, text: "from the operator" });
    await waitFor(() => notices.length === 1, 3000, "the notice");
    await expect(stat(join(dir, "admin-token"))).rejects.toMatchObject({ code: "ENOENT" });
    expect(child.output()).not.toContain(given);
    expect(child.output()).toMatch(/"msg":"admin token","given":true/);
  });
});
