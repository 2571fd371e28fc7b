"use client";

import { COLORMAPS, type Colormap, isColormap } from "@depthroom/schema";
import { useEffect, useState } from "react";
import type { ViewerScene } from "../render/ViewerScene.ts";
import { entityRate, entityTree, type ViewerState } from "../state/viewerState.ts";

const KIND_LABEL: Record<string, string> = {
  DepthImage: "depth",
  Pinhole: "pinhole",
  Transform3D: "transform",
};

function ago(ms: number): string {
  if (ms < 1500) return "now";
  if (ms < 60_000) return `${Math.round(ms / 1000)} s ago`;
  return `${Math.round(ms / 60_000)} min ago`;
}

/** The entity tree (archetype, resolution, datatype, rate, last seen, visibility) and the selection's settings. */
export function EntitySidebar({
  state,
  now,
  onToggle,
  onSelect,
  viewer,
  live = true,
  onClose,
}: {
  state: ViewerState;
  /** A live session shows its rigs; a review room has none. */
  live?: boolean;
  now: number;
  onToggle: (path: string, visible: boolean) => void;
  onSelect: (path: string | undefined) => void;
  viewer: ViewerScene | null;
  /** Close the tree's sheet (below tablet width the tree is a sheet over the views). */
  onClose?: () => void;
}) {
  const nodes = entityTree(state.entities);
  const producers = Object.values(state.producers);
  return (
    <aside className="sidebar" data-testid="sidebar">
      {onClose ? (
        <button
          type="button"
          className="ghost small sheet-close"
          onClick={onClose}
          aria-label="Close entities"
        >
          ✕
        </button>
      ) : null}
      {live ? <h3>Rigs</h3> : null}
      {!live ? null : producers.length === 0 ? (
        <p className="muted small" data-testid="no-rigs">
          {state.everHadProducer || state.framesReceived > 0 ? "Rig offline" : "No rig yet"}
        </p>
      ) : (
        <ul className="rigs">
          {producers.map((p) => (
            <li key={p.id}>
              <span className="dot ok" /> {p.name}{" "}
              <span className="muted small">{ago(now - p.connectedAt)}</span>
            </li>
          ))}
        </ul>
      )}
      <h3>Entities</h3>
      {nodes.length === 0 ? <p className="muted small">Nothing logged yet.</p> : null}
      <ul className="tree" data-testid="entity-tree">
        {nodes.map(({ path, name, depth, entry }) => {
          const rate = entry ? entityRate(entry, now) : undefined;
          return (
            <li
              key={path}
              className={`tree-row${state.selected === path ? " selected" : ""}`}
              style={{ paddingLeft: 8 + depth * 14 }}
              data-entity={path}
            >
              {entry ? (
                <input
                  type="checkbox"
                  checked={entry.visible}
                  onChange={(e) => onToggle(path, e.target.checked)}
                  aria-label={`Show ${path}`}
                />
              ) : (
                <span className="tree-spacer" />
              )}
              <button type="button" className="tree-name" onClick={() => onSelect(path)} title={path}>
                {name}
              </button>
              {entry ? (
                <span className={`kind kind-${entry.kind}`}>{KIND_LABEL[entry.kind] ?? entry.kind}</span>
              ) : null}
              {entry ? (
                <span className="tree-meta muted small">
                  {entry.width && entry.height
                    ? `${entry.width}×${entry.height} ${entry.datatype ?? ""} · `
                    : ""}
                  {rate !== undefined ? `${rate.toFixed(rate < 10 ? 1 : 0)} Hz · ` : ""}
                  {ago(now - entry.lastSeen)}
                </span>
              ) : null}
            </li>
          );
        })}
      </ul>
      {state.selected ? <SelectionSettings path={state.selected} state={state} viewer={viewer} /> : null}
    </aside>
  );
}

function SelectionSettings({
  path,
  state,
  viewer,
}: {
  path: string;
  state: ViewerState;
  viewer: ViewerScene | null;
}) {
  const entry = state.entities[path];
  const stats = viewer?.stats().find((s) => s.entity === path);
  const [colormap, setColormap] = useState<Colormap | "">("");
  const [manual, setManual] = useState(false);
  const [min, setMin] = useState("");
  const [max, setMax] = useState("");

  useEffect(() => {
    setColormap("");
    setManual(false);
    const range = viewer?.stats().find((s) => s.entity === path)?.range;
    setMin(range ? String(range.min) : "");
    setMax(range ? String(range.max) : "");
  }, [path, viewer]);

  const canLookThrough = viewer?.graph.pinholeFor(path) !== undefined;
  return (
    <div className="selection" data-testid="selection">
      <h3>Selected</h3>
      <p className="mono small">{path}</p>
      {canLookThrough ? (
        <button type="button" onClick={() => viewer?.lookThrough(path)} title="Look through this camera (L)">
          Look through camera
        </button>
      ) : null}
      {entry?.kind === "DepthImage" && stats ? (
        <>
          <label className="field">
            <span>Colormap</span>
            <select
              value={colormap}
              onChange={(e) => {
                const value = e.target.value;
                const next = isColormap(value) ? value : "";
                setColormap(next);
                viewer?.setColormap(path, next || undefined);
              }}
            >
              <option value="">as logged ({stats.colormap ?? "turbo"})</option>
              {COLORMAPS.map((c) => (
                <option key={c} value={c}>
                  {c}
                </option>
              ))}
            </select>
          </label>
          <label className="field">
            <span>Range</span>
            <span className="row">
              <input
                type="checkbox"
                checked={manual}
                onChange={(e) => {
                  setManual(e.target.checked);
                  if (!e.target.checked) viewer?.setRange(path, undefined);
                }}
                aria-label="Set the range by hand"
              />
              <span className="small muted">
                {manual ? "manual (stored units)" : "auto (robust, stable)"}
              </span>
            </span>
          </label>
          {manual ? (
            <span className="row">
              <input
                type="number"
                value={min}
                onChange={(e) => setMin(e.target.value)}
                aria-label="Range minimum"
              />
              <input
                type="number"
                value={max}
                onChange={(e) => setMax(e.target.value)}
                aria-label="Range maximum"
              />
              <button
                type="button"
                onClick={() => {
                  const lo = Number(min);
                  const hi = Number(max);
                  if (Number.isFinite(lo) && Number.isFinite(hi) && hi > lo)
                    viewer?.setRange(path, { min: lo, max: hi });
                }}
              >
                Set
              </button>
            </span>
          ) : stats.range ? (
            <p className="small muted mono">
              {stats.range.min.toFixed(0)} – {stats.range.max.toFixed(0)}
            </p>
          ) : null}
          <p className="small muted">
            {stats.uploads} frames drawn · {stats.skipped} skipped (latest wins)
            {stats.uploadMsMedian !== undefined ? ` · upload ${stats.uploadMsMedian.toFixed(2)} ms` : ""}
          </p>
        </>
      ) : null}
    </div>
  );
}
