"use client";

import {
  ErrorBodySchema,
  ErrorCode,
  type ImportRecordingResponse,
  ImportRecordingResponseSchema,
  isRecordingId,
  makeSessionLink,
  type RecordingDescription,
  type RecordingState,
  type Role,
  type SessionLink,
} from "@depthroom/schema";
import {
  describeRecording,
  listRecordings,
  type RecordingAccess,
  recordingAccess,
  SdkError,
  startRecording,
  stopRecording,
} from "@depthroom/sdk";
import { useCallback, useEffect, useMemo, useState } from "react";
import "../playback/playback.css";

/*
 * Recordings of a live session: the red dot (the session doc's `recording` state, which the relay alone
 * writes), Record / Stop (edit), the session's recordings with their review links, and the upload of an
 * .mcap file (with progress) that becomes a new recording.
 */

type Upload =
  | { readonly kind: "sending"; readonly name: string; readonly sent: number; readonly total: number }
  | { readonly kind: "importing"; readonly name: string }
  | {
      readonly kind: "done";
      readonly name: string;
      readonly answer: ImportRecordingResponse;
      readonly link?: string;
    }
  | { readonly kind: "failed"; readonly name: string; readonly message: string };

const fmtBytes = (n: number) =>
  n >= 1e9
    ? `${(n / 1e9).toFixed(2)} GB`
    : n >= 1e6
      ? `${(n / 1e6).toFixed(1)} MB`
      : `${(n / 1e3).toFixed(0)} kB`;

const fmtDuration = (r: RecordingDescription) => {
  if (r.startTimeNs === null || r.endTimeNs === null) return "";
  const s = (Number(BigInt(r.endTimeNs) - BigInt(r.startTimeNs)) / 1e9).toFixed(1);
  return `${s} s`;
};

/**
 * How long the page waits for another relay node to take over a recording whose writer died (the relay
 * does it within ~5 s) before offering Stop again.
 */
const HANDOVER_WAIT_MS = 15_000;
const HANDOVER_POLL_MS = 1_000;

/** The review link for this person's role (edit when allowed, else view). */
async function reviewLinkOf(access: RecordingAccess, id: string): Promise<string | undefined> {
  const described = await describeRecording(access, id);
  return described.links?.edit ?? described.links?.view;
}

/**
 * POST the file to the relay's import route with XMLHttpRequest, whose upload events give progress
 * (fetch has none for request bodies). The answer is checked before it is used.
 */
function uploadMcap(
  access: RecordingAccess,
  file: File,
  onProgress: (sent: number, total: number) => void,
  onSent: () => void,
): Promise<ImportRecordingResponse> {
  return new Promise((resolve, reject) => {
    const xhr = new XMLHttpRequest();
    const title = encodeURIComponent(file.name.replace(/\.mcap$/i, ""));
    xhr.open("POST", `${access.relayUrl}/api/sessions/${access.session}/recordings/import?title=${title}`);
    xhr.setRequestHeader("Authorization", `Bearer ${access.token}`);
    xhr.setRequestHeader("Content-Type", "application/octet-stream");
    xhr.upload.onprogress = (e) => onProgress(e.loaded, e.lengthComputable ? e.total : file.size);
    xhr.upload.onload = () => onSent();
    xhr.onerror = () => reject(new Error(`the relay is unreachable (${access.relayUrl})`));
    xhr.onload = () => {
      let body: unknown;
      try {
        body = JSON.parse(xhr.responseText);
      } catch {
        reject(new Error(`the relay answered ${xhr.status} without JSON`));
        return;
      }
      const refusal = ErrorBodySchema.safeParse(body);
      if (xhr.status >= 400 || refusal.success) {
        reject(new Error(refusal.success ? refusal.data.error.message : `the relay answered ${xhr.status}`));
        return;
      }
      const answer = ImportRecordingResponseSchema.safeParse(body);
      if (!answer.success || !isRecordingId(answer.data.recordingId)) {
        reject(new Error("the relay's answer names no recording"));
        return;
      }
      resolve(answer.data);
    };
    xhr.send(file);
  });
}

/** The red dot: shown to everyone in the session while it is being recorded. */
export function RecordingDot({ recording }: { recording: RecordingState | null }) {
  if (recording?.active !== true) return null;
  return (
    <span
      className="rec-dot"
      data-testid="recording-dot"
      title={`Recording${recording.by ? ` (started by ${recording.by})` : ""}`}
    >
      ● REC
    </span>
  );
}

