import { describe, expect, it } from "vitest";
import { cleanupsAfterEach } from "./support/cleanups.ts";
import { startTestRelay } from "./support/relay.ts";
import { hasStackTrace, runCli } from "./support/sdk.ts";

// `depthroom session create` on a relay that wants its operator's create token (issue 12 item 6), and
// `depthroom session delete --link <edit link>`.
describe("depthroom session create with a create token, and session delete", () => {
  const cleanups = cleanupsAfterEach();

  it("creates with DEPTHROOM_CREATE_TOKEN, refuses without, and deletes with the edit link only", async () => {
    const createToken = "cli-create-token-0123456789abcdef";
    const relay = await startTestRelay({ createToken });
    cleanups.push(() => relay.close());
    const refused = await runCli(["session", "create", "--relay", relay.url]);
    expect(refused.code).not.toBe(0);
    expect(refused.stderr).toMatch(/create token/);
    expect(hasStackTrace(refused.stderr)).toBe(false);

    const created = await runCli(["session", "create", "--relay", relay.url, "--json"], {
      env: { DEPTHROOM_CREATE_TOKEN: createToken },
    });
    expect(created.code, created.stderr).toBe(0);
    const { id, links } = JSON.parse(created.stdout) as { id: string; links: Record<string, string> };

    const byViewer = await runCli(["session", "delete", "--link", links.view as string]);
    expect(byViewer.code).not.toBe(0);
    expect(byViewer.stderr).toMatch(/cannot delete/);
    const deleted = await runCli(["session", "delete", "--link", links.edit as string]);
    expect(deleted.code, deleted.stderr).toBe(0);
    expect(deleted.stdout).toContain(`Session ${id} deleted`);
    const gone = await fetch(`${relay.url}/api/sessions/${id}`, {
      headers: { Authorization: `Bearer ${new URL(links.edit as string).hash.slice("#token=".length)}` },
    });
    expect(gone.status).toBe(404);
  });
});
