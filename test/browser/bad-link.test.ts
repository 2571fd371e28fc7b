import { base64UrlEncode, encodeTokenPayload } from "@depthroom/schema";
import type { Page } from "playwright-core";
import { beforeAll, describe, expect, it } from "vitest";
import { browserSuite } from "./support/suite.ts";

// Wrong, expired and refused links end on a plain error page, never on a blank canvas.
describe("bad links", () => {
  const suite = browserSuite();
  const webUrl = suite.webUrl;
  let page: Page;

  beforeAll(async () => {
    page = await suite.newPage();
  });

  const errorPage = async (href: string) => {
    await page.goto(href);
    await page.getByTestId("error-page").waitFor({ timeout: 15_000 });
    expect(await page.getByTestId("viewer").count()).toBe(0);
    return {
      title: (await page.locator("h1").textContent()) ?? "",
      detail: (await page.getByTestId("error-detail").textContent()) ?? "",
    };
  };

  it("a path that is not a session", async () => {
    expect((await errorPage(`${webUrl}/s/not-a-session`)).title).toBe("This link is not a session link");
  });

  it("a session link without its relay or token", async () => {
    const session = await suite.relay.createSession();
    const page1 = await errorPage(`${webUrl}/s/${session.id}?relay=${encodeURIComponent(suite.relay.url)}`);
    expect(page1.detail).toContain("token");
    const page2 = await errorPage(`${webUrl}/s/${session.id}#token=${session.tokens.view}`);
    expect(page2.detail).toContain("relay");
  });

  it("an expired link", async () => {
    const session = await suite.relay.createSession();
    const payload = encodeTokenPayload({ session: session.id, role: "view", iat: 1000, exp: 2000 });
    const token = `v1.${payload}.${base64UrlEncode(new Uint8Array(32))}`;
    const { title } = await errorPage(
      `${webUrl}/s/${session.id}?relay=${encodeURIComponent(suite.relay.url)}#token=${encodeURIComponent(token)}`,
    );
    expect(title).toBe("This link has expired");
  });

  it("a token the relay refuses (forged signature)", async () => {
    const session = await suite.relay.createSession();
    const payload = encodeTokenPayload({
      session: session.id,
      role: "edit",
      iat: Math.floor(Date.now() / 1000),
    });
    const token = `v1.${payload}.${base64UrlEncode(new Uint8Array(32).fill(7))}`;
    const { title, detail } = await errorPage(
      `${webUrl}/s/${session.id}?relay=${encodeURIComponent(suite.relay.url)}#token=${encodeURIComponent(token)}`,
    );
    expect(title).toBe("This link's token is not valid");
    expect(detail).toMatch(/token/i);
  });

  it("a good link still opens the viewer (the checks are not too strict)", async () => {
    const session = await suite.relay.createSession();
    await page.goto(
      `${webUrl}/s/${session.id}?relay=${encodeURIComponent(suite.relay.url)}#token=${session.tokens.view}`,
    );
    await page.getByTestId("viewer").waitFor();
    await page.waitForFunction(() => window.__depthroom?.status().key === "waiting", null, {
      timeout: 15_000,
    });
  });
});
