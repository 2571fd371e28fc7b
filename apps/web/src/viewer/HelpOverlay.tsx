"use client";

import { shortcutsOf } from "./keymap.ts";
import { TOUCH_HELP, TOUCH_QUERY, useMediaQuery } from "./screenClass.ts";

export function HelpOverlay({ onClose, review = false }: { onClose: () => void; review?: boolean }) {
  const rows = shortcutsOf(review);
  const touch = useMediaQuery(TOUCH_QUERY);
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
            {rows.map((shortcut) => (
              <tr key={shortcut.action}>
                <td>
                  <kbd>{shortcut.label}</kbd>
                </td>
                <td>{shortcut.help}</td>
              </tr>
            ))}
          </tbody>
        </table>
        {touch ? <p className="muted small">{TOUCH_HELP}</p> : null}
        <p className="muted small">
          3D: drag to orbit, right-drag or Shift-drag to pan, wheel to zoom, double-click to fit. 2D: drag to
          pan, wheel to zoom at the cursor, hover for depth and the 3D point, double-click to fit.
        </p>
      </div>
    </div>
  );
}
