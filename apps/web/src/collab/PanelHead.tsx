"use client";

/** The head of a collaboration side panel: its title, an Undo of the person's own changes (editors), ✕. */
export function PanelHead({
  title,
  undo,
  onClose,
  closeLabel,
}: {
  title: string;
  /** Shown to editors only; `what` ends "Undo my last change to …". */
  undo?: { readonly can: boolean; readonly run: () => void; readonly testId: string; readonly what: string };
  onClose: () => void;
  closeLabel: string;
}) {
  return (
    <div className="collab-panel-head">
      <strong>{title}</strong>
      <span className="spacer" />
      {undo ? (
        <button
          type="button"
          className="small ghost"
          disabled={!undo.can}
          onClick={undo.run}
          data-testid={undo.testId}
          title={`Undo my last change to ${undo.what}`}
        >
          Undo
        </button>
      ) : null}
      <button type="button" className="small ghost" onClick={onClose} aria-label={closeLabel}>
        ✕
      </button>
    </div>
  );
}
