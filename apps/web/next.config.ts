import type { NextConfig } from "next";

/*
 * Security headers on every page (issue 12 item 12). Tokens live in links and localStorage, so:
 * no Referer ever (links carry tokens), no framing (clickjacking), no MIME sniffing, and a CSP that
 * allows only this origin's scripts and workers. `connect-src` is open to any http(s)/ws(s) origin:
 * a session link names its relay, which may be anywhere. Scripts keep 'unsafe-inline' (Next's inline
 * bootstrap; a nonce would need per-request rendering) and 'wasm-unsafe-eval'; `next dev` also
 * needs 'unsafe-eval' (React's dev tooling).
 */
const development = process.env.NODE_ENV === "development";
const CONTENT_SECURITY_POLICY = [
  "default-src 'self'",
  `script-src 'self' 'unsafe-inline' 'wasm-unsafe-eval'${development ? " 'unsafe-eval'" : ""}`,
  "style-src 'self' 'unsafe-inline'",
  "img-src 'self' data: blob:",
  "font-src 'self' data:",
  "connect-src 'self' http: https: ws: wss:",
  "worker-src 'self' blob:",
  "object-src 'none'",
  "base-uri 'self'",
  "form-action 'self'",
  "frame-ancestors 'none'",
].join("; ");
const SECURITY_HEADERS = [
  { key: "Content-Security-Policy", value: CONTENT_SECURITY_POLICY },
  { key: "Referrer-Policy", value: "no-referrer" },
  { key: "X-Content-Type-Options", value: "nosniff" },
  { key: "X-Frame-Options", value: "DENY" },
];

// Turbopack (the default in Next 16) transpiles the workspace packages, which export TypeScript source.
const config: NextConfig = {
  headers: async () => [{ source: "/:path*", headers: SECURITY_HEADERS }],
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
