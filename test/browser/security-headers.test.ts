import type { Page } from "playwright-core";
import { beforeAll, describe, expect, it } from "vitest";
import { createSessionThroughHomePage, logMessages, waitForEntities } from "./support/session.ts";
import { browserSuite } from "./support/suite.ts";

// The web app's security headers (issue 12 item 12): a CSP with frame-ancestors 'none', Referrer-Policy
// no-referrer (links carry tokens), nosniff, on every page; and the viewer still works under them:
// a session made on the home page (fetch to the relay), frames over the relay's WebSocket, decoded in
// the frame worker, drawn as a cloud, with no CSP violation reported by the page.

const DEPTH = "world/camera/depth";

describe("web app security headers", () => {
  const suite = browserSuite();
  let page: Page;

  beforeAll(async () => {
    page = await suite.newPage();
  });

  it("sends the headers on the home page, a session page and a review page", async () => {
    const webUrl = suite.webUrl;
    for (const path of ["/", "/s/AAAAAAAAAAAAAAAAAAAAAA", "/r/AAAAAAAAAAAAAAAAAAAAAA", "/no-such-page"]) {
      const response = await fetch(`${webUrl}${path}`);
      await response.arrayBuffer();
      const csp = response.headers.get("content-security-policy") ?? "";
      expect(csp, path).toContain("frame-ancestors 'none'");
      expect(csp, path).toContain("object-src 'none'");
      expect(csp, path).toMatch(/script-src 'self'/);
      expect(csp, path).not.toContain("'unsafe-eval'");
      expect(response.headers.get("referrer-policy"), path).toBe("no-referrer");
      expect(response.headers.get("x-content-type-options"), path).toBe("nosniff");
      expect(response.headers.get("x-frame-options"), path).toBe("DENY");
    }
  });

  it("lets the viewer work: relay fetch and WebSocket, frame worker, cloud; no CSP violation", async () => {
    const violations: string[] = [];
    page.on("console", (message) => {
      if (/Content Security Policy/i.test(message.text())) violations.push(message.text());
    });
    await page.addInitScript(() => {
      document.addEventListener("securitypolicyviolation", (event) => {
        console.error(`Content Security Policy violation: ${event.violatedDirective} ${event.blockedURI}`);
      });
    });
    const links = await createSessionThroughHomePage(page, suite.webUrl, suite.relay.url);
    await logMessages(await suite.connectRig(links.publish));
    await waitForEntities(page, "hasCloud", [DEPTH]);
    expect(await page.evaluate(() => window.__depthroom!.decode())).toBe("worker");
    expect(violations).toEqual([]);
  });
});
