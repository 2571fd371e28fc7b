"use client";

import { useEffect, useRef, useState } from "react";
import { Popover } from "../components/Popover.tsx";
import type { RecordingFeed } from "../playback/recordingFeed.ts";
import type { ReviewController } from "../playback/reviewController.ts";
import type { PanelRect, ViewerScene } from "../render/ViewerScene.ts";
import { clipCodec, renderClip } from "./clip.ts";
import { reviewClipFrames } from "./reviewClip.ts";
import {
  CAPTURE_SCALES,
  CaptureError,
  type CaptureScale,
  captureFileName,
  capturePng,
  download,
} from "./snapshot.ts";
import "./capture.css";

/** What a capture made or why it failed (shown in the popover, read by the browser tests). */
type Outcome =
  | { readonly kind: "idle" }
  | { readonly kind: "clip-running"; readonly frames: number; readonly done: number }
  | {
      readonly kind: "saved";
      readonly what: "png" | "clip";
      readonly name: string;
      readonly width: number;
      readonly height: number;
      readonly frames?: number;
      readonly codec?: string;
    }
  | { readonly kind: "failed"; readonly code: string; readonly message: string };

/** The clip's default length from the cursor. */
const DEFAULT_CLIP_S = 3;

function panelName(panel: PanelRect): string {
  return panel.kind === "3d" ? "3D view" : `2D: ${panel.entity ?? panel.id}`;
}

function viewSlug(panel: PanelRect): string {
  return panel.kind === "3d" ? "3d" : `2d-${(panel.entity ?? panel.id).split("/").slice(-2).join("-")}`;
}

/**
 * The Capture popover (issue 20): a PNG of a view (the 3D view or a 2D panel) at 1x or 2x and, in a review
 * room, a clip of a range of the recording rendered frame by frame into WebM, with progress and Cancel.
 * Files download with the session (or recording), the view and the time in their names. HTML overlays
 * (measurement labels, note marks, other people's cursors) are not in the pictures: only what the scene draws.
 */
