import {
  BufferTarget,
  CanvasSource,
  getFirstEncodableVideoCodec,
  Output,
  QUALITY_HIGH,
  type VideoCodec,
  WebMOutputFormat,
} from "mediabunny";
import type { PanelRect, ViewerScene } from "../render/ViewerScene.ts";
import { CaptureError, captureSize, drawPanel } from "./snapshot.ts";

/*
 * A clip of a recording range (issue 20), rendered frame by frame rather than screen-recorded: for each
 * of the recording's frames in the range the scene is shown that frame, drawn, copied and encoded with
 * WebCodecs (through mediabunny) into WebM. Video timestamps are the frames' recording times from the
 * first frame, never the wall clock, so a clip holds exactly the recording's frames in the range, at
 * their own pace, however slowly this machine renders them.
 */

/** What the clip needs of a recording: where its frames are, and the scene showing one of them. */
export interface ClipFrames {
  /** The time (ns) of the first frame strictly after `afterNs`; undefined when there is none. */
  frameAfter(afterNs: number): Promise<number | undefined>;
  /** Show the frame at `timeNs` in the scene; resolves once the scene holds it (not yet drawn). */
  show(timeNs: number, signal: AbortSignal): Promise<void>;
}

export interface ClipProgress {
  /** Frames encoded so far. */
  readonly frames: number;
  /** The part of the range done, 0..1. */
  readonly done: number;
}

export interface ClipOptions {
  /** The range, ns: frames at `startNs <= t < endNs`. */
  readonly startNs: number;
  readonly endNs: number;
  readonly scale?: number;
  readonly signal?: AbortSignal;
  readonly onProgress?: (progress: ClipProgress) => void;
}

export interface Clip {
  readonly blob: Blob;
  readonly codec: VideoCodec;
  readonly frames: number;
  readonly width: number;
  readonly height: number;
  /** Recording times (ns) of the frames, in order. */
  readonly timesNs: readonly number[];
}

/** The codecs a clip is encoded with, best first: WebM's (Chromium builds without H.264 have both). */
export const CLIP_CODECS: readonly VideoCodec[] = ["vp9", "vp8"];

/** The first codec this browser encodes at `width` x `height`, or a CaptureError saying it has none. */
export async function clipCodec(width: number, height: number): Promise<VideoCodec> {
  if (typeof VideoEncoder === "undefined")
    throw new CaptureError(
      "unsupported",
      "This browser has no WebCodecs video encoder: clips cannot be made here.",
    );
  const codec = await getFirstEncodableVideoCodec([...CLIP_CODECS], { width, height });
  if (!codec)
    throw new CaptureError(
      "unsupported",
      `This browser encodes neither VP9 nor VP8 at ${width} x ${height}: clips cannot be made here.`,
    );
  return codec;
}

/** Render and encode the clip of `panel` over a range of the recording `frames` shows. */
export async function renderClip(
  viewer: ViewerScene,
  panel: PanelRect,
  frames: ClipFrames,
  options: ClipOptions,
): Promise<Clip> {
  const { startNs, endNs, scale = 1, onProgress } = options;
  const signal = options.signal ?? new AbortController().signal;
  if (!(endNs > startNs)) throw new CaptureError("no-view", "The clip's range is empty.");
  const { width, height } = captureSize(panel, scale, true);
  const codec = await clipCodec(width, height);
  const canvas = document.createElement("canvas");
  canvas.width = width;
  canvas.height = height;
  const output = new Output({ format: new WebMOutputFormat(), target: new BufferTarget() });
  const source = new CanvasSource(canvas, { codec, bitrate: QUALITY_HIGH });
  output.addVideoTrack(source);
  const cancelled = () => new CaptureError("cancelled", "The clip was cancelled.");
  const timesNs: number[] = [];
  try {
    await output.start();
    // The first frame at or after the start (frameAfter is strict: ask from just before it).
    let time = await frames.frameAfter(startNs - 1024);
    // Half-open [start, end), with the lookup tolerance: float ns of a present-day time are exact to 256 ns.
    while (time !== undefined && time < endNs - 1024) {
      if (signal.aborted) throw cancelled();
      await frames.show(time, signal);
      if (signal.aborted) throw cancelled();
      drawPanel(viewer, panel, scale, canvas, { even: true });
      const next = await frames.frameAfter(time);
      const until = next === undefined || next > endNs ? endNs : next;
      const first = timesNs[0] ?? time;
      await source.add((time - first) / 1e9, (until - time) / 1e9);
      timesNs.push(time);
      onProgress?.({ frames: timesNs.length, done: Math.min(1, (until - startNs) / (endNs - startNs)) });
      time = next;
    }
    if (timesNs.length === 0) throw new CaptureError("no-view", "The recording has no frame in that range.");
    source.close();
    await output.finalize();
  } catch (error) {
    if (output.state !== "finalized" && output.state !== "canceled") await output.cancel();
    if (error instanceof CaptureError) throw error;
    throw new CaptureError("encode-failed", `The clip could not be encoded: ${String(error)}`);
  }
  const buffer = output.target.buffer;
  if (!buffer) throw new CaptureError("encode-failed", "The clip's file is empty.");
  return {
    blob: new Blob([buffer], { type: "video/webm" }),
    codec,
    frames: timesNs.length,
    width,
    height,
    timesNs,
  };
}
