import type { ReactNode } from "react";

/** A plain page that says what went wrong, instead of a blank canvas. */
export function ErrorPanel({
  title,
  detail,
  children,
}: {
  title: string;
  detail: string;
  children?: ReactNode;
}) {
  return (
    <main className="error-page" data-testid="error-page">
      <h1>{title}</h1>
      <p data-testid="error-detail">{detail}</p>
      {children}
      <p>
        <a href="/">Start a new session</a>
      </p>
    </main>
  );
}
