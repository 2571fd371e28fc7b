"use client";

import type { Annotation } from "@depthroom/schema";
import { type ReactNode, useState } from "react";
import type { CollabClient, CollabSnapshot } from "./CollabClient.ts";
import { PanelHead } from "./PanelHead.tsx";
import type { NoteDraft } from "./pickPoint.ts";

type Filter = "open" | "resolved" | "all";

const fmt = (n: number) => (Math.abs(n) < 5e-4 ? 0 : n).toFixed(2);

/**
 * The shared notes: a filter (open / resolved / all, and by entity), each note with its thread,
 * reply, resolve, delete and "go to". A view link sees the same list without any control that writes.
 */
export function AnnotationsPanel({
  client,
  snapshot,
  canEdit,
  draft,
  onSaveDraft,
  onCancelDraft,
  onGoTo,
  onClose,
  children,
}: {
  client: CollabClient;
  snapshot: CollabSnapshot;
  canEdit: boolean;
  draft: NoteDraft | null;
  onSaveDraft: (text: string) => void;
  onCancelDraft: () => void;
  onGoTo: (annotation: Annotation) => void;
  onClose: () => void;
  /** Shown below the notes (the room's measurements). */
  children?: ReactNode;
}) {
  const [filter, setFilter] = useState<Filter>("open");
  const [entity, setEntity] = useState("");
  const [draftText, setDraftText] = useState("");
  const entities = [...new Set(snapshot.annotations.map((a) => a.entityPath))].sort();
  const shown = snapshot.annotations.filter(
    (a) =>
      (filter === "all" || (filter === "resolved") === a.resolved) && (!entity || a.entityPath === entity),
  );
  return (
    <aside className="collab-ui collab-panel" data-testid="annotations-panel">
      <PanelHead
        title="Notes"
        undo={
          canEdit
            ? {
                can: snapshot.canUndo,
                run: () => client.undoLast(),
                testId: "undo-annotation",
                what: "the notes",
              }
            : undefined
        }
        onClose={onClose}
        closeLabel="Close notes"
      />
      {draft && canEdit ? (
        <form
          className="collab-draft"
          data-testid="note-draft"
          onSubmit={(e) => {
            e.preventDefault();
            onSaveDraft(draftText.trim());
            setDraftText("");
          }}
        >
          <div className="muted small mono">
            {draft.kind === "box2d"
              ? `${draft.entity} box (${draft.u0}, ${draft.v0})–(${draft.u1}, ${draft.v1})`
              : `${draft.entity} (${draft.u}, ${draft.v})`}
            {draft.kind === "pin3d"
              ? ` → (${fmt(draft.world[0])}, ${fmt(draft.world[1])}, ${fmt(draft.world[2])})`
              : draft.kind === "point2d"
                ? " (2D mark)"
                : ""}
          </div>
          <textarea
            data-testid="note-text"
            value={draftText}
            maxLength={4000}
            placeholder="What is here?"
            onChange={(e) => setDraftText(e.target.value)}
            // biome-ignore lint/a11y/noAutofocus: the person just clicked to write this note
            autoFocus
          />
          <div className="collab-row">
            <button type="submit" className="primary small" data-testid="note-save">
              Pin
            </button>
            <button type="button" className="ghost small" onClick={onCancelDraft}>
              Cancel
            </button>
          </div>
        </form>
      ) : null}
      <div className="collab-row collab-filter">
        {(["open", "resolved", "all"] as const).map((f) => (
          <button
            key={f}
            type="button"
            className={`small ghost${filter === f ? " active" : ""}`}
            data-testid={`filter-${f}`}
            onClick={() => setFilter(f)}
          >
            {f}
          </button>
        ))}
        {entities.length > 1 ? (
          <select value={entity} onChange={(e) => setEntity(e.target.value)} aria-label="Entity">
            <option value="">every entity</option>
            {entities.map((e) => (
              <option key={e} value={e}>
                {e}
              </option>
            ))}
          </select>
        ) : null}
      </div>
      <ol className="collab-list">
        {shown.length === 0 ? (
          <li className="muted small">No {filter === "all" ? "" : filter} notes.</li>
        ) : null}
        {shown.map((a) => (
          <AnnotationItem key={a.id} annotation={a} client={client} canEdit={canEdit} onGoTo={onGoTo} />
        ))}
      </ol>
      {children}
    </aside>
  );
}

function AnnotationItem({
  annotation: a,
  client,
  canEdit,
  onGoTo,
}: {
  annotation: Annotation;
  client: CollabClient;
  canEdit: boolean;
  onGoTo: (annotation: Annotation) => void;
}) {
  const [reply, setReply] = useState("");
  return (
    <li
      className={`collab-note${a.resolved ? " resolved" : ""}`}
      data-testid="annotation-item"
      data-id={a.id}
      data-resolved={a.resolved ? "true" : "false"}
    >
      <div className="collab-row">
        <span className="collab-dot" style={{ background: a.author.color }} />
        <strong className="small">{a.author.name}</strong>
        <span className="muted small mono">{a.entityPath}</span>
        <span className="spacer" />
        {a.resolved ? <span className="small muted">resolved</span> : null}
      </div>
      <p className="collab-text" data-testid="annotation-text">
        {a.text || <span className="muted">(no text)</span>}
      </p>
      <ol className="collab-thread" data-testid="annotation-thread">
        {a.thread.map((c) => (
          <li key={c.id} data-testid="thread-comment">
            <strong className="small" style={{ color: c.author.color }}>
              {c.author.name}
            </strong>{" "}
            <span>{c.text}</span>
          </li>
        ))}
      </ol>
      <div className="collab-row">
        {a.viewpoint ? (
          <button
            type="button"
            className="small ghost"
            data-testid="annotation-goto"
            onClick={() => onGoTo(a)}
          >
            Go to
          </button>
        ) : null}
        {canEdit ? (
          <>
            <button
              type="button"
              className="small ghost"
              data-testid="annotation-resolve"
              onClick={() => client.setResolved(a.id, !a.resolved)}
            >
              {a.resolved ? "Reopen" : "Resolve"}
            </button>
            <button
              type="button"
              className="small ghost"
              data-testid="annotation-delete"
              onClick={() => client.remove(a.id)}
            >
              Delete
            </button>
          </>
        ) : null}
      </div>
      {canEdit ? (
        <form
          className="collab-row"
          onSubmit={(e) => {
            e.preventDefault();
            if (client.reply(a.id, reply)) setReply("");
          }}
        >
          <input
            data-testid="reply-text"
            value={reply}
            maxLength={4000}
            placeholder="Reply…"
            onChange={(e) => setReply(e.target.value)}
          />
          <button type="submit" className="small" data-testid="reply-send" disabled={!reply.trim()}>
            Reply
          </button>
        </form>
      ) : null}
    </li>
  );
}
