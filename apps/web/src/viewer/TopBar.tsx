"use client";

import type { RecordingState, Role } from "@depthroom/schema";
import { type ReactNode, type Ref, useEffect, useRef } from "react";
import type { RecordingFeedPhase } from "../playback/recordingFeed.ts";
import { RecordingDot } from "./RecordingsControl.tsx";
import { ShareControl } from "./ShareControl.tsx";
import type { ShownStatus } from "./shownStatus.ts";
import type { ViewerSource } from "./viewerSource.ts";

export type Layout = "split" | "3d" | "2d";

export const LAYOUTS: readonly Layout[] = ["split", "3d", "2d"];

/**
 * The viewer's top bar: what is shown (session or recording), the role, the status, counters, the
 * layout switch, capture, help and share. `presenceSlot` receives the collaboration layer's presence bar.
 */
export function TopBar({
  source,
  role,
  feedPhase,
  status,
  framesReceived,
  dropped,
  drawRate,
  recording,
  layout,
  onLayout,
  onHelp,
  shareOpen,
  onShare,
  captureOpen,
  onCapture,
  capture,
  presenceSlot,
  compact,
  menuOpen,
  onMenu,
  onEntities,
}: {
  source: ViewerSource;
  role: Role;
  feedPhase: RecordingFeedPhase;
  status: ShownStatus;
  framesReceived: number;
  dropped: number;
  drawRate: number;
  recording: RecordingState | null;
  layout: Layout;
  onLayout: (layout: Layout) => void;
  onHelp: () => void;
  shareOpen: boolean;
  onShare: (open: boolean) => void;
  captureOpen: boolean;
  onCapture: (open: boolean) => void;
  /**
   * The Capture popover, shown while `captureOpen`; null: no captures here (a view link while the room's
   * owner turned them off, issue 20), and no Capture button.
   */
  capture: ReactNode | null;
  presenceSlot: Ref<HTMLSpanElement>;
  /** Phone width: no split layout (one view at a time). */
  compact: boolean;
  /** The menu that holds the bar's controls at phone width (on wider screens they sit in the bar). */
  menuOpen: boolean;
  onMenu: (open: boolean) => void;
  /** Open the entity tree's sheet (the button shows where the tree is not beside the views). */
  onEntities: () => void;
}) {
  const layouts = compact ? LAYOUTS.filter((l) => l !== "split") : LAYOUTS;
  // A native listener: the presence bar's buttons are portalled in, so React's click would not bubble here.
  const menuRef = useRef<HTMLDivElement>(null);
  const closeMenu = useRef(() => {});
  closeMenu.current = () => {
    if (menuOpen) onMenu(false);
  };
  useEffect(() => {
    const menu = menuRef.current;
    if (!menu) return;
    const onClick = (e: MouseEvent) => {
      if ((e.target as HTMLElement).closest("button")) closeMenu.current();
    };
    menu.addEventListener("click", onClick);
    return () => menu.removeEventListener("click", onClick);
  }, []);
  return (
    <header className="topbar">
      <a className="brand" href="/">
        Depthroom
      </a>
      {source.kind === "live" ? (
        <span className="session-id mono" title={`Session ${source.link.session} on ${source.link.relayUrl}`}>
          {source.link.session.slice(0, 8)}…
        </span>
      ) : (
        <span
          className="session-id mono"
          title={`Recording ${source.link.recording} on ${source.link.relayUrl}`}
          data-testid="review-title"
        >
          Review ·{" "}
          {feedPhase.kind === "ready" ? feedPhase.recording.title || source.link.recording.slice(0, 8) : "…"}
        </span>
      )}
      <span className={`role role-${role}`}>{role}</span>
      <span
        className={`status status-${status.tone}`}
        data-testid="status"
        data-status={status.key}
        title={status.detail}
      >
        <span className="dot" /> {status.label}
      </span>
      <span className="muted small status-detail" data-testid="status-detail">
        {status.detail}
      </span>
      <span className="spacer" />
      <button
        type="button"
        className="topbar-menu-button"
        aria-expanded={menuOpen}
        onClick={() => onMenu(!menuOpen)}
        data-testid="menu-button"
      >
        Menu
      </button>
      {/* Below tablet width the menu is a sheet: a chosen control (Share, Notes, a layout…) closes it. */}
      <div className={`topbar-menu${menuOpen ? " open" : ""}`} data-testid="topbar-menu" ref={menuRef}>
        <span className="counter mono" data-testid="frame-counter" data-frames={framesReceived}>
          {framesReceived} frames
        </span>
        {source.kind === "live" ? <RecordingDot recording={recording} /> : null}
        {dropped > 0 && source.kind === "live" ? (
          <span className="counter mono warn" data-testid="dropped-counter">
            {dropped} dropped
          </span>
        ) : null}
        <span className="counter mono muted" title="Frames drawn per second">
          {drawRate.toFixed(0)} fps
        </span>
        <fieldset className="layout-switch" aria-label="Layout">
          {layouts.map((l) => (
            <button
              key={l}
              type="button"
              className={layout === l ? "active" : ""}
              onClick={() => onLayout(l)}
              title={`Layout: ${l} (${LAYOUTS.indexOf(l) + 1})`}
            >
              {l === "split" ? "3D + 2D" : l.toUpperCase()}
            </button>
          ))}
        </fieldset>
        <button type="button" className="entities-button" onClick={onEntities} data-testid="entities-button">
          Entities
        </button>
        {capture ? (
          <button
            type="button"
            onClick={() => onCapture(!captureOpen)}
            title="Capture a picture or a clip (C)"
            data-testid="capture-button"
          >
            Capture
          </button>
        ) : null}
        <button type="button" onClick={onHelp} title="Keyboard shortcuts (?)">
          ?
        </button>
        {source.kind === "live" ? (
          <button
            type="button"
            className="primary"
            onClick={() => onShare(!shareOpen)}
            data-testid="share-button"
          >
            Share
          </button>
        ) : null}
        <span className="presence-slot" ref={presenceSlot} />
      </div>
      {captureOpen && capture ? capture : null}
      {shareOpen && source.kind === "live" ? (
        <ShareControl link={source.link} role={role} onClose={() => onShare(false)} />
      ) : null}
    </header>
  );
}
