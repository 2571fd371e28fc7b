"use client";

import { useEffect, useMemo, useState } from "react";
import { type OpenedReviewLink, openReviewLink } from "../lib/links.ts";
import { ViewerLoader } from "../viewer/ViewerLoader.tsx";
import { ErrorPanel } from "./ErrorPanel.tsx";

/** `/r/<recording>`: checks the review link in the address bar (token in the fragment), then the viewer. */
export function ReviewRoute({ recording }: { recording: string }) {
  const [opened, setOpened] = useState<OpenedReviewLink | undefined>();

  useEffect(() => {
    const read = () => setOpened(openReviewLink(window.location.href, Date.now() / 1000));
    read();
    window.addEventListener("hashchange", read);
    return () => window.removeEventListener("hashchange", read);
  }, []);

  // One source object per opened link: the viewer reconnects when it changes.
  const source = useMemo(
    () => (opened?.ok ? ({ kind: "review", link: opened.link, claims: opened.claims } as const) : undefined),
    [opened],
  );

  if (!opened) return <main className="error-page">Opening recording {recording}…</main>;
  if (!opened.ok) return <ErrorPanel title={opened.problem.title} detail={opened.problem.detail} />;
  return source ? <ViewerLoader source={source} /> : null;
}
