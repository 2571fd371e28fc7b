import { type CreateSessionResponse, depthImage3dExample, makeRecordingLink } from "@depthroom/schema";
import { downloadRecording, type RecordingStream, recordingAccess } from "@depthroom/sdk";
import type { Page } from "playwright-core";
import { beforeAll, describe, expect, inject, it } from "vitest";
import { ALICE, CAROL, type CollabPage } from "./support/collabPages.ts";
import { logMessages, waitForEntities, waitInPage } from "./support/session.ts";
import { browserSuite } from "./support/suite.ts";

// Recordings from the live viewer: Record / Stop with the red dot for everyone, the session's
// recordings with their review links, an .mcap upload that becomes a recording; bad review links.
const DEPTH = "world/camera/depth";

/** Wait until a page's scene has uploaded a frame of the example's depth image. */
const waitForDepth = (page: Page) => waitForEntities(page, "uploads", [DEPTH]);

describe("recordings in the live viewer", () => {
  const webUrl = inject("webUrl");
  const suite = browserSuite({ relay: { webUrl } });
  let rig: RecordingStream;
  let a: CollabPage;
  let c: CollabPage;
  let session: CreateSessionResponse;

  beforeAll(async () => {
    session = await suite.newSession({ title: "recordings" });
    rig = await suite.connectRig(session.links.publish);
    await logMessages(rig);
    a = await suite.openAs(session.links.edit, ALICE);
    c = await suite.openAs(session.links.view, CAROL);
  });

  it("A records and stops: everyone sees the red dot meanwhile; the recording opens as a review", async () => {
    // A view link has no Record button.
    expect(await c.page.getByTestId("record-button").count()).toBe(0);
    await a.page.getByTestId("record-button").click();
    await Promise.all([a.page, c.page].map((p) => p.getByTestId("recording-dot").waitFor({ timeout: 5000 })));
    // A second of frames while recording.
    const [image] = depthImage3dExample().filter((m) => m.entityPath === DEPTH);
    for (let i = 0; i < 10; i++) {
      rig.setTime("capture_time", BigInt(Date.now()) * 1_000_000n);
      rig.log(DEPTH, image!.archetype);
      await new Promise((r) => setTimeout(r, 100));
    }
    await rig.flush();
    await a.page.getByTestId("record-button").click();
    await Promise.all(
      [a.page, c.page].map((p) =>
        p.getByTestId("recording-dot").waitFor({ state: "detached", timeout: 5000 }),
      ),
    );

    // The list (for the view link too) has it, stopped, with a review link.
    await c.page.getByTestId("recordings-button").click();
    const item = c.page.getByTestId("recording-item");
    await item.first().waitFor({ timeout: 5000 });
    expect(await item.count()).toBe(1);
    expect(await item.first().getAttribute("data-status")).toBe("stopped");
    const review = c.page.getByTestId("open-review");
    await review.waitFor({ timeout: 5000 });
    const href = (await review.getAttribute("href"))!;
    // A view link hands out a view review link.
    expect(href).toMatch(/\/r\/[A-Za-z0-9_-]{22}\?relay=/);
    const page = await suite.newPage();
    await page.goto(href);
    await page.getByTestId("timeline").waitFor({ timeout: 15_000 });
    expect(await page.getByTestId("viewer").getAttribute("data-source")).toBe("review");
    await waitForDepth(page);
    // A view review link follows but cannot drive.
    expect(await page.getByTestId("play-pause").isDisabled()).toBe(true);
    await page.close();
  });

  it("A uploads an .mcap file: a progress bar, then the new recording's review link, which plays it", async () => {
    const access = recordingAccess(session.links.edit);
    await a.page.getByTestId("recordings-button").click();
    const first = a.page.getByTestId("recording-item").first();
    await first.waitFor({ timeout: 5000 });
    const id = (await first.getAttribute("data-id"))!;
    const file = Buffer.from(await (await downloadRecording(access, id)).arrayBuffer());
    // Watch the upload's states as the page shows them.
    await a.page.evaluate(() => {
      const seen: string[] = [];
      (window as unknown as { uploadStates: string[] }).uploadStates = seen;
      new MutationObserver(() => {
        const state = document.querySelector('[data-testid="upload"]')?.getAttribute("data-state");
        if (state && seen.at(-1) !== state) seen.push(state);
      }).observe(document.body, { subtree: true, childList: true, attributes: true });
    });
    await a.page.getByTestId("import-file").setInputFiles({
      name: "take.mcap",
      mimeType: "application/octet-stream",
      buffer: file,
    });
    const done = a.page.locator('[data-testid="upload"][data-state="done"]');
    await done.waitFor({ timeout: 15_000 });
    const states = await a.page.evaluate(
      () => (window as unknown as { uploadStates: string[] }).uploadStates,
    );
    expect(states[0]).toBe("sending");
    expect(states.at(-1)).toBe("done");
    const href = (await a.page.getByTestId("imported-review").getAttribute("href"))!;
    expect(href).toMatch(/\/r\/[A-Za-z0-9_-]{22}\?relay=/);
    expect(href).not.toContain(id);
    await waitInPage(
      a.page,
      () => document.querySelectorAll('[data-testid="recording-item"]').length === 2,
      undefined,
      5000,
    );
    const page = await suite.newPage();
    await page.goto(href);
    await page.getByTestId("timeline").waitFor({ timeout: 15_000 });
    await waitForDepth(page);
    expect(await page.getByTestId("play-pause").isDisabled()).toBe(false);
    await page.close();

    // A file that is not MCAP: the relay's reason, nothing added.
    await a.page.getByTestId("import-file").setInputFiles({
      name: "notes.mcap",
      mimeType: "application/octet-stream",
      buffer: Buffer.from("this is not an mcap file"),
    });
    const failed = a.page.locator('[data-testid="upload"][data-state="failed"]');
    await failed.waitFor({ timeout: 15_000 });
    expect(await failed.textContent()).toMatch(/not imported|MCAP|magic/i);
    expect(await a.page.getByTestId("recording-item").count()).toBe(2);
  });

  it("bad review links end on the error page", async () => {
    const page = await suite.newPage();
    const errorTitle = async (href: string) => {
      await page.goto(href);
      await page.getByTestId("error-page").waitFor({ timeout: 15_000 });
      expect(await page.getByTestId("viewer").count()).toBe(0);
      return (await page.locator("h1").textContent()) ?? "";
    };
    expect(await errorTitle(`${webUrl}/r/not-a-recording`)).toBe("This link is not a review link");
    const unknown = "AAAAAAAAAAAAAAAAAAAAAA";
    const link = (token: string) =>
      makeRecordingLink({ webUrl, relayUrl: suite.relay.url, recording: unknown, token });
    expect(await errorTitle(link("garbage"))).toBe("This link's token is not valid");
    expect(await errorTitle(link(session.tokens.view))).toBe("This recording does not exist");
    expect(await errorTitle(link(session.tokens.publish))).toBe("This link does not allow viewing");
    await page.close();
  });
});
