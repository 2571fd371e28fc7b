"use client";

import type { RecordingState, Role } from "@depthroom/schema";
import type { PointBudgetStats } from "../render/pointBudget.ts";
import type { Problem } from "../state/viewerState.ts";
import { RecordingsControl } from "./RecordingsControl.tsx";
import { TOUCH_HINT, TOUCH_QUERY, useMediaQuery } from "./screenClass.ts";
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
  points,
  bytesPerSecond,
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
  /** The 3D view's point budget: points drawn and the decimation (issue 21). */
  points?: PointBudgetStats | undefined;
  /** Wire bytes per second this viewer receives (live; issue 19). */
  bytesPerSecond?: number | undefined;
}) {
  const touch = useMediaQuery(TOUCH_QUERY);
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
      ) : touch ? (
        <span className="muted hint" data-testid="hint">
          {TOUCH_HINT}
        </span>
      ) : (
        <span className="muted hint" data-testid="hint">
          Drag to orbit · right-drag to pan · wheel to zoom · <kbd>F</kbd> fit · <kbd>L</kbd> look through
          camera · <kbd>?</kbd> shortcuts
        </span>
      )}
      <span className="spacer" />
      {source.kind === "live" && showRecordings ? (
        <RecordingsControl link={source.link} role={role} recording={recording} userName={userName} />
      ) : null}
      {points && points.points > 0 ? (
        <span
          className="muted mono"
          data-testid="point-budget"
          title={`Point budget ${points.budget.toLocaleString("en")}: ${points.points.toLocaleString("en")} of ${points.fullPoints.toLocaleString("en")} points drawn${points.stride > 1 ? `, every ${points.stride}th pixel in u and v` : ""}`}
        >
          {formatPoints(points.points)} pts{points.stride > 1 ? ` · 1/${points.stride}` : ""}
        </span>
      ) : null}
      {bytesPerSecond === undefined ? null : (
        <span
          className="muted mono"
          data-testid="bandwidth"
          title="Depth and other messages received by this viewer"
        >
          {formatMegabytes(bytesPerSecond)} MB/s
        </span>
      )}
      <span className="muted mono">{framesDrawn} draws</span>
    </footer>
  );
}

/** MB (10^6 bytes), 2 decimals below 100. */
export function formatMegabytes(bytes: number): string {
  const mb = bytes / 1e6;
  return mb >= 100 ? mb.toFixed(0) : mb.toFixed(2);
}

function formatPoints(n: number): string {
  return n >= 1e6 ? `${(n / 1e6).toFixed(1)}M` : n >= 1e3 ? `${Math.round(n / 1e3)}k` : String(n);
}
