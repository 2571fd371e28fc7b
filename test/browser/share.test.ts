import { DepthImage, parseSessionLink, ROLES, type Role } from "@depthroom/schema";
import type { Page } from "playwright-core";
import { describe, expect, it } from "vitest";
import { createSessionThroughHomePage, producer, VIEWPORT, waitInPage } from "./support/session.ts";
import { browserSuite } from "./support/suite.ts";

// Share asks the relay for the links: whoever holds an edit link gets all three (not only the browser
// that created the session); a view link gets only the view link.
describe("share links from any edit link", () => {
  const suite = browserSuite();

  /** A page in a browser context of its own: no localStorage of any other page. */
  const freshPage = (): Promise<Page> =>
    suite.newPage({
      viewport: VIEWPORT,
      deviceScaleFactor: 1,
      permissions: ["clipboard-read", "clipboard-write"],
    });

  /** Open Share, wait for the relay's answer, and read what each role row offers. */
  const shareRows = async (page: Page): Promise<Record<Role, string | "missing">> => {
    await page.getByTestId("share-button").click();
    const popover = page.getByTestId("share-popover");
    await popover.waitFor();
    await page.waitForFunction(
      () => document.querySelector('[data-testid="share-popover"]')?.getAttribute("data-links") !== "asking",
      null,
      { timeout: 10_000 },
    );
    expect(await popover.getAttribute("data-links")).toBe("answered");
    const rows = {} as Record<Role, string | "missing">;
    for (const role of ROLES) {
      const field = page.getByTestId(`share-${role}`);
      if ((await field.count()) === 1) rows[role] = (await field.textContent()) ?? "";
      else {
        await page.getByTestId(`share-${role}-missing`).waitFor();
        rows[role] = "missing";
      }
    }
    return rows;
  };

  let created: Record<Role, string>;
  let shared: Record<Role, string | "missing">;

  it("a second browser context opening the edit link gets all three links, one click to copy each", async () => {
    const creator = await freshPage();
    created = await createSessionThroughHomePage(creator, suite.webUrl, suite.relay.url);

    const second = await freshPage();
    await second.goto(created.edit);
    await second.getByTestId("viewer").waitFor();
    // This context never saw the view and publish tokens (the creator's browser remembers them).
    const remembered = await second.evaluate(
      (session) => window.localStorage.getItem(`depthroom:tokens:${session}`),
      parseSessionLink(created.edit).session,
    );
    expect(Object.keys(JSON.parse(remembered ?? "{}"))).not.toContain("publish");
    shared = await shareRows(second);
    for (const role of ROLES) {
      expect(shared[role]).not.toBe("missing");
      const link = parseSessionLink(shared[role]);
      expect(link.session).toBe(parseSessionLink(created.edit).session);
      expect(link.relayUrl).toBe(suite.relay.url);
      expect(shared[role].startsWith(`${suite.webUrl}/s/`)).toBe(true);
    }
    // One click copies a link.
    for (const role of ROLES) {
      await second.getByTestId(`share-${role}`).locator("xpath=..").getByRole("button").click();
      expect(await second.evaluate(() => navigator.clipboard.readText())).toBe(shared[role]);
    }
  });

  it("the links it got work: the view link views, the publish link streams, the edit link edits", async () => {
    const viewer = await freshPage();
    await viewer.goto(shared.view);
    await viewer.getByTestId("viewer").waitFor();
    await waitInPage(viewer, () => window.__depthroom?.status().key === "waiting", null);
    expect(await viewer.locator(".role").first().textContent()).toBe("view");

    const editor = await freshPage();
    await editor.goto(shared.edit);
    await editor.getByTestId("viewer").waitFor();
    expect(await editor.locator(".role").first().textContent()).toBe("edit");

    const rig = await producer(shared.publish);
    try {
      rig.setTime("frame", 1);
      rig.log(
        "world/camera/depth",
        new DepthImage(new Uint16Array(64 * 48).fill(2000), { width: 64, height: 48 }),
      );
      await rig.flush();
      for (const page of [viewer, editor]) {
        await waitInPage(page, () => (window.__depthroom?.state().framesReceived ?? 0) > 0, null);
      }
    } finally {
      await rig.close(500);
    }
  });

  it("a view link sees only the view link", async () => {
    const page = await freshPage();
    await page.goto(shared.view);
    await page.getByTestId("viewer").waitFor();
    const rows = await shareRows(page);
    expect(rows.view).not.toBe("missing");
    expect(parseSessionLink(rows.view).session).toBe(parseSessionLink(created.edit).session);
    expect(rows.edit).toBe("missing");
    expect(rows.publish).toBe("missing");
    expect(await page.getByText("Needs the publish link.").count()).toBe(1);
  });
});
