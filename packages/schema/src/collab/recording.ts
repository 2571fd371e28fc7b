/**
 * `recording` (Y.Map, one key `state`): whether the session is being recorded (the red dot everyone
 * sees), and which recording. The RELAY is its only writer: people start and stop recordings through
 * its HTTP API (`POST /api/sessions/:id/recordings`, `POST /api/recordings/:id/stop`, edit token),
 * and the relay mirrors its own state here. Peers are untrusted: the relay puts its state back
 * whenever a peer changes this map, so a client may see a forged value for a moment at most; the HTTP
 * API (`GET /api/recordings`) is the authority.
 */

import type * as Y from "yjs";
import { z } from "zod";
import type { CollabOrigin } from "./layout.ts";
import { CollabLimits, EpochMsSchema, IdSchema } from "./primitives.ts";
import { readState, writeState } from "./records.ts";

export const RECORDING_STATE_VERSION = 1;

export const RecordingStateSchema = z
  .object({
    /** A recording is being written now. */
    active: z.boolean(),
    /** The recording being written (active), or the last one written (inactive); null if none yet. */
    recordingId: IdSchema.nullable(),
    /** When that recording started / stopped, milliseconds since the Unix epoch. */
    startedAt: EpochMsSchema.nullable(),
    stoppedAt: EpochMsSchema.nullable(),
    /** Who started (active) or stopped it, as they named themselves to the relay; "" if unnamed. */
    by: z.string().max(CollabLimits.nameLength),
  })
  .refine((s) => !s.active || (s.recordingId !== null && s.startedAt !== null && s.stoppedAt === null), {
    message: "an active recording has a recordingId and startedAt, and no stoppedAt",
  });
export type RecordingState = z.infer<typeof RecordingStateSchema>;

const RECORD = { name: "recording", version: RECORDING_STATE_VERSION, schema: RecordingStateSchema } as const;

/** What the map holds before anything was recorded. */
export const RECORDING_STATE_IDLE: Readonly<RecordingState> = {
  active: false,
  recordingId: null,
  startedAt: null,
  stoppedAt: null,
  by: "",
};

/** The session's recording state, or null if none was set or a peer wrote an invalid one. */
export function getRecordingState(doc: Y.Doc): RecordingState | null {
  return readState(doc, RECORD);
}

/** Replaces the recording state (the relay's job). Throws `CollabValidationError` on bad input. */
export function setRecordingState(doc: Y.Doc, state: RecordingState, origin?: CollabOrigin): void {
  writeState(doc, RECORD, state, origin);
}

/** Whether two states say the same (for writers that only write changes). */
export function sameRecordingState(a: RecordingState | null, b: RecordingState | null): boolean {
  if (a === null || b === null) return a === b;
  return (
    a.active === b.active &&
    a.recordingId === b.recordingId &&
    a.startedAt === b.startedAt &&
    a.stoppedAt === b.stoppedAt &&
    a.by === b.by
  );
}
