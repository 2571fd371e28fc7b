import { z } from "zod";
import { MeasurementSchema } from "./collab/measurement.ts";
import { CollabLimits } from "./collab/primitives.ts";
import { DecodeError } from "./errors.ts";
import { TitleSchema } from "./protocol.ts";

/*
 * The relay's recordings API: HTTP bodies shared by the relay, the SDK/CLI and the web app, and the
 * framing of the message batches that the latest-at and range endpoints answer with. The routes and
 * who may call them are described in apps/relay/README.md ("Recordings").
 */

export const RecordingStatusSchema = z.enum(["recording", "stopped"]);
export type RecordingStatus = z.infer<typeof RecordingStatusSchema>;
/** `live`: recorded from a session; `import`: made from an uploaded MCAP file. */
export const RecordingOriginSchema = z.enum(["live", "import"]);
export type RecordingOrigin = z.infer<typeof RecordingOriginSchema>;

/** A time in ns since the epoch, as a decimal string (JSON numbers cannot hold it). */
const NsStringSchema = z.string().regex(/^\d{1,20}$/, "not a time in ns");

/** `GET /api/recordings/:id` (and the items of `GET /api/recordings`). */
export const RecordingDescriptionSchema = z.object({
  id: z.string().min(1).max(64),
  sessionId: z.string(),
  title: z.string(),
  status: RecordingStatusSchema,
  origin: RecordingOriginSchema,
  /** Wall clock, ms since the epoch. */
  startedAt: z.number(),
  stoppedAt: z.number().nullable(),
  /** Log-time (capture time) range of the temporal messages, ns since the epoch as decimal strings. */
  startTimeNs: NsStringSchema.nullable(),
  endTimeNs: NsStringSchema.nullable(),
  /** Entity paths, sorted. */
  entities: z.array(z.string()).readonly(),
  /** Wire messages stored. */
  frames: z.number().int().nonnegative(),
  /** Size of the `.mcap` file in bytes. */
  bytes: z.number().nonnegative(),
  /** Messages the relay could not record (the disk was too slow); 0 normally. */
  dropped: z.number().int().nonnegative(),
  /** The relay died while recording and re-indexed the file on restart (the last ~1 s is lost). */
  recovered: z.boolean(),
  /** What was lost or skipped (recovery, import), in words. */
  problems: z.array(z.string()).readonly(),
  /**
   * Review-room links for the caller's role and below (a view token gets `view` only), in the form
   * `<web>/r/<recording>?relay=<relay>#token=<recording token>`. Only in `GET /api/recordings/:id`.
   */
  links: z.object({ view: z.string(), edit: z.string().optional() }).optional(),
});
export type RecordingDescription = z.output<typeof RecordingDescriptionSchema>;

/** `GET /api/recordings` */
export const RecordingListSchema = z.object({ recordings: z.array(RecordingDescriptionSchema).readonly() });
export type RecordingList = z.output<typeof RecordingListSchema>;

/** Who pressed record or stop (a user name, as in awareness), trimmed. */
const ByNameSchema = z
  .string()
  .max(CollabLimits.nameLength, `by must be a string of at most ${CollabLimits.nameLength} characters`)
  .trim();

/** `POST /api/sessions/:id/recordings` body (optional). */
export const StartRecordingRequestSchema = z.object({
  title: TitleSchema.optional(),
  /** Who pressed record (shown with the red dot). */
  by: ByNameSchema.optional(),
});
export type StartRecordingRequest = z.input<typeof StartRecordingRequestSchema>;

/** `POST /api/recordings/:id/stop` body (optional). */
export const StopRecordingRequestSchema = z.object({ by: ByNameSchema.optional() });
export type StopRecordingRequest = z.input<typeof StopRecordingRequestSchema>;

/** A channel of an imported file that was not imported. */
export const ImportSkippedChannelSchema = z.object({
  topic: z.string(),
  schema: z.string(),
  reason: z.string(),
});
export type ImportSkippedChannel = z.output<typeof ImportSkippedChannelSchema>;

/** A problem met while importing (code as in @depthroom/recording's `ImportProblemCode`). */
export const ImportProblemReportSchema = z.object({
  code: z.string(),
  topic: z.string().optional(),
  message: z.string(),
  count: z.number(),
});
export type ImportProblemReport = z.output<typeof ImportProblemReportSchema>;

/** `POST /api/sessions/:id/recordings/import` (body: the MCAP file) answers 201 with this. */
export const ImportRecordingResponseSchema = z.object({
  recordingId: z.string(),
  recording: RecordingDescriptionSchema,
  /** Messages imported. */
  messages: z.number(),
  skipped: z.array(ImportSkippedChannelSchema).readonly(),
  problems: z.array(ImportProblemReportSchema).readonly(),
});
export type ImportRecordingResponse = z.output<typeof ImportRecordingResponseSchema>;

