"use client";

import type { SessionLink, TokenClaims } from "@depthroom/schema";
import dynamic from "next/dynamic";

// Babylon.js needs a browser: the viewer is loaded on the client only.
const Viewer = dynamic(() => import("./Viewer.tsx").then((m) => m.Viewer), {
  ssr: false,
  loading: () => <main className="error-page">Loading the viewer…</main>,
});

export function ViewerLoader({ link, claims }: { link: SessionLink; claims: TokenClaims }) {
  return <Viewer link={link} claims={claims} />;
}
