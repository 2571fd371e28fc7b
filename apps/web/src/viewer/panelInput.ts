/*
 * Pointer and wheel input of one view panel, as native listeners (React's wheel listener is passive and
 * cannot stop the page from scrolling). Drag with the primary button, drag with the secondary button
 * (or Shift + primary), wheel, hover, double click.
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

export function attachPanelInput(element: HTMLElement, handlers: () => PanelInputHandlers): () => void {
  let last: { x: number; y: number; alt: boolean } | undefined;
  const local = (e: MouseEvent) => {
    const rect = element.getBoundingClientRect();
    return { x: e.clientX - rect.left, y: e.clientY - rect.top };
  };
  const down = (e: PointerEvent) => {
    element.setPointerCapture(e.pointerId);
    last = { x: e.clientX, y: e.clientY, alt: e.button !== 0 || e.shiftKey };
    handlers().interact?.();
  };
  const move = (e: PointerEvent) => {
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
  const leave = () => handlers().leave?.();
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
