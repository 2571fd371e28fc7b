/**
 * `playback` (Y.Map, one key `state` holding the whole state): what everyone is watching and where.
 * Written by one client at a time (whoever last pressed play, pause, seek or changed the rate); peers
 * compute the cursor themselves from the anchor, so nothing is written while playing.
 *
 * Times: `anchorMediaTime` is in NANOSECONDS on the source's timeline, as a float64 number;
 * `anchorWallTime` is in MILLISECONDS since the Unix epoch on the relay's clock: writers and readers
 * alike pass their estimate of the relay's time as `nowWallMs` (the web app's `RelayClock`), so people
 * whose system clocks differ stay in step.
 */

import type * as Y from "yjs";
import { z } from "zod";
import type { CollabOrigin } from "./layout.ts";
import { EpochMsSchema, IdSchema } from "./primitives.ts";
import { readState, writeState } from "./records.ts";

export const PLAYBACK_VERSION = 1;

export const PlaybackRate = { min: 0.25, max: 4, default: 1 } as const;

export const NS_PER_MS = 1_000_000;

export const PlaybackSourceSchema = z.discriminatedUnion("kind", [
  z.object({ kind: z.literal("live") }),
  z.object({ kind: z.literal("recording"), recordingId: IdSchema }),
]);
export type PlaybackSource = z.infer<typeof PlaybackSourceSchema>;

export const PlaybackStateSchema = z.object({
  source: PlaybackSourceSchema,
  playing: z.boolean(),
  /** Media time at the anchor, in nanoseconds. */
  anchorMediaTime: z.number(),
  /** Wall-clock time of the anchor, in milliseconds since the Unix epoch. */
  anchorWallTime: EpochMsSchema,
  rate: z.number().min(PlaybackRate.min).max(PlaybackRate.max),
  /** The client or user id that wrote this state. */
  by: IdSchema,
});
export type PlaybackState = z.infer<typeof PlaybackStateSchema>;

const RECORD = { name: "playback", version: PLAYBACK_VERSION, schema: PlaybackStateSchema } as const;

/**
 * The media time (ns) at wall time `nowWallMs` (ms): the anchor while paused, else the anchor advanced
 * by the elapsed wall time times the rate. Nothing is clamped: the caller clamps to the recording's range.
 */
export function playbackCursor(
  state: Pick<PlaybackState, "playing" | "anchorMediaTime" | "anchorWallTime" | "rate">,
  nowWallMs: number,
): number {
  if (!state.playing) return state.anchorMediaTime;
  return state.anchorMediaTime + (nowWallMs - state.anchorWallTime) * NS_PER_MS * state.rate;
}

/** A change made by a user: play or pause, seek (ns), change the rate. */
export interface PlaybackChange {
  playing?: boolean;
  seekTo?: number;
  rate?: number;
  by: string;
}

/**
 * The state after `change` at `nowWallMs`, re-anchored at the current cursor (or at `seekTo`), so that
 * pausing or changing the rate never makes the cursor jump. Pure; validate by writing with `setPlayback`.
 */
export function reanchorPlayback(
  state: PlaybackState,
  nowWallMs: number,
  change: PlaybackChange,
): PlaybackState {
  return {
    source: state.source,
    playing: change.playing ?? state.playing,
    anchorMediaTime: change.seekTo ?? playbackCursor(state, nowWallMs),
    anchorWallTime: nowWallMs,
    rate: change.rate ?? state.rate,
    by: change.by,
  };
}

/** The shared playback state, or null if none was set or a peer wrote an invalid one. */
export function getPlayback(doc: Y.Doc): PlaybackState | null {
  return readState(doc, RECORD);
}

/** Replaces the shared playback state. Throws `CollabValidationError` on bad input. */
export function setPlayback(doc: Y.Doc, state: PlaybackState, origin?: CollabOrigin): void {
  writeState(doc, RECORD, state, origin);
}
