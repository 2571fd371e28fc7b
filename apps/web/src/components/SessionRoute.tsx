"use client";

import { useEffect, useMemo, useState } from "react";
import { type OpenedLink, openLink } from "../lib/links.ts";
import { ViewerLoader } from "../viewer/ViewerLoader.tsx";
import { ErrorPanel } from "./ErrorPanel.tsx";

/** `/s/<session>`: checks the link in the address bar (its token is in the fragment), then the viewer. */
export function SessionRoute({ session }: { session: string }) {
  const [opened, setOpened] = useState<OpenedLink | undefined>();

  useEffect(() => {
    const read = () => setOpened(openLink(window.location.href, Date.now() / 1000));
    read();
    window.addEventListener("hashchange", read);
    return () => window.removeEventListener("hashchange", read);
  }, []);

  // One source object per opened link: the viewer reconnects when it changes.
  const source = useMemo(
    () => (opened?.ok ? ({ kind: "live", link: opened.link, claims: opened.claims } as const) : undefined),
    [opened],
  );

  if (!opened) return <main className="error-page">Opening session {session}…</main>;
  if (!opened.ok) return <ErrorPanel title={opened.problem.title} detail={opened.problem.detail} />;
  return source ? <ViewerLoader source={source} /> : null;
}
