import type { CDPSession, Page } from "playwright-core";

/* Fingers on a page, through CDP touch events (Input.dispatchTouchEvent), as a phone's screen sends them. */

export type Point = { readonly x: number; readonly y: number };

export interface Fingers {
  /** One touch event: the fingers down now (none for the end of a touch). */
  touch(type: "touchStart" | "touchMove" | "touchEnd", points: readonly Point[]): Promise<unknown>;
  /** Fingers moved from `from` to `to` in `steps` steps, then lifted. */
  gesture(from: readonly Point[], to: readonly Point[], steps?: number): Promise<void>;
  /** One finger held still for `ms`, then lifted (a tap when short, a long press when long). */
  press(at: Point, ms: number): Promise<void>;
}

export async function fingersOn(page: Page): Promise<Fingers> {
  const cdp: CDPSession = await page.context().newCDPSession(page);
  const touch = (type: "touchStart" | "touchMove" | "touchEnd", points: readonly Point[]) =>
    cdp.send("Input.dispatchTouchEvent", {
      type,
      touchPoints: points.map((p, id) => ({ x: p.x, y: p.y, id })),
    });
  return {
    touch,
    async gesture(from, to, steps = 8) {
      await touch("touchStart", from);
      for (let i = 1; i <= steps; i++) {
        const at = from.map((f, j) => ({
          x: f.x + ((to[j]!.x - f.x) * i) / steps,
          y: f.y + ((to[j]!.y - f.y) * i) / steps,
        }));
        await touch("touchMove", at);
      }
      await touch("touchEnd", []);
    },
    async press(at, ms) {
      await touch("touchStart", [at]);
      await page.waitForTimeout(ms);
      await touch("touchEnd", []);
    },
  };
}
