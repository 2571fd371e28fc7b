"use client";

import type { PixelReadout } from "../render/ViewerScene.ts";

const fmt = (n: number) => (Math.abs(n) < 5e-4 ? 0 : n).toFixed(3);

/** The 2D hover readout: pixel (u, v), depth in metres and the point in the camera frame. */
export function Readout({ readout }: { readout: PixelReadout }) {
  const p = readout.cameraPoint;
  return (
    <div
      className="readout mono"
      data-testid="readout"
      data-u={readout.u}
      data-v={readout.v}
      data-depth={readout.depthMeters ?? ""}
      data-point={p ? p.join(",") : ""}
    >
      <span>
        ({readout.u}, {readout.v})
      </span>
      {readout.depthMeters === undefined ? (
        <span className="muted">no depth</span>
      ) : (
        <>
          <span data-testid="readout-depth">{fmt(readout.depthMeters)} m</span>
          {p ? (
            <span data-testid="readout-point" title="Point in the camera frame">
              ({fmt(p[0])}, {fmt(p[1])}, {fmt(p[2])})
            </span>
          ) : null}
        </>
      )}
    </div>
  );
}
