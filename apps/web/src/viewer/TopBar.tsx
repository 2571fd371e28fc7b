"use client";

import type { RecordingState, Role } from "@depthroom/schema";
import type { Ref } from "react";
import type { RecordingFeedPhase } from "../playback/recordingFeed.ts";
import { RecordingDot } from "./RecordingsControl.tsx";
import { ShareControl } from "./ShareControl.tsx";
import type { ShownStatus } from "./shownStatus.ts";
import type { ViewerSource } from "./viewerSource.ts";

export type Layout = "split" | "3d" | "2d";

export const LAYOUTS: readonly Layout[] = ["split", "3d", "2d"];

/**
 * The viewer's top bar: what is shown (session or recording), the role, the status, counters, the
 * layout switch, help and share. `presenceSlot` receives the collaboration layer's presence bar.
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
  presenceSlot,
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
  presenceSlot: Ref<HTMLSpanElement>;
}) {
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
        {LAYOUTS.map((l, i) => (
          <button
            key={l}
            type="button"
            className={layout === l ? "active" : ""}
            onClick={() => onLayout(l)}
            title={`Layout: ${l} (${i + 1})`}
          >
            {l === "split" ? "3D + 2D" : l.toUpperCase()}
          </button>
        ))}
      </fieldset>
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
      {shareOpen && source.kind === "live" ? (
        <ShareControl link={source.link} role={role} onClose={() => onShare(false)} />
      ) : null}
      <span className="presence-slot" ref={presenceSlot} />
    </header>
  );
}
