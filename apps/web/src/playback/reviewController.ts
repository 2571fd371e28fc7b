import { PlaybackRate, type PlaybackState, playbackCursor, type TimelineTime } from "@depthroom/schema";
import type { CollabClient } from "../collab/CollabClient.ts";
import type { RecordingFeed } from "./recordingFeed.ts";

/*
 * The review room's clock: every animation frame (`tick`, run by the frame loop's cursor stage) it
 * computes the cursor from the shared `playback` state (the room's Y.Doc) with `playbackCursor`, clamps
 * it to the recording, and asks the feed for the frames of that time. "Now" is the relay's clock (the
 * feed's `RelayClock`), for reading and for writing anchors, so people whose system clocks differ still
 * see the same time. Nothing is written while playing; play, pause, seek, step and rate re-anchor the
 * state for everyone (edit links only). At the end it pauses: the client that wrote the state writes the
 * pause (any other edit client after a second, in case the writer left); everyone clamps meanwhile.
 */

export interface Range {
  readonly startNs: number;
  readonly endNs: number;
}

/** The cursor at `nowWallMs`, clamped to the recording; the start when nobody wrote a state yet. */
export function clampedCursor(state: PlaybackState | null, nowWallMs: number, range: Range): number {
  const raw = state ? playbackCursor(state, nowWallMs) : range.startNs;
  return Math.min(range.endNs, Math.max(range.startNs, raw));
}

/** Wall ms at which a playing state reaches the end of the range (Infinity when paused). */
export function endWallMs(state: PlaybackState, range: Range): number {
  if (!state.playing) return Number.POSITIVE_INFINITY;
  return state.anchorWallTime + (range.endNs - state.anchorMediaTime) / 1e6 / state.rate;
}

export const RATES = [0.25, 0.5, 1, 2, 4] as const;

/** What the controls show; changes at most a few times a second (the cursor moves through `onTick`). */
export interface ReviewView {
  readonly playing: boolean;
  readonly rate: number;
  readonly atEnd: boolean;
}

export class ReviewController {
  private cursor: number;
  private held: number | undefined;
  private tickWallMs = 0;
  private view: ReviewView;
  private readonly listeners = new Set<() => void>();
  /** Called every animation frame with the cursor (ns): the timeline moves its thumb. */
  onTick: ((cursorNs: number) => void) | undefined;

  constructor(
    readonly client: CollabClient,
    private readonly feed: RecordingFeed,
    readonly recordingId: string,
    readonly range: Range,
  ) {
    this.cursor = range.startNs;
    this.view = { playing: false, rate: PlaybackRate.default, atEnd: false };
  }

  private state(): PlaybackState | null {
    const state = this.client.getSnapshot().playback;
    // A state of another source (a peer's mistake) is ignored: this room plays its recording.
    if (state && (state.source.kind !== "recording" || state.source.recordingId !== this.recordingId))
      return null;
    return state;
  }

  /** The cursor this page computes for `localWallMs` of its own clock (`Date.now()`; tests compare pages). */
  cursorAt(localWallMs: number): number {
    return clampedCursor(this.state(), this.feed.clock.toRelay(localWallMs), this.range);
  }

  tick(localNow = Date.now()): void {
    if (this.held !== undefined) {
      // A clip being rendered on this page: its frame, read ahead as if playing; the room is not touched.
      this.cursor = this.held;
      this.tickWallMs = localNow;
      this.feed.show(this.cursor, true, 1);
      this.onTick?.(this.cursor);
      return;
    }
    const now = this.feed.clock.toRelay(localNow);
    const state = this.state();
    this.cursor = clampedCursor(state, now, this.range);
    this.tickWallMs = localNow;
    const atEnd = state?.playing === true && now >= endWallMs(state, this.range);
    const playing = state?.playing === true && !atEnd;
    if (atEnd && state && this.client.canEdit) {
      const mine = state.by === this.client.getSnapshot().me.id;
      if (mine || now - endWallMs(state, this.range) > 1000)
        this.change({ playing: false, seekTo: this.range.endNs });
    }
    this.feed.show(this.cursor, playing, state?.rate ?? 1);
    const view: ReviewView = { playing, rate: state?.rate ?? PlaybackRate.default, atEnd };
    if (
      view.playing !== this.view.playing ||
      view.rate !== this.view.rate ||
      view.atEnd !== this.view.atEnd
    ) {
      this.view = view;
      for (const listener of this.listeners) listener();
    }
    this.onTick?.(this.cursor);
  }

  /**
   * Show `cursorNs` on this page only, whatever the room plays (a clip renders frame by frame); undefined
   * goes back to the room's cursor. Nothing is written to the room.
   */
  hold(cursorNs: number | undefined): void {
    this.held =
      cursorNs === undefined ? undefined : Math.min(this.range.endNs, Math.max(this.range.startNs, cursorNs));
  }

  get cursorNs(): number {
    return this.cursor;
  }

  /** The cursor of the last animation frame and the wall time (ms, this page's clock) it was computed for. */
  lastTick(): { cursorNs: number; wallMs: number } {
    return { cursorNs: this.cursor, wallMs: this.tickWallMs };
  }

  /** The recording time a note made now is stamped with. */
  noteTime = (): TimelineTime => ({ timeline: "log_time", value: this.cursor });

  readonly subscribe = (listener: () => void): (() => void) => {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  };

  readonly getView = (): ReviewView => this.view;

  private change(change: { playing?: boolean; seekTo?: number; rate?: number }): void {
    const seekTo =
      change.seekTo === undefined
        ? undefined
        : Math.min(this.range.endNs, Math.max(this.range.startNs, change.seekTo));
    this.client.changePlayback(
      { ...change, ...(seekTo !== undefined ? { seekTo } : {}) },
      { source: { kind: "recording", recordingId: this.recordingId }, anchorMediaTime: this.cursor },
      this.feed.clock.now(),
    );
    this.tick();
  }

  togglePlay(): void {
    if (this.view.playing) this.change({ playing: false });
    // Play at the end starts again from the beginning.
    else
      this.change({
        playing: true,
        ...(this.cursor >= this.range.endNs ? { seekTo: this.range.startNs } : {}),
      });
  }

  play(): void {
    if (!this.view.playing) this.togglePlay();
  }

  pause(): void {
    this.change({ playing: false });
  }

  seek(ns: number): void {
    this.change({ seekTo: ns });
  }

  /** Seek and pause there, in one write (Go to on a note). */
  seekAndPause(ns: number): void {
    this.change({ playing: false, seekTo: ns });
  }

  setRate(rate: number): void {
    this.change({ rate: Math.min(PlaybackRate.max, Math.max(PlaybackRate.min, rate)) });
  }

  /** Pause on the next (1) or previous (-1) depth frame. */
  /** Step one frame; if the relay cannot say where the next frame is, nothing moves (the feed shows why). */
  async step(direction: 1 | -1): Promise<void> {
    const from = this.cursor;
    let to: number | undefined;
    try {
      to = await this.feed.stepTime(from, direction);
    } catch {
      return;
    }
    this.change({ playing: false, seekTo: to ?? (direction > 0 ? this.range.endNs : this.range.startNs) });
  }

  dispose(): void {
    this.listeners.clear();
    this.onTick = undefined;
  }
}
