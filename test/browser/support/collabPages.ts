import type { Browser, BrowserContext, Page } from "playwright-core";
import { waitInPage } from "./session.ts";

// `window.__depthroomCollab` is declared along with this type.
export type { CollabHooks } from "@depthroom/web/testing";

/* Pages of one session for the collaboration tests: each in its own browser context (its own
   localStorage), with a remembered name and colour (and, for clock tests, a skewed clock), waiting
   until the session's doc is synced. */

export interface CollabPage {
  readonly page: Page;
  readonly context: BrowserContext;
}

export const COLLAB_VIEWPORT = { width: 1280, height: 560 };

/** The people of the collaboration tests (remembered name and colour). */
export const ALICE = { name: "Alice Example", color: "#ef476f" };
export const BOB = { name: "Bob Example", color: "#4cc9f0" };
export const CAROL = { name: "Carol Example", color: "#06d6a0" };

export async function openAs(
  browser: Browser,
  link: string,
  identity: { name: string; color: string },
  options: { clockSkewMs?: number } = {},
): Promise<CollabPage> {
  const context = await browser.newContext({ viewport: COLLAB_VIEWPORT, deviceScaleFactor: 1 });
  await context.addInitScript(
    ({ user, skew }) => {
      window.localStorage.setItem("depthroom.user", user);
      if (skew === 0) return;
      // A wrong system clock, as the page sees it: Date.now() and new Date() shifted by `skew` ms.
      const RealDate = Date;
      class SkewedDate extends RealDate {
        constructor(...args: unknown[]) {
          if (args.length === 0) super(RealDate.now() + skew);
          else super(...(args as [number]));
        }
        static override now(): number {
          return RealDate.now() + skew;
        }
      }
      window.Date = SkewedDate as DateConstructor;
    },
    { user: JSON.stringify(identity), skew: options.clockSkewMs ?? 0 },
  );
  const page = await context.newPage();
  page.on("pageerror", (error) => process.stderr.write(`page error (${identity.name}): ${error.message}\n`));
  await page.goto(link);
  await waitInPage(page, () => window.__depthroomCollab?.synced() === true, undefined);
  return { page, context };
}

/** Drag across the middle of a page's 3D panel (an orbit), with the real mouse. */
export async function dragIn3d(page: Page, dx: number, dy: number): Promise<void> {
  const panel = (await page.evaluate(() => window.__depthroom!.panels().find((p) => p.kind === "3d")!))!;
  const x = panel.x + panel.width / 3;
  const y = panel.y + panel.height / 2;
  await page.mouse.move(x, y);
  await page.mouse.down();
  await page.mouse.move(x + dx, y + dy, { steps: 5 });
  await page.mouse.up();
}
