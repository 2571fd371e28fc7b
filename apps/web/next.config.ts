import type { NextConfig } from "next";

// Turbopack (the default in Next 16) transpiles the workspace packages, which export TypeScript source.
const config: NextConfig = {
  reactStrictMode: true,
  devIndicators: false,
  poweredByHeader: false,
};

export default config;
