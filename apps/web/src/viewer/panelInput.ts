/*
 * Pointer and wheel input of one view panel, as native listeners (React's wheel listener is passive and
 * cannot stop the page from scrolling). Drag with the primary button, drag with the secondary button
 * (or Shift + primary), wheel, hover, double click; touch: one-finger drag, two-finger pinch and pan, long
 * press (hover), double tap.
 */

export interface PanelInputHandlers {
  /** Primary-button drag by (dx, dy) CSS pixels. */
  readonly drag?: (dx: number, dy: number) => void;
  /** Secondary-button (or Shift) drag. */
  readonly altDrag?: (dx: number, dy: number) => void;
  /** Wheel at (x, y) panel coordinates: factor > 1 zooms out. */
  readonly wheel?: (factor: number, x: number, y: number) => void;
  readonly hover?: (x: number, y: number) => void;
  readonly leave?: () => void;
  readonly doubleClick?: () => void;
  /** Any input of the person's own (following stops on it, later). */
  readonly interact?: () => void;
}

/** A touch held this long without moving picks (the hover readout; a note anchor: noteInput.ts). */
export const LONG_PRESS_MS = 500;
/** Two taps within this long fit the view. */
export const DOUBLE_TAP_MS = 300;
/** A touch that moves less than this is still a press or a tap. */
export const TAP_SLOP_PX = 8;

export function attachPanelInput(element: HTMLElement, handlers: () => PanelInputHandlers): () => void {
  let last: { x: number; y: number; alt: boolean } | undefined;
  const local = (e: { clientX: number; clientY: number }) => {
    const rect = element.getBoundingClientRect();
    return { x: e.clientX - rect.left, y: e.clientY - rect.top };
  };
  // Touch (issue 21): one finger drags (orbit in 3D, pan in 2D), two fingers pinch (zoom at their
  // middle) and move together (pan), a long press picks (the hover readout), a double tap fits.
  const touches = new Map<number, { x: number; y: number }>();
  let pinch: { distance: number; x: number; y: number } | undefined;
  let press: { timer: ReturnType<typeof setTimeout>; x: number; y: number; moved: boolean } | undefined;
  let lastTap: { t: number; x: number; y: number } | undefined;
  const cancelPress = () => {
    if (press) clearTimeout(press.timer);
    press = undefined;
  };
  const pinchOf = () => {
    const [a, b] = [...touches.values()] as [{ x: number; y: number }, { x: number; y: number }];
    return { distance: Math.hypot(a.x - b.x, a.y - b.y), x: (a.x + b.x) / 2, y: (a.y + b.y) / 2 };
  };
  const touchDown = (e: PointerEvent) => {
    touches.set(e.pointerId, { x: e.clientX, y: e.clientY });
    if (touches.size === 1) {
      last = { x: e.clientX, y: e.clientY, alt: false };
      const p = local(e);
      press = {
        x: e.clientX,
        y: e.clientY,
        moved: false,
        timer: setTimeout(() => {
          if (press && !press.moved) handlers().hover?.(p.x, p.y);
        }, LONG_PRESS_MS),
      };
    } else {
      cancelPress();
      last = undefined;
      pinch = touches.size === 2 ? pinchOf() : undefined;
    }
  };
  const touchMove = (e: PointerEvent) => {
    const at = touches.get(e.pointerId);
    if (!at) return;
    touches.set(e.pointerId, { x: e.clientX, y: e.clientY });
    const h = handlers();
    if (touches.size === 2 && pinch) {
      const next = pinchOf();
      const rect = element.getBoundingClientRect();
      if (next.distance > 0 && pinch.distance > 0)
        h.wheel?.(pinch.distance / next.distance, next.x - rect.left, next.y - rect.top);
      const dx = next.x - pinch.x;
      const dy = next.y - pinch.y;
      if (dx !== 0 || dy !== 0) h.altDrag?.(dx, dy);
      pinch = next;
      return;
    }
    if (press && Math.hypot(e.clientX - press.x, e.clientY - press.y) > TAP_SLOP_PX) {
      press.moved = true;
      clearTimeout(press.timer);
    }
    if (last && (!press || press.moved)) {
      const dx = e.clientX - last.x;
      const dy = e.clientY - last.y;
      if (dx !== 0 || dy !== 0) h.drag?.(dx, dy);
    }
    last = last ? { ...last, x: e.clientX, y: e.clientY } : undefined;
  };
  const touchUp = (e: PointerEvent) => {
    if (!touches.delete(e.pointerId)) return;
    const tap = press !== undefined && !press.moved;
    cancelPress();
    if (touches.size < 2) pinch = undefined;
    if (touches.size === 1) {
      const [rest] = [...touches.values()] as [{ x: number; y: number }];
      last = { x: rest.x, y: rest.y, alt: false };
    } else if (touches.size === 0) last = undefined;
    if (!tap || e.type === "pointercancel") return;
    const now = performance.now();
    if (
      lastTap &&
      now - lastTap.t < DOUBLE_TAP_MS &&
      Math.hypot(e.clientX - lastTap.x, e.clientY - lastTap.y) < 30
    ) {
      lastTap = undefined;
      handlers().doubleClick?.();
    } else lastTap = { t: now, x: e.clientX, y: e.clientY };
  };
  const down = (e: PointerEvent) => {
    element.setPointerCapture(e.pointerId);
    handlers().interact?.();
    if (e.pointerType === "touch") return touchDown(e);
    last = { x: e.clientX, y: e.clientY, alt: e.button !== 0 || e.shiftKey };
  };
  const move = (e: PointerEvent) => {
    if (e.pointerType === "touch") return touchMove(e);
    const h = handlers();
    if (last) {
      const dx = e.clientX - last.x;
      const dy = e.clientY - last.y;
      last = { ...last, x: e.clientX, y: e.clientY };
      if (dx !== 0 || dy !== 0) (last.alt ? h.altDrag : h.drag)?.(dx, dy);
    }
    const p = local(e);
    h.hover?.(p.x, p.y);
  };
  const up = (e: PointerEvent) => {
    if (element.hasPointerCapture(e.pointerId)) element.releasePointerCapture(e.pointerId);
    if (e.pointerType === "touch") return touchUp(e);
    last = undefined;
  };
  const wheel = (e: WheelEvent) => {
    e.preventDefault();
    const h = handlers();
    const p = local(e);
    const delta = e.deltaMode === 1 ? e.deltaY * 16 : e.deltaY;
    h.interact?.();
    h.wheel?.(Math.exp(delta * 0.0015), p.x, p.y);
  };
  // A finger lifted is not a pointer leaving: the long press's readout stays until the next touch.
  const leave = (e: PointerEvent) => {
    if (e.pointerType !== "touch") handlers().leave?.();
  };
  const dbl = () => handlers().doubleClick?.();
  const menu = (e: Event) => e.preventDefault();
  element.addEventListener("pointerdown", down);
  element.addEventListener("pointermove", move);
  element.addEventListener("pointerup", up);
  element.addEventListener("pointercancel", up);
  element.addEventListener("pointerleave", leave);
  element.addEventListener("wheel", wheel, { passive: false });
  element.addEventListener("dblclick", dbl);
  element.addEventListener("contextmenu", menu);
  return () => {
    element.removeEventListener("pointerdown", down);
    element.removeEventListener("pointermove", move);
    element.removeEventListener("pointerup", up);
    element.removeEventListener("pointercancel", up);
    element.removeEventListener("pointerleave", leave);
    element.removeEventListener("wheel", wheel);
    element.removeEventListener("dblclick", dbl);
    element.removeEventListener("contextmenu", menu);
  };
}
