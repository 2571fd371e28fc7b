import type { NextConfig } from "next";

// Turbopack (the default in Next 16) transpiles the workspace packages, which export TypeScript source.
const config: NextConfig = {
  reactStrictMode: true,
  devIndicators: false,
  poweredByHeader: false,
  // Tests run by several people at once on one tree may build apart (`DEPTHROOM_NEXT_DIST_DIR=cache/next-x`).
  ...(process.env.DEPTHROOM_NEXT_DIST_DIR ? { distDir: process.env.DEPTHROOM_NEXT_DIST_DIR } : {}),
  // `npm test` typechecks every package first; the browser tests' build may skip the second pass.
  typescript: { ignoreBuildErrors: process.env.DEPTHROOM_SKIP_TYPECHECK === "1" },
  // Test hooks (`window.__depthroom*`) are compiled in only when the build sets
  // NEXT_PUBLIC_DEPTHROOM_TEST_HOOKS=1 (@depthroom/web/testing's build, `npm run dev`); always inlined, so
  // an unset flag folds to "" and the hooks' code is dropped from a production build.
  env: { NEXT_PUBLIC_DEPTHROOM_TEST_HOOKS: process.env.NEXT_PUBLIC_DEPTHROOM_TEST_HOOKS === "1" ? "1" : "" },
};

export default config;
