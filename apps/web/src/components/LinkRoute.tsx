"use client";

import { useEffect, useMemo, useState } from "react";
import { type Opened, openLink, openReviewLink } from "../lib/links.ts";
import { ViewerLoader } from "../viewer/ViewerLoader.tsx";
import type { ViewerSource } from "../viewer/viewerSource.ts";
import { ErrorPanel } from "./ErrorPanel.tsx";

const ROUTES = {
  live: { open: openLink, opening: "session" },
  review: { open: openReviewLink, opening: "recording" },
} as const;

/**
 * `/s/<session>` (`live`) and `/r/<recording>` (`review`): checks the link in the address bar (its token
 * is in the fragment, read again when the fragment changes), then the viewer.
 */
export function LinkRoute({ kind, id }: { kind: ViewerSource["kind"]; id: string }) {
  const [opened, setOpened] = useState<Opened<ViewerSource["link"]> | undefined>();

  useEffect(() => {
    const read = () => setOpened(ROUTES[kind].open(window.location.href, Date.now() / 1000));
    read();
    window.addEventListener("hashchange", read);
    return () => window.removeEventListener("hashchange", read);
  }, [kind]);

  // One source object per opened link: the viewer reconnects when it changes.
  const source = useMemo(
    () => (opened?.ok ? ({ kind, link: opened.link, claims: opened.claims } as ViewerSource) : undefined),
    [opened, kind],
  );

  if (!opened) return <main className="error-page">{`Opening ${ROUTES[kind].opening} ${id}…`}</main>;
  if (!opened.ok) return <ErrorPanel title={opened.problem.title} detail={opened.problem.detail} />;
  return source ? <ViewerLoader source={source} /> : null;
}
