/**
 * The viewer's keyboard shortcuts, defined once: the viewer runs them, the help overlay lists them, and
 * the collaboration layer handles note mode and stops following on the ones that move one's own camera.
 */

export type ShortcutAction =
  | "fit"
  | "reset"
  | "look-through"
  | "layout-split"
  | "layout-3d"
  | "layout-2d"
  | "grid"
  | "note-mode"
  | "share"
  | "capture"
  | "help"
  | "close"
  | "play-pause"
  | "step-back"
  | "step-forward";

export interface Shortcut {
  readonly action: ShortcutAction;
  /** `KeyboardEvent.key` values. */
  readonly keys: readonly string[];
  /** How the help overlay names the key. */
  readonly label: string;
  readonly help: string;
  /** Where it works: every page, live sessions only or review rooms only. */
  readonly where: "all" | "live" | "review";
  /** Moves this person's own camera or cursor: following someone stops. */
  readonly breaksFollow?: boolean;
  /** A focused button keeps the key (Space presses it). */
  readonly notOnButtons?: boolean;
}

export const SHORTCUTS: readonly Shortcut[] = [
  {
    action: "play-pause",
    keys: [" "],
    label: "Space",
    help: "play / pause",
    where: "review",
    notOnButtons: true,
  },
  {
    action: "step-back",
    keys: ["ArrowLeft"],
    label: "←",
    help: "previous frame",
    where: "review",
    notOnButtons: true,
    breaksFollow: true,
  },
  {
    action: "step-forward",
    keys: ["ArrowRight"],
    label: "→",
    help: "next frame",
    where: "review",
    notOnButtons: true,
    breaksFollow: true,
  },
  { action: "share", keys: ["s"], label: "S", help: "share links", where: "live" },
  {
    action: "capture",
    keys: ["c"],
    label: "C",
    help: "capture: a PNG of a view at 1x or 2x, a clip of the recording (review rooms)",
    where: "all",
  },
  {
    action: "fit",
    keys: ["f"],
    label: "F",
    help: "fit the 3D view (and every image) to the data",
    where: "all",
    breaksFollow: true,
  },
  { action: "reset", keys: ["r"], label: "R", help: "reset the 3D view", where: "all", breaksFollow: true },
  {
    action: "look-through",
    keys: ["l"],
    label: "L",
    help: "look through the selected (or first) camera",
    where: "all",
    breaksFollow: true,
  },
  { action: "layout-split", keys: ["1"], label: "1", help: "layout: 3D + 2D", where: "all" },
  { action: "layout-3d", keys: ["2"], label: "2", help: "layout: 3D only", where: "all" },
  { action: "layout-2d", keys: ["3"], label: "3", help: "layout: 2D only", where: "all" },
  { action: "grid", keys: ["g"], label: "G", help: "grid and axes on/off", where: "all" },
  {
    action: "note-mode",
    keys: ["n"],
    label: "N",
    help: "note mode: the next click on a view pins a note (edit links)",
    where: "all",
  },
  { action: "help", keys: ["?"], label: "?", help: "this help", where: "all" },
  { action: "close", keys: ["Escape"], label: "Esc", help: "close", where: "all" },
];

/** The shortcuts of a live session's page or of a review room's, in the help overlay's order. */
export function shortcutsOf(review: boolean): Shortcut[] {
  return SHORTCUTS.filter((s) => s.where === "all" || s.where === (review ? "review" : "live"));
}

/** What a key press asks for, if anything: none while typing in a field or with Ctrl, Alt or Meta. */
export function shortcutFor(
  event: Pick<KeyboardEvent, "key" | "metaKey" | "ctrlKey" | "altKey"> & {
    readonly target: EventTarget | null;
  },
  review: boolean,
): Shortcut | undefined {
  if (event.metaKey || event.ctrlKey || event.altKey) return undefined;
  const tag = (event.target as { tagName?: string } | null)?.tagName;
  if (tag === "INPUT" || tag === "SELECT" || tag === "TEXTAREA") return undefined;
  const shortcut = shortcutsOf(review).find((s) => s.keys.includes(event.key));
  if (shortcut?.notOnButtons && tag === "BUTTON") return undefined;
  return shortcut;
}
