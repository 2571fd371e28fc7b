"use client";

const SHORTCUTS: [string, string][] = [
  ["F", "fit the 3D view (and every image) to the data"],
  ["R", "reset the 3D view"],
  ["L", "look through the selected (or first) camera"],
  ["1 / 2 / 3", "layout: 3D + 2D, 3D only, 2D only"],
  ["G", "grid and axes on/off"],
  ["N", "note mode: the next click on a view pins a note (edit links)"],
  ["?", "this help"],
  ["Esc", "close"],
];

/** Live sessions only. */
const LIVE_SHORTCUTS: [string, string][] = [["S", "share links"]];

/** Review rooms only: the timeline, for everyone in the room (edit links drive it). */
const REVIEW_SHORTCUTS: [string, string][] = [
  ["Space", "play / pause"],
  ["← / →", "previous / next frame"],
];

export function HelpOverlay({ onClose, review = false }: { onClose: () => void; review?: boolean }) {
  const rows = [...(review ? REVIEW_SHORTCUTS : LIVE_SHORTCUTS), ...SHORTCUTS];
  return (
    <div
      className="overlay"
      role="dialog"
      aria-label="Keyboard shortcuts"
      onClick={onClose}
      onKeyDown={() => {}}
    >
      <div className="popover help">
        <div className="popover-head">
          <strong>Keyboard shortcuts</strong>
        </div>
        <table>
          <tbody>
            {rows.map(([key, what]) => (
              <tr key={key}>
                <td>
                  <kbd>{key}</kbd>
                </td>
                <td>{what}</td>
              </tr>
            ))}
          </tbody>
        </table>
        <p className="muted small">
          3D: drag to orbit, right-drag or Shift-drag to pan, wheel to zoom, double-click to fit. 2D: drag to
          pan, wheel to zoom at the cursor, hover for depth and the 3D point, double-click to fit.
        </p>
      </div>
    </div>
  );
}
