import { DecodeError } from "./errors.ts";

/*
 * The relay's recordings API: HTTP bodies shared by the relay, the SDK/CLI and the web app, and the
 * framing of the message batches that the latest-at and range endpoints answer with. The routes and
 * who may call them are described in apps/relay/README.md ("Recordings").
 */

export type RecordingStatus = "recording" | "stopped";
/** `live`: recorded from a session; `import`: made from an uploaded MCAP file. */
export type RecordingOrigin = "live" | "import";

/** `GET /api/recordings/:id` (and the items of `GET /api/recordings`). */
export interface RecordingDescription {
  readonly id: string;
  readonly sessionId: string;
  readonly title: string;
  readonly status: RecordingStatus;
  readonly origin: RecordingOrigin;
  /** Wall clock, ms since the epoch. */
  readonly startedAt: number;
  readonly stoppedAt: number | null;
  /** Log-time (capture time) range of the temporal messages, ns since the epoch as decimal strings. */
  readonly startTimeNs: string | null;
  readonly endTimeNs: string | null;
  /** Entity paths, sorted. */
  readonly entities: readonly string[];
  /** Wire messages stored. */
  readonly frames: number;
  /** Size of the `.mcap` file in bytes. */
  readonly bytes: number;
  /** Messages the relay could not record (the disk was too slow); 0 normally. */
  readonly dropped: number;
  /** The relay died while recording and re-indexed the file on restart (the last ~1 s is lost). */
  readonly recovered: boolean;
  /** What was lost or skipped (recovery, import), in words. */
  readonly problems: readonly string[];
  /**
   * Review-room links for the caller's role and below (a view token gets `view` only), in the form
   * `<web>/r/<recording>?relay=<relay>#token=<recording token>`. Only in `GET /api/recordings/:id`.
   */
  readonly links?: { readonly view: string; readonly edit?: string };
}

/** `GET /api/recordings` */
export interface RecordingList {
  readonly recordings: readonly RecordingDescription[];
}

/** `POST /api/sessions/:id/recordings` body (optional). */
export interface StartRecordingRequest {
  readonly title?: string;
  /** Who pressed record (shown with the red dot). */
  readonly by?: string;
}

/** `POST /api/recordings/:id/stop` body (optional). */
export interface StopRecordingRequest {
  readonly by?: string;
}

/** A channel of an imported file that was not imported. */
export interface ImportSkippedChannel {
  readonly topic: string;
  readonly schema: string;
  readonly reason: string;
}

/** A problem met while importing (code as in @depthroom/recording's `ImportProblemCode`). */
export interface ImportProblemReport {
  readonly code: string;
  readonly topic?: string;
  readonly message: string;
  readonly count: number;
}

/** `POST /api/sessions/:id/recordings/import` (body: the MCAP file) answers 201 with this. */
export interface ImportRecordingResponse {
  readonly recordingId: string;
  readonly recording: RecordingDescription;
  /** Messages imported. */
  readonly messages: number;
  readonly skipped: readonly ImportSkippedChannel[];
  readonly problems: readonly ImportProblemReport[];
}

/** Content type of a batch of wire messages (latest-at and range answers). */
export const MESSAGE_BATCH_CONTENT_TYPE = "application/vnd.depthroom.messages";

/** Prefix of a review room's document name: `/yjs/rec-<recordingId>`. */
export const REVIEW_ROOM_PREFIX = "rec-";

export function reviewRoomName(recordingId: string): string {
  return `${REVIEW_ROOM_PREFIX}${recordingId}`;
}

/**
 * A batch of wire messages: each one as `u32 little-endian byte length` then its bytes, back to back.
 * (No count up front, so a server can stream it.)
 */
export function encodeMessageBatch(messages: readonly Uint8Array[]): Uint8Array {
  let size = 0;
  for (const m of messages) size += 4 + m.byteLength;
  const out = new Uint8Array(size);
  const view = new DataView(out.buffer);
  let at = 0;
  for (const m of messages) {
    view.setUint32(at, m.byteLength, true);
    out.set(m, at + 4);
    at += 4 + m.byteLength;
  }
  return out;
}

/** The messages of a batch (views into `bytes`). Throws `DecodeError` on a torn or bad frame. */
export function decodeMessageBatch(bytes: Uint8Array): Uint8Array[] {
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const out: Uint8Array[] = [];
  let at = 0;
  while (at < bytes.byteLength) {
    if (at + 4 > bytes.byteLength) {
      throw new DecodeError("truncated", "batch.length", `${bytes.byteLength - at} bytes left at ${at}`);
    }
    const length = view.getUint32(at, true);
    if (at + 4 + length > bytes.byteLength) {
      throw new DecodeError(
        "truncated",
        "batch.message",
        `message of ${length} bytes at ${at} runs past the end (${bytes.byteLength} bytes)`,
      );
    }
    out.push(bytes.subarray(at + 4, at + 4 + length));
    at += 4 + length;
  }
  return out;
}
