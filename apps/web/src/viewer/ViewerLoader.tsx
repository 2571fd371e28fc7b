"use client";

import dynamic from "next/dynamic";
import type { ViewerSource } from "./viewerSource.ts";

// Babylon.js needs a browser: the viewer is loaded on the client only.
const Viewer = dynamic(() => import("./Viewer.tsx").then((m) => m.Viewer), {
  ssr: false,
  loading: () => <main className="error-page">Loading the viewer…</main>,
});

export function ViewerLoader({ source }: { source: ViewerSource }) {
  return <Viewer source={source} />;
}
