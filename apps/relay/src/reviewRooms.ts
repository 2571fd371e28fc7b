import { ErrorCode, isRecordingId, REVIEW_ROOM_PREFIX, reviewRoomName } from "@depthroom/schema";
import type { Admission } from "./access.ts";
import { admitRecording, verifyToken } from "./recordingAccess.ts";
import type { RecordingRecord } from "./recordingStore.ts";
import type { TokenSigner } from "./tokens.ts";

/*
 * A recording's review room: the document `rec-<id>` that reviewers share (cursor, notes). The doc
 * server admits connections synchronously, the store answers asynchronously: `prepare` looks the
 * recording up before the upgrade, `admit` then answers from what it found.
 */

const MAX_PREPARED = 1000;

export class ReviewRooms {
  /** Records of review rooms about to be opened. */
  readonly #prepared = new Map<string, RecordingRecord>();

  constructor(
    private readonly signer: TokenSigner,
    private readonly lookup: (id: string) => Promise<RecordingRecord | undefined>,
  ) {}

  /** Before the upgrade of `/yjs/rec-<id>`: look the recording up. Other rooms are ignored. */
  async prepare(room: string): Promise<void> {
    const id = room.startsWith(REVIEW_ROOM_PREFIX) ? room.slice(REVIEW_ROOM_PREFIX.length) : undefined;
    if (!isRecordingId(id)) return;
    const record = await this.lookup(id).catch(() => undefined);
    if (this.#prepared.size > MAX_PREPARED) this.#prepared.clear();
    if (record) this.#prepared.set(id, record);
    else this.#prepared.delete(id);
  }

  /**
   * Admit a connection to a review room: a token of the recording's session or the recording's own
   * token (view: read-only; edit: read and write). Undefined for other names (sessions).
   */
  admit(room: string, token: string | null): Admission | undefined {
    if (!room.startsWith(REVIEW_ROOM_PREFIX)) return undefined;
    const verified = verifyToken(this.signer, token);
    if (!verified.ok) return verified;
    const id = room.slice(REVIEW_ROOM_PREFIX.length);
    const record = isRecordingId(id) ? this.#prepared.get(id) : undefined;
    if (!record) return { ok: false, code: ErrorCode.RecordingNotFound, message: "no such recording" };
    const admission = admitRecording(verified.claims, record, "read");
    if (!admission.ok) return admission;
    return {
      ok: true,
      role: admission.role,
      record: { id: reviewRoomName(record.id), title: record.title, createdAt: record.startedAt },
      exp: verified.claims.exp,
    };
  }

  /** The recording was deleted. */
  forget(id: string): void {
    this.#prepared.delete(id);
  }
}
