import type { Browser } from "playwright-core";
import {
  buildWebApp,
  type ChildRelay,
  launchChromium,
  type RunningWebApp,
  startChildRelay,
  startWebApp,
} from "../testing/index.ts";

/** What a browser bench measures with: a relay, the built web app served, and Chromium. */
export interface BrowserBench {
  readonly relay: ChildRelay;
  readonly web: RunningWebApp;
  readonly browser: Browser;
}

/**
 * Builds the web app if its inputs changed (saying so), starts a relay, the app and Chromium, runs
 * `measure` with them and stops all three, whatever happens.
 */
export async function withBrowserBench<T>(measure: (bench: BrowserBench) => Promise<T>): Promise<T> {
  const build = await buildWebApp();
  console.log(`web app ${build.built ? `built in ${(build.ms / 1000).toFixed(1)} s` : "build up to date"}`);
  const relay = await startChildRelay();
  const web = await startWebApp();
  const browser = await launchChromium();
  try {
    return await measure({ relay, web, browser });
  } finally {
    await browser.close();
    await web.stop();
    await relay.stop();
  }
}

/** `n` with `digits` decimals, or "n/a" when it is not finite (a figure that was not measured). */
export const fixed = (n: number, digits = 2): string => (Number.isFinite(n) ? n.toFixed(digits) : "n/a");
