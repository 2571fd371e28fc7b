"use client";

import type { SessionLink, TokenClaims } from "@depthroom/schema";

export function Viewer({ link, claims }: { link: SessionLink; claims: TokenClaims }) {
  return (
    <main data-testid="viewer">
      Session {link.session} ({claims.role}) on {link.relayUrl}
    </main>
  );
}