export function CaptureControl({
  viewer,
  panels,
  sourceName,
  review,
  viewLinkCaptures,
  onClose,
}: {
  viewer: ViewerScene | null;
  /** The panels on the stage now, relative to the canvas. */
  panels: () => PanelRect[];
  /** The session or recording id, for file names. */
  sourceName: string;
  /** A review room's clock and feed: clips are made from them. */
  review: { controller: ReviewController; feed: RecordingFeed } | null;
  /**
   * Edit links only: whether the room's view links may capture, and the switch (a room setting in the
   * Y.Doc, for everyone); null on a view link.
   */
  viewLinkCaptures: { allowed: boolean; set: (allowed: boolean) => void } | null;
  onClose: () => void;
}) {
  const [shown] = useState(() => panels().filter((p) => p.width >= 2 && p.height >= 2));
  const [panelId, setPanelId] = useState(() => shown[0]?.id ?? "");
  const [outcome, setOutcome] = useState<Outcome>({ kind: "idle" });
  const [clipProblem, setClipProblem] = useState<string | undefined>();
  const range = review?.controller.range;
  const startAt = review ? (review.controller.cursorNs - (range?.startNs ?? 0)) / 1e9 : 0;
  const lengthS = range ? (range.endNs - range.startNs) / 1e9 : 0;
  const [fromS, setFromS] = useState(() => round3(startAt));
  const [toS, setToS] = useState(() => round3(Math.min(lengthS, startAt + DEFAULT_CLIP_S)));
  const abortRef = useRef<AbortController | null>(null);

  // Whether this browser can encode a clip at all, said before anyone waits for one.
  useEffect(() => {
    if (!review) return;
    let live = true;
    clipCodec(640, 360).then(
      () => live && setClipProblem(undefined),
      (error: unknown) => live && setClipProblem(error instanceof Error ? error.message : String(error)),
    );
    return () => {
      live = false;
    };
  }, [review]);
  // Closing the popover cancels a clip being made.
  useEffect(() => () => abortRef.current?.abort(), []);

  const panel = () => panels().find((p) => p.id === panelId);
  const fail = (error: unknown) =>
    setOutcome({
      kind: "failed",
      code: error instanceof CaptureError ? error.code : "encode-failed",
      message: error instanceof Error ? error.message : String(error),
    });

  const png = async (scale: CaptureScale) => {
    const p = panel();
    if (!viewer || !p) return fail(new CaptureError("no-view", "That view is not on the screen."));
    try {
      const blob = await capturePng(viewer, p, scale);
      const atNs = review ? review.controller.cursorNs : Date.now() * 1e6;
      const name = captureFileName({
        source: sourceName,
        view: `${viewSlug(p)}-${scale}x`,
        startNs: atNs,
        ext: "png",
      });
      const size = await pngSize(blob);
      download(blob, name);
      setOutcome({ kind: "saved", what: "png", name, ...size });
    } catch (error) {
      fail(error);
    }
  };

  const clip = async () => {
    const p = panel();
    if (!viewer || !p || !review || !range)
      return fail(new CaptureError("no-view", "That view is not on the screen."));
    const startNs = range.startNs + fromS * 1e9;
    const endNs = range.startNs + toS * 1e9;
    const abort = new AbortController();
    abortRef.current = abort;
    const frames = reviewClipFrames(review.controller, review.feed, () => viewer.stats());
    setOutcome({ kind: "clip-running", frames: 0, done: 0 });
    try {
      const made = await renderClip(viewer, p, frames, {
        startNs,
        endNs,
        signal: abort.signal,
        onProgress: ({ frames: n, done }) => setOutcome({ kind: "clip-running", frames: n, done }),
      });
      const name = captureFileName({ source: sourceName, view: viewSlug(p), startNs, endNs, ext: "webm" });
      download(made.blob, name);
      setOutcome({
        kind: "saved",
        what: "clip",
        name,
        width: made.width,
        height: made.height,
        frames: made.frames,
        codec: made.codec,
      });
    } catch (error) {
      fail(error);
    } finally {
      frames.release();
      if (abortRef.current === abort) abortRef.current = null;
    }
  };

  const running = outcome.kind === "clip-running";
  return (
    <Popover title="Capture" className="capture" data={{ outcome: outcome.kind }} onClose={onClose}>
      <label className="capture-row">
        <span className="muted small">View</span>
        <select
          value={panelId}
          onChange={(e) => setPanelId(e.target.value)}
          data-testid="capture-view"
          disabled={running}
        >
          {shown.map((p) => (
            <option key={p.id} value={p.id}>
              {panelName(p)}
            </option>
          ))}
        </select>
      </label>
      <div className="capture-row">
        <span className="muted small">Picture (PNG)</span>
        {CAPTURE_SCALES.map((scale) => (
          <button
            key={scale}
            type="button"
            onClick={() => void png(scale)}
            disabled={running || !viewer}
            data-testid={`capture-png-${scale}x`}
          >
            {scale}x
          </button>
        ))}
      </div>
      {review ? (
        <div className="capture-row capture-clip">
          <span className="muted small">Clip (WebM): from and to, seconds from the start</span>
          {(["from", "to"] as const).map((end) => (
            <input
              key={end}
              type="number"
              min={0}
              max={lengthS}
              step={0.1}
              value={end === "from" ? fromS : toS}
              onChange={(e) => (end === "from" ? setFromS : setToS)(Number(e.target.value))}
              disabled={running}
              aria-label={`Clip ${end} (s)`}
              data-testid={`capture-clip-${end}`}
            />
          ))}
          {running ? (
            <button type="button" onClick={() => abortRef.current?.abort()} data-testid="capture-clip-cancel">
              Cancel
            </button>
          ) : (
            <button
              type="button"
              className="primary"
              onClick={() => void clip()}
              disabled={!viewer || clipProblem !== undefined || !(toS > fromS)}
              data-testid="capture-clip"
            >
              Record clip
            </button>
          )}
        </div>
      ) : null}
      {clipProblem ? (
        <p className="problem small" data-testid="capture-clip-unsupported">
          {clipProblem}
        </p>
      ) : null}
      {viewLinkCaptures ? (
        <label className="capture-row">
          <input
            type="checkbox"
            checked={viewLinkCaptures.allowed}
            onChange={(e) => viewLinkCaptures.set(e.target.checked)}
            data-testid="capture-view-links"
          />
          <span className="small">View links can capture</span>
        </label>
      ) : null}
      <CaptureOutcome outcome={outcome} />
    </Popover>
  );
}

function CaptureOutcome({ outcome }: { outcome: Outcome }) {
  switch (outcome.kind) {
    case "idle":
      return null;
    case "clip-running":
      return (
        <p className="small" data-testid="capture-progress" data-frames={outcome.frames}>
          <progress value={outcome.done} max={1} /> {outcome.frames} frames ({Math.round(outcome.done * 100)}{" "}
          %)
        </p>
      );
    case "saved":
      return (
        <p
          className="muted small"
          data-testid="capture-saved"
          data-name={outcome.name}
          data-width={outcome.width}
          data-height={outcome.height}
          data-frames={outcome.frames}
        >
          Saved {outcome.name} ({outcome.width} x {outcome.height}
          {outcome.frames !== undefined ? `, ${outcome.frames} frames, ${outcome.codec}` : ""})
        </p>
      );
    case "failed":
      return (
        <p className="problem small" data-testid="capture-problem" data-code={outcome.code}>
          {outcome.message}
        </p>
      );
    default: {
      const unknown: never = outcome;
      throw new TypeError(`unhandled capture outcome ${String(unknown)}`);
    }
  }
}

function round3(n: number): number {
  return Math.round(Math.max(0, n) * 1000) / 1000;
}

/** Width and height from a PNG's header. */
async function pngSize(blob: Blob): Promise<{ width: number; height: number }> {
  const view = new DataView(await blob.slice(16, 24).arrayBuffer());
  return { width: view.getUint32(0), height: view.getUint32(4) };
}
