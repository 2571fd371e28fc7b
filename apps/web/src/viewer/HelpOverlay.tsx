"use client";

const SHORTCUTS: [string, string][] = [
  ["F", "fit the 3D view (and every image) to the data"],
  ["R", "reset the 3D view"],
  ["L", "look through the selected (or first) camera"],
  ["1 / 2 / 3", "layout: 3D + 2D, 3D only, 2D only"],
  ["G", "grid and axes on/off"],
  ["S", "share links"],
  ["?", "this help"],
  ["Esc", "close"],
];

export function HelpOverlay({ onClose }: { onClose: () => void }) {
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
            {SHORTCUTS.map(([key, what]) => (
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
