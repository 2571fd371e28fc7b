import { depthImage3dExample, type LogMessage, ROLES, type Role } from "@depthroom/schema";
import { connect, type RecordingStream } from "@depthroom/sdk";
import { type DepthroomHooks, launchChromium, type Pixels, screenshotPixels } from "@depthroom/web/testing";
import type { Browser, Page } from "playwright-core";
import { expect } from "vitest";

/* Helpers shared by the browser tests: a browser per file, a session made through the home page. */

export const VIEWPORT = { width: 1280, height: 720 };

export async function newPage(browser: Browser): Promise<Page> {
  const page = await browser.newPage({ viewport: VIEWPORT, deviceScaleFactor: 1 });
  page.on("pageerror", (error) => process.stderr.write(`page error: ${error.message}\n`));
  return page;
}

export { launchChromium };

/** Open `/`, click "New session" and land in the viewer; returns the links the Share control offers. */
export async function createSessionThroughHomePage(
  page: Page,
  webUrl: string,
  relayUrl: string,
): Promise<Record<Role, string>> {
  await page.goto(`${webUrl}/?relay=${encodeURIComponent(relayUrl)}`);
  await page.getByTestId("create-session").click();
  await page.waitForURL(/\/s\/[A-Za-z0-9_-]{22}\?relay=/);
  await page.getByTestId("viewer").waitFor();
  await page.getByTestId("share-button").click();
  const links = {} as Record<Role, string>;
  for (const role of ROLES) links[role] = (await page.getByTestId(`share-${role}`).textContent()) ?? "";
  await page.keyboard.press("Escape");
  expect(links.edit).toBe(page.url());
  return links;
}

/** A producer on a publish link (closed by the caller). */
export function producer(publishLink: string): Promise<RecordingStream> {
  return connect({ link: publishLink }, { name: "test rig" });
}

/** Wait until `predicate` (run in the page with `window.__depthroom`) is true. */
export async function waitInPage<T>(
  page: Page,
  predicate: (arg: T) => unknown,
  arg: T,
  timeoutMs = 20_000,
): Promise<void> {
  // Playwright types the argument as its serialized form; ours are plain values, the same on both sides.
  await page.waitForFunction(predicate as (arg: unknown) => unknown, arg as unknown, {
    timeout: timeoutMs,
    polling: 100,
  });
}

/** Wait until the page has `what` (a cloud drawn, a frame uploaded) for every one of `entities`. */
export function waitForEntities(
  page: Page,
  what: "hasCloud" | "uploads",
  entities: readonly string[],
  timeoutMs?: number,
): Promise<void> {
  return waitInPage(
    page,
    ({ what, entities }) =>
      entities.every((e) => window.__depthroom?.stats().find((s) => s.entity === e)?.[what]),
    { what, entities },
    timeoutMs,
  );
}

/** Log `messages` (default: Rerun's depth_image_3d example) on `rig` and flush. */
export async function logMessages(
  rig: RecordingStream,
  messages: readonly LogMessage[] = depthImage3dExample(),
): Promise<void> {
  for (const message of messages) rig.log(message.entityPath, message.archetype);
  await rig.flush();
}

/** A panel of the page as the hooks give it (client rectangle, kind, entity). */
export type Panel = ReturnType<DepthroomHooks["panels"]>[number];

/** The first panel of `kind` on the page. */
export async function panelOf(page: Page, kind: Panel["kind"]): Promise<Panel> {
  const panel = await page.evaluate((k) => window.__depthroom!.panels().find((p) => p.kind === k), kind);
  if (!panel) throw new Error(`no ${kind} panel on the page`);
  return panel;
}

/** The first panel of `kind` on the page, and a screenshot of it. */
export async function screenshotPanel(
  page: Page,
  kind: Panel["kind"],
): Promise<{ panel: Panel; shot: Pixels }> {
  const panel = await panelOf(page, kind);
  const shot = await screenshotPixels(page, {
    x: panel.x,
    y: panel.y,
    width: panel.width,
    height: panel.height,
  });
  return { panel, shot };
}