/** Record / Stop (edit), the session's recordings and the .mcap upload; sits in the status bar. */
export function RecordingsControl({
  link,
  role,
  recording,
  userName,
}: {
  link: SessionLink;
  role: Role;
  /** The session's recording state from its doc (null until the relay wrote one). */
  recording: RecordingState | null;
  userName: string;
}) {
  const access = useMemo(() => recordingAccess(makeSessionLink(link)), [link]);
  const canEdit = role === "edit";
  const [open, setOpen] = useState(false);
  const [list, setList] = useState<readonly RecordingDescription[]>([]);
  const [links, setLinks] = useState<Record<string, string>>({});
  const [error, setError] = useState<string | undefined>();
  const [busy, setBusy] = useState(false);
  const [upload, setUpload] = useState<Upload | undefined>();
  /**
   * A Stop the relay refused with recording-active: the recording's writer node is gone and another node
   * takes it over. Until then no Stop is offered (it cannot work), only that state.
   */
  const [handover, setHandover] = useState<{ id: string; since: number } | undefined>();
  const active = recording?.active === true;

  const refresh = useCallback(async () => {
    try {
      const recordings = [...(await listRecordings(access))].sort((a, b) => b.startedAt - a.startedAt);
      setList(recordings);
      setError(undefined);
      const described = await Promise.all(
        recordings
          .filter((r) => r.status === "stopped")
          .slice(0, 20)
          .map(async (r) => [r.id, await reviewLinkOf(access, r.id).catch(() => undefined)] as const),
      );
      setLinks(
        Object.fromEntries(described.filter((d): d is readonly [string, string] => d[1] !== undefined)),
      );
    } catch (e) {
      setError(e instanceof Error ? e.message : String(e));
    }
  }, [access]);

  // The list follows the red dot (a recording started or stopped by anyone) while open.
  const recordingKey = `${recording?.active}:${recording?.recordingId}`;
  useEffect(() => {
    if (open && recordingKey) void refresh();
  }, [open, refresh, recordingKey]);

  // While handed over: ask the relay until the recording is no longer being written (taken over and
  // stopped), the doc's red dot moves on, or the wait is over (then Stop is offered again).
  const handoverId = handover?.id;
  useEffect(() => {
    if (!handoverId) return;
    if (!active || recording?.recordingId !== handoverId) {
      setHandover(undefined);
      return;
    }
    let stopped = false;
    const timer = setInterval(async () => {
      const described = await describeRecording(access, handoverId).catch(() => undefined);
      if (stopped) return;
      if (described && described.status !== "recording") {
        setHandover(undefined);
        setError(undefined);
        if (open) void refresh();
      } else setHandover((h) => (h && Date.now() - h.since > HANDOVER_WAIT_MS ? undefined : h));
    }, HANDOVER_POLL_MS);
    return () => {
      stopped = true;
      clearInterval(timer);
    };
  }, [handoverId, active, recording?.recordingId, access, open, refresh]);

  const toggleRecording = async () => {
    setBusy(true);
    try {
      if (active && recording?.recordingId)
        await stopRecording(access, recording.recordingId, { by: userName });
      else await startRecording(access, { by: userName });
      setError(undefined);
      if (open) await refresh();
    } catch (e) {
      if (e instanceof SdkError && e.code === ErrorCode.RecordingActive && active && recording?.recordingId) {
        setHandover({ id: recording.recordingId, since: Date.now() });
        setError(undefined);
      } else setError(e instanceof Error ? e.message : String(e));
    } finally {
      setBusy(false);
    }
  };

  const onFile = async (file: File) => {
    setUpload({ kind: "sending", name: file.name, sent: 0, total: file.size });
    try {
      const answer = await uploadMcap(
        access,
        file,
        (sent, total) => setUpload({ kind: "sending", name: file.name, sent, total }),
        () => setUpload({ kind: "importing", name: file.name }),
      );
      const reviewLink = await reviewLinkOf(access, answer.recordingId).catch(() => undefined);
      setUpload({ kind: "done", name: file.name, answer, ...(reviewLink ? { link: reviewLink } : {}) });
      await refresh();
    } catch (e) {
      setUpload({ kind: "failed", name: file.name, message: e instanceof Error ? e.message : String(e) });
    }
  };

  return (
    <>
      {canEdit && handover ? (
        <span
          className="rec-dot small"
          data-testid="recording-handover"
          title="The relay node writing this recording is gone; another node takes it over within seconds"
        >
          Writer node gone: handing over…
        </span>
      ) : canEdit ? (
        <button
          type="button"
          className={`small${active ? " rec-stop" : ""}`}
          data-testid="record-button"
          disabled={busy}
          onClick={() => void toggleRecording()}
          title={active ? "Stop recording" : "Record this session for everyone"}
        >
          {active ? "■ Stop" : "● Record"}
        </button>
      ) : null}
      <button
        type="button"
        className="small"
        data-testid="recordings-button"
        onClick={() => setOpen((o) => !o)}
      >
        Recordings
      </button>
      {open ? (
        <div className="popover recordings" data-testid="recordings-panel">
          <div className="popover-head">
            <strong>Recordings of this session</strong>
            <span className="spacer" />
            <button type="button" className="ghost small" onClick={() => setOpen(false)} aria-label="Close">
              ✕
            </button>
          </div>
          {error ? (
            <p className="problem" data-testid="recordings-error">
              {error}
            </p>
          ) : null}
          {list.length === 0 ? <p className="muted small">None yet.</p> : null}
          <ul className="recordings-list">
            {list.map((r) => (
              <li key={r.id} data-testid="recording-item" data-id={r.id} data-status={r.status}>
                <span className="recordings-title">{r.title || r.id.slice(0, 8)}</span>
                <span className="muted small">
                  {new Date(r.startedAt).toLocaleString()} · {fmtDuration(r)} · {r.frames} messages ·{" "}
                  {fmtBytes(r.bytes)}
                  {r.origin === "import" ? " · imported" : ""}
                </span>
                {r.status === "recording" ? (
                  <span className="rec-dot small">recording…</span>
                ) : links[r.id] ? (
                  <a href={links[r.id]} data-testid="open-review" target="_blank" rel="noreferrer">
                    Open review
                  </a>
                ) : null}
              </li>
            ))}
          </ul>
          {canEdit ? (
            <div className="recordings-import">
              <label className="button-like small">
                Import .mcap…
                <input
                  type="file"
                  accept=".mcap"
                  data-testid="import-file"
                  hidden
                  onChange={(e) => {
                    const file = e.target.files?.[0];
                    e.target.value = "";
                    if (file) void onFile(file);
                  }}
                />
              </label>
              {upload ? <UploadStatus upload={upload} /> : null}
            </div>
          ) : null}
        </div>
      ) : null}
    </>
  );
}

