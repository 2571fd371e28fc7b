import { buildWebApp, type RunningWebApp, startWebApp } from "@depthroom/web/testing";
import type { TestProject } from "vitest/node";

/*
 * Once per run of the browser tests: build the web app (reused while its inputs are unchanged) and
 * serve it with `next start` on a free port. Every test file starts its own relay; the app reads the
 * relay's address from the session link, so one web server serves them all.
 */

declare module "vitest" {
  export interface ProvidedContext {
    webUrl: string;
  }
}

let web: RunningWebApp | undefined;

export default async function setup(project: TestProject): Promise<() => Promise<void>> {
  const build = await buildWebApp();
  process.stdout.write(
    `web app: ${build.built ? `built in ${(build.ms / 1000).toFixed(1)} s` : "build up to date"}\n`,
  );
  web = await startWebApp();
  project.provide("webUrl", web.url);
  return async () => {
    await web?.stop();
    web = undefined;
  };
}
