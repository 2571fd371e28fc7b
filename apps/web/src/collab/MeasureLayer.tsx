"use client";

import {
  type Measurement,
  type MeasurementKind,
  MeasurementPointCounts,
  measure,
  measurementLabel,
  type TimelineTime,
} from "@depthroom/schema";
import { useEffect, useRef, useState } from "react";
import { createPortal } from "react-dom";
import type { ViewerScene } from "../render/ViewerScene.ts";
import type { FrameLoop } from "../viewer/frameLoop.ts";
import { useSceneDraws } from "../viewer/useSceneDraws.ts";
import type { CollabClient, CollabSnapshot } from "./CollabClient.ts";
import { attachMeasureInput, type MeasurePick } from "./measureInput.ts";
import { fromCollabPose, toCollabPose } from "./presence.ts";
import { readViewLink, VIEW_LAYOUTS, type ViewLayout, viewLinkFor } from "./viewLink.ts";
import "./measure.css";

/*
 * Shared measurements (issue 20): the Measure control (edit links only; the top bar), the picking (a
 * click per point; a distance ends at 2 points, an angle at 3, a polyline with Finish or Enter; Escape
 * drops the one being drawn), and every measurement drawn for everyone while it is drawn and after:
 * lines and a label over the 3D view (its points projected) and over each 2D view of its entity (its
 * pixels). The figures come from the schema's `measure` / `measurementLabel`, so every page shows the same.
 */

const KINDS: readonly MeasurementKind[] = ["distance", "polyline", "angle"];

