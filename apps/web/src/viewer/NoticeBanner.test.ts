import { createElement } from "react";
import { renderToStaticMarkup } from "react-dom/server";
import { describe, expect, it } from "vitest";
import { ViewerStore } from "../state/ViewerStore.ts";
import { NoticeBanner } from "./NoticeBanner.tsx";

const render = (store: ViewerStore) => renderToStaticMarkup(createElement(NoticeBanner, { store }));

describe("NoticeBanner", () => {
  it("renders nothing without notices", () => {
    expect(render(new ViewerStore())).toBe("");
  });

  it("shows the active notices newest first, warnings as alerts, each with a dismiss button", () => {
    const store = new ViewerStore();
    const now = Date.now();
    store.dispatch({
      type: "notice",
      notice: { id: "a", text: "Maintenance tonight", level: "info", at: now },
    });
    store.dispatch({
      type: "notice",
      notice: { id: "b", text: "Relay restarts in 5 min", level: "warning", at: now + 1 },
    });
    store.dispatch({
      type: "notice",
      notice: { id: "c", text: "Already over", level: "info", at: now - 10_000, expiresAt: now - 1 },
    });
    const html = render(store);
    expect(html.indexOf("Relay restarts in 5 min")).toBeLessThan(html.indexOf("Maintenance tonight"));
    expect(html).not.toContain("Already over");
    expect(html).toMatch(/role="alert"[^>]*data-notice="b"[^>]*data-level="warning"/);
    expect(html).toMatch(/role="status"[^>]*data-notice="a"[^>]*data-level="info"/);
    expect(html.match(/aria-label="Dismiss notice"/g)).toHaveLength(2);

    store.dispatch({ type: "dismiss-notice", id: "b" });
    const after = render(store);
    expect(after).not.toContain("Relay restarts in 5 min");
    expect(after).toContain("Maintenance tonight");
  });
});
