"use client";

import type { CSSProperties } from "react";
import { useEffect, useState, useSyncExternalStore } from "react";
import type { ViewerStore } from "../state/ViewerStore.ts";
import { activeNotices } from "../state/viewerState.ts";

/*
 * Notices from the relay's operator (`notice` events, e.g. "the relay restarts at 18:00"), above the
 * views: newest first, each dismissable (a dismissed one stays dismissed if the relay sends it again),
 * gone by itself when it expires. Warnings are amber and announced at once (role="alert"); information
 * is blue and polite (role="status"). Mounted anywhere inside the viewer: it floats under the top bar.
 */

const LEVEL_STYLE: Record<"info" | "warning", CSSProperties> = {
  info: { borderColor: "var(--accent)", background: "rgba(22, 40, 60, 0.94)" },
  warning: { borderColor: "var(--warn)", background: "rgba(60, 46, 18, 0.94)" },
};

// Fixed under the top bar, centred over the views: out of the viewer's grid, so it can be mounted
// anywhere inside it without taking a cell.
const LIST_STYLE: CSSProperties = {
  position: "fixed",
  top: 52,
  left: "50%",
  transform: "translateX(-50%)",
  zIndex: 30,
  width: "min(720px, calc(100vw - 32px))",
  display: "flex",
  flexDirection: "column",
  gap: 4,
  padding: 0,
  margin: 0,
  listStyle: "none",
};

const ITEM_STYLE: CSSProperties = {
  display: "flex",
  alignItems: "center",
  gap: 10,
  padding: "4px 10px",
  border: "1px solid",
  borderRadius: 6,
  color: "var(--text)",
  backdropFilter: "blur(6px)",
  boxShadow: "0 4px 16px rgba(0, 0, 0, 0.35)",
};

export function NoticeBanner({ store }: { store: ViewerStore }) {
  const state = useSyncExternalStore(store.subscribe, store.getState, store.getState);
  const [now, setNow] = useState(() => Date.now());
  const expiring = state.notices.some((n) => n.expiresAt !== undefined);
  useEffect(() => {
    if (!expiring) return;
    const timer = setInterval(() => setNow(Date.now()), 1000);
    return () => clearInterval(timer);
  }, [expiring]);

  const notices = activeNotices(state, Math.max(now, Date.now()));
  if (notices.length === 0) return null;
  return (
    <ul
      className="notices"
      style={LIST_STYLE}
      data-testid="notice-banner"
      aria-label="Notices from the relay"
    >
      {notices.map((notice) => (
        <li
          key={notice.id}
          className={`notice notice-${notice.level}`}
          style={{ ...ITEM_STYLE, ...LEVEL_STYLE[notice.level] }}
          role={notice.level === "warning" ? "alert" : "status"}
          data-testid="notice"
          data-notice={notice.id}
          data-level={notice.level}
        >
          <strong style={{ color: notice.level === "warning" ? "var(--warn)" : "var(--accent)" }}>
            {notice.level === "warning" ? "Warning" : "Notice"}
          </strong>
          <span style={{ flex: 1 }} data-testid="notice-text">
            {notice.text}
          </span>
          <span className="muted small" title={new Date(notice.at).toISOString()}>
            {new Date(notice.at).toLocaleTimeString([], { hour: "2-digit", minute: "2-digit" })}
          </span>
          <button
            type="button"
            className="ghost"
            aria-label="Dismiss notice"
            data-testid="notice-dismiss"
            onClick={() => store.dispatch({ type: "dismiss-notice", id: notice.id })}
          >
            ✕
          </button>
        </li>
      ))}
    </ul>
  );
}