function UploadStatus({ upload }: { upload: Upload }) {
  switch (upload.kind) {
    case "sending":
      return (
        <div className="upload" data-testid="upload" data-state="sending">
          <span className="small">
            {upload.name}: {fmtBytes(upload.sent)} / {fmtBytes(upload.total)}
          </span>
          <progress max={upload.total || 1} value={upload.sent} data-testid="upload-progress" />
        </div>
      );
    case "importing":
      return (
        <div className="upload" data-testid="upload" data-state="importing">
          <span className="small">{upload.name}: sent; the relay is importing it…</span>
          <progress />
        </div>
      );
    case "done":
      return (
        <div className="upload" data-testid="upload" data-state="done">
          <span className="small">
            {upload.name}: {upload.answer.messages} messages imported
            {upload.answer.skipped.length > 0
              ? `; skipped ${upload.answer.skipped.map((s) => `${s.topic} (${s.reason})`).join(", ")}`
              : ""}
            {upload.answer.problems.length > 0
              ? `; ${upload.answer.problems.map((p) => p.message).join("; ")}`
              : ""}
          </span>
          {upload.link ? (
            <a href={upload.link} data-testid="imported-review" target="_blank" rel="noreferrer">
              Open its review
            </a>
          ) : null}
        </div>
      );
    case "failed":
      return (
        <div className="upload problem" data-testid="upload" data-state="failed">
          {upload.name}: {upload.message}
        </div>
      );
    default: {
      const unhandled: never = upload;
      throw new TypeError(`unhandled upload state ${(unhandled as { kind: string }).kind}`);
    }
  }
}
