import { defineConfig } from "vitest/config";

// One vitest run, several projects: unit tests sit beside the code, cross-package tests in test/.
export default defineConfig({
  test: {
    projects: [
      {
        test: {
          name: "unit",
          include: [
            "packages/*/src/**/*.test.ts",
            "apps/relay/src/**/*.test.ts",
            "apps/web/src/**/*.test.ts",
            "packages/python/tests/**/*.test.ts",
          ],
          environment: "node",
          // Some unit tests work through real frames (RVL, codecs, MCAP truncations); they share
          // two cores with the integration and browser projects, so 5 s is too tight a bound.
          testTimeout: 30_000,
        },
      },
      {
        test: {
          name: "integration",
          include: ["test/**/*.test.ts"],
          exclude: ["test/browser/**"],
          environment: "node",
          testTimeout: 60_000,
          hookTimeout: 60_000,
          // Integration tests start real servers and measure rates: run files one after another.
          fileParallelism: false,
        },
      },
      {
        test: {
          name: "browser",
          include: ["test/browser/**/*.test.ts"],
          environment: "node",
          // Builds the web app once (reused while unchanged) and serves it with `next start`.
          globalSetup: ["test/browser/support/globalSetup.ts"],
          testTimeout: 90_000,
          hookTimeout: 240_000,
          // Each file drives a real Chromium (SwiftShader): one at a time on small machines.
          fileParallelism: false,
        },
      },
    ],
  },
});