export function MeasureLayer({
  client,
  snapshot,
  viewer,
  loop,
  stage,
  barSlot,
  canEdit,
  time,
  review,
  onGoToTime,
}: {
  client: CollabClient;
  snapshot: CollabSnapshot;
  viewer: ViewerScene;
  loop: FrameLoop;
  stage: HTMLElement | null;
  barSlot: HTMLElement | null;
  canEdit: boolean;
  /** The time a new measurement is stamped with (the recording's cursor in a review room). */
  time: () => TimelineTime;
  /** A review room (its links carry the recording time), or a live session (`live`). */
  review: boolean;
  /** Seek the review room (a view link opened cold lands on its time). */
  onGoToTime?: ((time: TimelineTime) => void) | undefined;
}) {
  const [copied, setCopied] = useState<string | null>(null);
  // A link to a view, opened cold: once the doc is synced, its camera and layout are restored, and in a
  // review room its time as soon as the room can seek (the review controller may come later).
  const restored = useRef<{ view: boolean; time: boolean; since?: number; lastTry: number }>({
    view: false,
    time: false,
    lastTry: 0,
  });
  useEffect(() => {
    if (!snapshot.synced) return;
    const view = readViewLink(window.location.href);
    if (!restored.current.view) {
      restored.current.view = true;
      if (view.camera) viewer.setPose(fromCollabPose(view.camera));
      if (view.layout) {
        // The layout is the viewer's: ask for it with its own shortcut (keymap: 1 split, 2 3D, 3 2D).
        const key = String(VIEW_LAYOUTS.indexOf(view.layout) + 1);
        window.dispatchEvent(new KeyboardEvent("keydown", { key, code: `Digit${key}` }));
      }
    }
    // The seek is asked again (at most every 500 ms, for 10 s) until the room's playback is paused there:
    // the room may not be able to seek yet when the doc syncs.
    const at = view.at;
    const state = restored.current;
    if (state.time || !review || !onGoToTime || !at || at === "live") return;
    const playback = snapshot.playback;
    if (playback && !playback.playing && Math.abs(playback.anchorMediaTime - at.value) < 1) {
      state.time = true;
      return;
    }
    const now = Date.now();
    state.since ??= now;
    if (now - state.since > 10_000) state.time = true;
    else if (now - state.lastTry > 500) {
      state.lastTry = now;
      onGoToTime(at);
    }
  });
  const copyViewLink = () => {
    const layout = document.querySelector("[data-layout]")?.getAttribute("data-layout");
    const entity = document.querySelector("[data-selected]")?.getAttribute("data-selected");
    const link = viewLinkFor(window.location.href, {
      at: review ? time() : "live",
      camera: toCollabPose(viewer.pose),
      ...(entity ? { entity } : {}),
      ...(layout && (VIEW_LAYOUTS as readonly string[]).includes(layout)
        ? { layout: layout as ViewLayout }
        : {}),
    });
    setCopied(link);
    void navigator.clipboard?.writeText(link).catch(() => {});
  };
  const [kind, setKind] = useState<MeasurementKind | null>(null);
  const [drawing, setDrawing] = useState<string | null>(null);
  const [problem, setProblem] = useState<string | null>(null);
  const state = useRef({ kind, drawing, time });
  state.current = { kind, drawing, time };

  // Clicks on the views while measuring.
  useEffect(() => {
    if (!stage || !canEdit) return;
    const onPick = (pick: MeasurePick | undefined) => {
      const { kind: k, drawing: id } = state.current;
      if (!k) return;
      if (!pick) {
        setProblem("no depth there: pick a point on the cloud or the image");
        return;
      }
      setProblem(null);
      const current = id ? client.getSnapshot().measurements.find((m) => m.id === id) : undefined;
      if (!current) {
        const made = client.addMeasurement({
          kind: k,
          entityPath: pick.entity,
          time: state.current.time(),
          points: [pick.point],
          complete: false,
        });
        setDrawing(made);
        return;
      }
      const points = [...current.points, pick.point];
      const done = points.length >= MeasurementPointCounts[current.kind].max;
      client.updateMeasurement(current.id, { points, complete: done });
      if (done) setDrawing(null);
    };
    return attachMeasureInput(stage, viewer, { isActive: () => state.current.kind !== null, onPick });
  }, [stage, viewer, client, canEdit]);

  const finish = () => {
    const id = state.current.drawing;
    const current = id ? client.getSnapshot().measurements.find((m) => m.id === id) : undefined;
    if (current) {
      if (current.points.length >= MeasurementPointCounts[current.kind].min)
        client.updateMeasurement(current.id, { complete: true });
      else client.removeMeasurement(current.id);
    }
    setDrawing(null);
  };
  const finishRef = useRef(finish);
  finishRef.current = finish;

  useEffect(() => {
    if (!kind) return;
    const key = (e: KeyboardEvent) => {
      if ((e.target as HTMLElement | null)?.closest?.("input, textarea, select")) return;
      if (e.key === "Enter") finishRef.current();
      else if (e.key === "Escape") {
        const id = state.current.drawing;
        if (id) client.removeMeasurement(id);
        setDrawing(null);
        setKind(null);
      }
    };
    window.addEventListener("keydown", key);
    return () => window.removeEventListener("keydown", key);
  }, [kind, client]);

  useSceneDraws(viewer, loop); // drawn again after each draw of the scene (orbit, zoom and pan move the labels)

  const control = (
    <span className="collab-ui measure-control" data-testid="measure-control">
      <button
        type="button"
        className="small"
        data-testid="copy-view-link"
        title="Copy a link to this moment and viewpoint (same role as your link)"
        onClick={copyViewLink}
      >
        Copy link to this view
      </button>
      {copied ? (
        <input
          className="small"
          readOnly
          data-testid="view-link"
          value={copied}
          onFocus={(e) => e.target.select()}
          onBlur={() => setCopied(null)}
        />
      ) : null}
      {canEdit ? (
        <>
          <button
            type="button"
            className={`small${kind ? " active" : ""}`}
            data-testid="measure-button"
            aria-pressed={kind !== null}
            title="Measure on the cloud or an image: a click per point (Esc leaves)"
            onClick={() => {
              if (kind) finish();
              setKind(kind ? null : "distance");
            }}
          >
            Measure
          </button>
          {kind ? (
            <>
              <select
                className="small"
                data-testid="measure-kind"
                value={kind}
                onChange={(e) => {
                  finish();
                  setKind(e.target.value as MeasurementKind);
                }}
              >
                {KINDS.map((k) => (
                  <option key={k} value={k}>
                    {k}
                  </option>
                ))}
              </select>
              {kind === "polyline" && drawing ? (
                <button type="button" className="small" data-testid="measure-finish" onClick={finish}>
                  Finish
                </button>
              ) : null}
              {problem ? (
                <span className="problem small" data-testid="measure-problem">
                  {problem}
                </span>
              ) : null}
            </>
          ) : null}
        </>
      ) : null}
    </span>
  );

  return (
    <>
      {barSlot ? createPortal(control, barSlot) : control}
      <MeasureOverlay viewer={viewer} measurements={snapshot.measurements} />
    </>
  );
}

