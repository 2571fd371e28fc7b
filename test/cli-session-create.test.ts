import { isSessionId, parseSessionLink, readTokenClaims } from "@depthroom/schema";
import { connect, subscribe } from "@depthroom/sdk";
import { describe, expect, it } from "vitest";
import { cleanupsAfterEach } from "./support/cleanups.ts";
import { startTestRelay } from "./support/relay.ts";
import { hasStackTrace, runCli } from "./support/sdk.ts";

// `depthroom session create` makes a session on the relay and prints its links; a link alone is
// enough to connect (producer) and subscribe (viewer).
describe("depthroom session create", () => {
  const cleanups = cleanupsAfterEach();

  it("prints { id, links } with --json, and the links work on their own", async () => {
    const relay = await startTestRelay();
    cleanups.push(() => relay.close());
    const result = await runCli([
      "session",
      "create",
      "--relay",
      relay.url,
      "--title",
      "bench rig",
      "--json",
    ]);
    expect(result.code, result.stderr).toBe(0);
    expect(result.stderr).toBe("");
    const printed = JSON.parse(result.stdout) as { id: string; title: string; links: Record<string, string> };
    expect(isSessionId(printed.id)).toBe(true);
    expect(printed.title).toBe("bench rig");
    expect(Object.keys(printed.links).sort()).toEqual(["edit", "publish", "view"]);
    for (const [role, link] of Object.entries(printed.links)) {
      const parsed = parseSessionLink(link);
      expect(parsed).toMatchObject({ session: printed.id, relayUrl: relay.url });
      expect(readTokenClaims(parsed.token)?.role).toBe(role);
    }

    const subscription = subscribe({ link: printed.links.view! });
    cleanups.push(() => subscription.close());
    await subscription.ready;
    const rec = await connect({ link: printed.links.publish! });
    cleanups.push(() => rec.close());
    expect(rec.state).toBe("connected");
  });

  it("prints the links for people without --json, and uses DEPTHROOM_RELAY", async () => {
    const relay = await startTestRelay();
    cleanups.push(() => relay.close());
    const result = await runCli(["session", "create"], { env: { DEPTHROOM_RELAY: relay.url } });
    expect(result.code, result.stderr).toBe(0);
    expect(result.stdout).toMatch(
      /^Session [A-Za-z0-9_-]{22}.*\n {2}view {5}http:\/\/\S+\n {2}edit {5}\S+\n {2}publish {2}\S+\n/,
    );
    expect(result.stdout).toContain("npx depthroom demo --link");
  });

  it("reads like a real tool: --help, --version, help <command>, usage errors", async () => {
    const help = await runCli(["--help"]);
    expect(help.code).toBe(0);
    expect(help.stdout).toContain("Usage:");
    expect(help.stdout).toContain("Exit codes:");
    const streamHelp = await runCli(["help", "stream"]);
    expect(streamHelp.stdout).toContain("Usage: depthroom stream <folder> --link <publish link> [options]");
    expect((await runCli(["--version"])).stdout).toMatch(/^depthroom \d+\.\d+\.\d+\n$/);
    const bare = await runCli([]);
    expect(bare.code).toBe(2);
    expect(bare.stderr).toContain("Usage:");
    const wrong = await runCli(["session", "rename"]);
    expect(wrong.code).toBe(2);
    expect(wrong.stderr).toBe(
      'depthroom session: unknown session command "rename" (try: depthroom session create)\n',
    );
    expect(hasStackTrace(wrong.stderr)).toBe(false);
  });
});
