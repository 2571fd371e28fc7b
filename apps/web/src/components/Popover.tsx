"use client";

import type { ReactNode } from "react";

/**
 * A popover dialog of the top bar: its title (also its accessible name), a close button (✕) and its
 * content. `data` become `data-*` attributes (what tests read).
 */
export function Popover({
  title,
  className,
  data,
  onClose,
  children,
}: {
  title: string;
  /** Added to `popover`; the dialog's test id is `<className>-popover`. */
  className: string;
  data?: Readonly<Record<string, string>>;
  onClose: () => void;
  children: ReactNode;
}) {
  const attributes = Object.fromEntries(Object.entries(data ?? {}).map(([k, v]) => [`data-${k}`, v]));
  return (
    <div
      className={`popover ${className}`}
      role="dialog"
      aria-label={title}
      data-testid={`${className}-popover`}
      {...attributes}
    >
      <div className="popover-head">
        <strong>{title}</strong>
        <button type="button" className="ghost" onClick={onClose} aria-label="Close">
          ✕
        </button>
      </div>
      {children}
    </div>
  );
}
