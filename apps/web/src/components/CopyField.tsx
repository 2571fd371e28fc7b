"use client";

import { useState } from "react";

/** A value on one line with a Copy button (clipboard API, falls back to selecting the text). */
export function CopyField({ label, value, testId }: { label?: string; value: string; testId?: string }) {
  const [copied, setCopied] = useState(false);
  const copy = async () => {
    try {
      await navigator.clipboard.writeText(value);
      setCopied(true);
      setTimeout(() => setCopied(false), 1200);
    } catch {
      const selection = window.getSelection();
      const node = document.querySelector(`[data-testid="${testId}"]`);
      if (selection && node) selection.selectAllChildren(node);
    }
  };
  return (
    <div className="copy-field">
      {label ? <span className="label">{label}</span> : null}
      <code data-testid={testId}>{value}</code>
      <button type="button" onClick={copy} aria-label={`Copy ${label ?? "text"}`}>
        {copied ? "Copied" : "Copy"}
      </button>
    </div>
  );
}
