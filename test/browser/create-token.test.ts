import { describe, expect, it } from "vitest";
import { VIEWPORT } from "./support/session.ts";
import { browserSuite } from "./support/suite.ts";

// A relay that creates sessions for its operator's create token only (DEPTHROOM_CREATE_TOKEN): the
// home page says so, asks for the token, and the next try with it lands in the new session, whose
// collaboration doc connects with the token as a WebSocket subprotocol (issue 12 items 6 and 7).

const CREATE_TOKEN = "browser-create-token-0123456789";

describe("home page with a create token", () => {
  const suite = browserSuite({ relay: { createToken: CREATE_TOKEN } });

  it("asks for the token when the relay requires it, then creates the session with it", async () => {
    const page = await suite.newPage({ viewport: VIEWPORT });
    // After hydration: a click before it would do nothing.
    await page.goto(`${suite.webUrl}/?relay=${encodeURIComponent(suite.relay.url)}`, {
      waitUntil: "networkidle",
    });
    await expect(page.getByTestId("create-token").count()).resolves.toBe(0);
    await page.getByTestId("create-session").click();
    await page.getByTestId("create-token").waitFor();
    expect(await page.getByTestId("create-error").textContent()).toMatch(/create token/);
    await page.getByTestId("create-token").fill(" not-the-create-token-0123456789 ");
    await page.getByTestId("create-session").click();
    await page.waitForFunction(() =>
      document.querySelector('[data-testid="create-error"]')?.textContent?.includes("bad-token"),
    );
    await page.getByTestId("create-token").fill(CREATE_TOKEN);
    await page.getByTestId("create-session").click();
    await page.waitForURL(/\/s\/[A-Za-z0-9_-]{22}\?relay=/);
    await page.getByTestId("viewer").waitFor();
    // The session's document is reached (token as a subprotocol): the relay counts the connection.
    await page.waitForFunction(
      async (url) => {
        const text = await (await fetch(`${url}/metrics`)).text();
        return /^depthroom_doc_connections [1-9]/m.test(text);
      },
      suite.relay.url,
      { timeout: 20_000 },
    );
    await page.context().close();
  });
});