type Xy = readonly [number, number];

/** Each measurement's lines and label on the 3D view and on its entity's 2D view. */
function MeasureOverlay({
  viewer,
  measurements,
}: {
  viewer: ViewerScene;
  measurements: readonly Measurement[];
}) {
  const shapes: { key: string; m: Measurement; view: "3d" | "2d"; at: Xy[] }[] = [];
  for (const m of measurements) {
    const in3d = m.points.map((p) => viewer.projectToCanvas(p.world));
    if (in3d.every((p) => p !== undefined))
      shapes.push({ key: `${m.id}-3d`, m, view: "3d", at: in3d as Xy[] });
    const in2d = m.points.map((p) =>
      p.pixel ? viewer.imageToCanvas(m.entityPath, p.pixel.u, p.pixel.v) : undefined,
    );
    if (in2d.every((p) => p !== undefined))
      shapes.push({ key: `${m.id}-2d`, m, view: "2d", at: in2d as Xy[] });
  }
  return (
    <>
      <svg className="measure-lines" aria-hidden="true">
        {shapes.map(({ key, m, at }) => (
          <g key={key} stroke={m.author.color}>
            <polyline points={at.map((p) => `${p[0]},${p[1]}`).join(" ")} fill="none" />
            {at.map((p, i) => (
              <circle key={i} cx={p[0]} cy={p[1]} r={3} fill={m.author.color} />
            ))}
          </g>
        ))}
      </svg>
      {shapes.map(({ key, m, view, at }) => {
        const values = measure(m);
        const anchor = m.kind === "angle" && at.length >= 2 ? (at[1] as Xy) : labelAnchor(at);
        return (
          <div
            key={key}
            className="measure-label"
            data-testid="measurement-label"
            data-id={m.id}
            data-view={view}
            data-complete={m.complete}
            data-value={values.kind === "angle" ? values.degrees : "length" in values ? values.length : ""}
            style={{ left: anchor[0], top: anchor[1], borderColor: m.author.color }}
          >
            {measurementLabel(values)}
          </div>
        );
      })}
    </>
  );
}

/** The middle of the polyline's middle segment (or its only point). */
function labelAnchor(at: readonly Xy[]): Xy {
  if (at.length < 2) return at[0] ?? [0, 0];
  const i = Math.floor((at.length - 1) / 2);
  const a = at[i] as Xy;
  const b = at[i + 1] as Xy;
  return [(a[0] + b[0]) / 2, (a[1] + b[1]) / 2];
}

/** The time a measurement was taken at, in words. */
export function fmtMeasureTime(time: TimelineTime | null): string {
  if (!time) return "any time";
  if (time.timeline === "log_time") return new Date(time.value / 1e6).toISOString().slice(11, 23);
  return `${time.timeline} ${time.value}`;
}

/** The measurements in the notes panel: label, author, time; Delete for edit links. */
export function MeasurementsList({
  client,
  measurements,
  canEdit,
  onGoTo,
}: {
  client: CollabClient;
  measurements: readonly Measurement[];
  canEdit: boolean;
  onGoTo?: (time: TimelineTime) => void;
}) {
  if (measurements.length === 0) return null;
  return (
    <section className="measure-list" data-testid="measurements-list">
      <strong className="small">Measurements</strong>
      <ul>
        {measurements.map((m) => (
          <li key={m.id} data-testid="measurement-item" data-id={m.id}>
            <span className="measure-swatch" style={{ background: m.author.color }} />
            <span className="measure-what">
              {m.kind}: {measurementLabel(measure(m))}
            </span>
            <span className="muted small">
              {m.author.name} · {fmtMeasureTime(m.time)} · {m.entityPath}
            </span>
            {m.time && onGoTo ? (
              <button type="button" className="ghost small" onClick={() => onGoTo(m.time as TimelineTime)}>
                Go to
              </button>
            ) : null}
            {canEdit ? (
              <button
                type="button"
                className="ghost small"
                data-testid="measurement-delete"
                onClick={() => client.removeMeasurement(m.id)}
              >
                Delete
              </button>
            ) : null}
          </li>
        ))}
      </ul>
    </section>
  );
}
