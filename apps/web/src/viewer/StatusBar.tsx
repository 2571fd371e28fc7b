"use client";

import type { RecordingState, Role } from "@depthroom/schema";
import type { Problem } from "../state/viewerState.ts";
import { RecordingsControl } from "./RecordingsControl.tsx";
import type { ViewerSource } from "./viewerSource.ts";

/** The bar under the views: the latest problems (dismissable) or a hint, recordings, draws. */
export function StatusBar({
  source,
  role,
  problems,
  onDismiss,
  recording,
  userName,
  showRecordings,
  framesDrawn,
}: {
  source: ViewerSource;
  role: Role;
  problems: readonly Problem[];
  onDismiss: (id: number) => void;
  recording: RecordingState | null;
  userName: string;
  /** The room is open (recordings are listed with the person's name). */
  showRecordings: boolean;
  framesDrawn: number;
}) {
  return (
    <footer className="statusbar">
      {problems.length > 0 ? (
        <span className="problems" data-testid="problems">
          {problems.slice(-2).map((p) => (
            <span key={p.id} className="problem" title={p.code}>
              {p.message}
              <button
                type="button"
                className="ghost small"
                onClick={() => onDismiss(p.id)}
                aria-label="Dismiss"
              >
                ✕
              </button>
            </span>
          ))}
        </span>
      ) : (
        <span className="muted">
          Drag to orbit · right-drag to pan · wheel to zoom · <kbd>F</kbd> fit · <kbd>L</kbd> look through
          camera · <kbd>?</kbd> shortcuts
        </span>
      )}
      <span className="spacer" />
      {source.kind === "live" && showRecordings ? (
        <RecordingsControl link={source.link} role={role} recording={recording} userName={userName} />
      ) : null}
      <span className="muted mono">{framesDrawn} draws</span>
    </footer>
  );
}