/**
 * `GET /api/recordings/:id/measurements` (view or edit) answers 200 with this: the complete measurements
 * of the recording's review room (issue 20), oldest first, for the Foxglove export.
 */
export const RecordingMeasurementsSchema = z.object({ measurements: z.array(MeasurementSchema).readonly() });
export type RecordingMeasurements = z.output<typeof RecordingMeasurementsSchema>;

/** Content type of a batch of wire messages (latest-at and range answers). */
export const MESSAGE_BATCH_CONTENT_TYPE = "application/vnd.depthroom.messages";

/** Prefix of a review room's document name: `/yjs/rec-<recordingId>`. */
export const REVIEW_ROOM_PREFIX = "rec-";

export function reviewRoomName(recordingId: string): string {
  return `${REVIEW_ROOM_PREFIX}${recordingId}`;
}

/**
 * Version of the message batch framing. 1 (unversioned, no header) carried the bytes only; 2 adds each
 * message's log time, so a reader never has to guess the time of a message without a timestamp timeline.
 */
export const MESSAGE_BATCH_VERSION = 2;
/** The first 4 bytes of a versioned batch: "DRMB". */
const BATCH_MAGIC = 0x424d5244;
const BATCH_HEADER_BYTES = 8;
const ENTRY_HEADER_BYTES = 12;

/** A message of a batch: its log time in the recording (ns; MCAP log time) and its wire bytes. */
export interface BatchMessage {
  /** The message's log time: its first `timestamp` timeline, else when the relay received it. */
  readonly logTimeNs: bigint;
  readonly bytes: Uint8Array;
}

/**
 * A batch of wire messages: a header (`"DRMB"`, `u32 little-endian version` = 2), then each message as
 * `u32 LE byte length`, `u64 LE log time (ns)`, then its bytes, back to back. (No count up front, so a
 * server can stream it.)
 */
export function encodeMessageBatch(messages: readonly BatchMessage[]): Uint8Array {
  let size = BATCH_HEADER_BYTES;
  for (const m of messages) size += ENTRY_HEADER_BYTES + m.bytes.byteLength;
  const out = new Uint8Array(size);
  const view = new DataView(out.buffer);
  view.setUint32(0, BATCH_MAGIC, true);
  view.setUint32(4, MESSAGE_BATCH_VERSION, true);
  let at = BATCH_HEADER_BYTES;
  for (const m of messages) {
    view.setUint32(at, m.bytes.byteLength, true);
    view.setBigUint64(at + 4, m.logTimeNs, true);
    out.set(m.bytes, at + ENTRY_HEADER_BYTES);
    at += ENTRY_HEADER_BYTES + m.bytes.byteLength;
  }
  return out;
}

/**
 * The messages of a batch (their bytes are views into `bytes`). Throws `DecodeError`: `bad-magic` (not a
 * versioned batch, e.g. an old relay's), `unsupported-version`, `truncated` (a torn entry).
 */
export function decodeMessageBatch(bytes: Uint8Array): BatchMessage[] {
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  if (bytes.byteLength < BATCH_HEADER_BYTES) {
    throw new DecodeError("truncated", "batch.header", `${bytes.byteLength} bytes, a batch starts with 8`);
  }
  if (view.getUint32(0, true) !== BATCH_MAGIC) {
    throw new DecodeError(
      "bad-magic",
      "batch.header",
      "not a versioned message batch (a relay that is too old?)",
    );
  }
  const version = view.getUint32(4, true);
  if (version !== MESSAGE_BATCH_VERSION) {
    throw new DecodeError(
      "unsupported-version",
      "batch.version",
      `version ${version}, this reader reads ${MESSAGE_BATCH_VERSION}`,
    );
  }
  const out: BatchMessage[] = [];
  let at = BATCH_HEADER_BYTES;
  while (at < bytes.byteLength) {
    if (at + ENTRY_HEADER_BYTES > bytes.byteLength) {
      throw new DecodeError("truncated", "batch.entry", `${bytes.byteLength - at} bytes left at ${at}`);
    }
    const length = view.getUint32(at, true);
    const logTimeNs = view.getBigUint64(at + 4, true);
    const begin = at + ENTRY_HEADER_BYTES;
    if (begin + length > bytes.byteLength) {
      throw new DecodeError(
        "truncated",
        "batch.message",
        `message of ${length} bytes at ${at} runs past the end (${bytes.byteLength} bytes)`,
      );
    }
    out.push({ logTimeNs, bytes: bytes.subarray(begin, begin + length) });
    at = begin + length;
  }
  return out;
}
