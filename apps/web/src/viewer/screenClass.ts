"use client";

import { useSyncExternalStore } from "react";

/**
 * The screen classes the viewer lays itself out for (issue 21). The numbers are the CSS breakpoints of
 * `globals.css` (`@media (max-width: 640px)` and `(max-width: 900px)`): keep them in step.
 * - phone: one view at a time, the top bar's controls in its menu, the entity tree as a sheet;
 * - tablet: the two-view layout, the entity tree as a sheet;
 * - desktop: everything side by side.
 */
export const PHONE_QUERY = "(max-width: 640px)";
export const TABLET_QUERY = "(max-width: 900px)";
/** A touch screen is the main pointer: hints and help speak of fingers, not of buttons and wheels. */
export const TOUCH_QUERY = "(pointer: coarse)";

export const TOUCH_HINT =
  "Drag to orbit · pinch to zoom · two fingers to pan · long press to pick · double tap to fit";
export const TOUCH_HELP =
  "3D: one finger orbits, two fingers pinch to zoom and drag to pan, double tap fits. 2D: one finger pans, pinch zooms, a long press shows that pixel's depth and 3D point, double tap fits.";

/** Whether `query` matches now, re-rendering when it changes (false during server rendering). */
export function useMediaQuery(query: string): boolean {
  return useSyncExternalStore(
    (onChange) => {
      const list = window.matchMedia(query);
      list.addEventListener("change", onChange);
      return () => list.removeEventListener("change", onChange);
    },
    () => window.matchMedia(query).matches,
    () => false,
  );
}

/**
 * The canvas's device pixel ratio: the screen's, capped. Every canvas pixel is shaded each draw, and a
 * phone's 2.6 (a 1,071x2,380 canvas for a 412x915 screen) costs frames for detail the eye barely sees;
 * touch screens get 1.5, others 2.
 */
export function cappedPixelRatio(devicePixelRatio: number, coarsePointer: boolean): number {
  const ratio = Number.isFinite(devicePixelRatio) && devicePixelRatio > 0 ? devicePixelRatio : 1;
  return Math.min(ratio, coarsePointer ? 1.5 : 2);
}
