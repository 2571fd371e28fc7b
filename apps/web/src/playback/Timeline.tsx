"use client";

import type { Annotation } from "@depthroom/schema";
import { useEffect, useRef, useSyncExternalStore } from "react";
import { RATES, type ReviewController } from "./reviewController.ts";
import "./playback.css";

/** Recording time as m:ss.mmm from the start. */
export function formatOffset(ns: number): string {
  const ms = Math.max(0, Math.round(ns / 1e6));
  const minutes = Math.floor(ms / 60000);
  const seconds = ((ms % 60000) / 1000).toFixed(3).padStart(6, "0");
  return `${minutes}:${seconds}`;
}

/** How often a scrub drag writes the shared state (the relay limits writes per connection). */
const SCRUB_WRITE_MS = 50;

/**
 * The review room's timeline: play/pause, step back/forward, speed, the scrub bar with markers for the
 * notes stamped with a recording time (click one: everyone jumps there). The thumb and time move every
 * animation frame through the controller's `onTick`, without re-rendering React.
 */
export function Timeline({
  controller,
  annotations,
  canEdit,
}: {
  controller: ReviewController;
  annotations: readonly Annotation[];
  canEdit: boolean;
}) {
  const view = useSyncExternalStore(controller.subscribe, controller.getView, controller.getView);
  const { startNs, endNs } = controller.range;
  const duration = Math.max(1, endNs - startNs);
  const thumbRef = useRef<HTMLDivElement>(null);
  const timeRef = useRef<HTMLSpanElement>(null);
  const barRef = useRef<HTMLDivElement>(null);
  // While dragging: when the last seek was written (a drag writes at most every SCRUB_WRITE_MS, and once
  // on release, so the release position always lands).
  const scrubbing = useRef<{ lastWrite: number } | null>(null);

  useEffect(() => {
    controller.onTick = (cursor) => {
      const thumb = thumbRef.current;
      if (thumb) thumb.style.left = `${((cursor - startNs) / duration) * 100}%`;
      const time = timeRef.current;
      if (time) {
        const text = formatOffset(cursor - startNs);
        if (time.textContent !== text) time.textContent = text;
        time.dataset.cursor = String(cursor);
      }
    };
    return () => {
      controller.onTick = undefined;
    };
  }, [controller, startNs, duration]);

  const timeAt = (clientX: number) => {
    const rect = barRef.current?.getBoundingClientRect();
    if (!rect || rect.width === 0) return startNs;
    const f = Math.min(1, Math.max(0, (clientX - rect.left) / rect.width));
    return startNs + f * duration;
  };

  const scrubTo = (ns: number, final: boolean) => {
    const s = scrubbing.current;
    const now = performance.now();
    if (!s || final || now - s.lastWrite >= SCRUB_WRITE_MS) {
      if (s) s.lastWrite = now;
      controller.seek(ns);
    }
  };

  const markers = annotations.flatMap((a) =>
    a.time && a.time.timeline === "log_time" && a.time.value >= startNs && a.time.value <= endNs
      ? [{ id: a.id, at: a.time.value, color: a.author.color, text: a.text || "(no text)" }]
      : [],
  );

  return (
    <div
      className="timeline"
      data-testid="timeline"
      data-playing={view.playing}
      data-rate={view.rate}
      data-at-end={view.atEnd}
    >
      <button
        type="button"
        className="small"
        title="Previous frame (←)"
        data-testid="step-back"
        disabled={!canEdit}
        onClick={() => void controller.step(-1)}
      >
        |◀
      </button>
      <button
        type="button"
        className="small primary timeline-play"
        title={view.playing ? "Pause (space)" : "Play (space)"}
        data-testid="play-pause"
        disabled={!canEdit}
        onClick={(e) => {
          controller.togglePlay();
          e.currentTarget.blur();
        }}
      >
        {view.playing ? "❚❚" : "▶"}
      </button>
      <button
        type="button"
        className="small"
        title="Next frame (→)"
        data-testid="step-forward"
        disabled={!canEdit}
        onClick={() => void controller.step(1)}
      >
        ▶|
      </button>
      <select
        className="timeline-rate"
        aria-label="Speed"
        data-testid="rate"
        value={String(view.rate)}
        disabled={!canEdit}
        onChange={(e) => controller.setRate(Number(e.target.value))}
      >
        {RATES.map((r) => (
          <option key={r} value={String(r)}>
            {r}x
          </option>
        ))}
      </select>
      <span className="timeline-time mono" ref={timeRef} data-testid="timeline-time">
        0:00.000
      </span>
      <div
        className={`timeline-bar${canEdit ? "" : " readonly"}`}
        ref={barRef}
        data-testid="timeline-bar"
        onPointerDown={(e) => {
          if (!canEdit || (e.target as HTMLElement).closest(".timeline-marker")) return;
          e.currentTarget.setPointerCapture(e.pointerId);
          scrubbing.current = { lastWrite: 0 };
          scrubTo(timeAt(e.clientX), false);
        }}
        onPointerMove={(e) => {
          if (scrubbing.current) scrubTo(timeAt(e.clientX), false);
        }}
        onPointerUp={(e) => {
          if (!scrubbing.current) return;
          scrubTo(timeAt(e.clientX), true);
          scrubbing.current = null;
        }}
        onPointerCancel={() => {
          scrubbing.current = null;
        }}
      >
        <div className="timeline-track" />
        <div className="timeline-thumb" ref={thumbRef} />
        {markers.map((m) => (
          <button
            key={m.id}
            type="button"
            className="timeline-marker"
            style={{ left: `${((m.at - startNs) / duration) * 100}%`, background: m.color }}
            title={`${formatOffset(m.at - startNs)} ${m.text}`}
            data-testid="timeline-marker"
            data-id={m.id}
            data-time={m.at}
            disabled={!canEdit}
            onClick={() => controller.seek(m.at)}
          />
        ))}
      </div>
      <span className="timeline-time mono muted">{formatOffset(duration)}</span>
    </div>
  );
}
