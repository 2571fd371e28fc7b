import {
  type CameraPose,
  CameraPoseSchema,
  checkEntityPath,
  type TimelineTime,
  TimelineTimeSchema,
} from "@depthroom/schema";

/*
 * "Copy link to this view" (issue 20): the link the person holds (same page, same token, so the same
 * link kind and role, never a higher one) with the moment and the viewpoint added to its fragment,
 * which never reaches a server: `at` (`live`, or `<timeline>:<value>` of a recording), `cam` (the 3D
 * camera: position, target, up, vertical fov in degrees, 10 numbers), `layout` and `entity` (the
 * selected one). Read back field by field: a field that does not parse is left out, never guessed.
 */

export const VIEW_LAYOUTS = ["split", "3d", "2d"] as const;
export type ViewLayout = (typeof VIEW_LAYOUTS)[number];

export interface ViewLinkState {
  readonly at?: TimelineTime | "live";
  readonly camera?: CameraPose;
  readonly layout?: ViewLayout;
  readonly entity?: string;
}

const KEYS = ["at", "cam", "layout", "entity"] as const;

/** `href` (the link being viewed) with `state` in its fragment; the token and anything else kept. */
export function viewLinkFor(href: string, state: ViewLinkState): string {
  const url = new URL(href);
  const params = new URLSearchParams(url.hash.replace(/^#/, ""));
  for (const key of KEYS) params.delete(key);
  if (state.at) params.set("at", state.at === "live" ? "live" : `${state.at.timeline}:${state.at.value}`);
  if (state.camera) {
    const c = state.camera;
    params.set("cam", [...c.position, ...c.target, ...c.up, c.fov].map((n) => String(n)).join(","));
  }
  if (state.layout) params.set("layout", state.layout);
  if (state.entity) params.set("entity", state.entity);
  url.hash = params.toString();
  return url.toString();
}

/** What a link's fragment says of the view; fields that are absent or invalid are left out. */
export function readViewLink(href: string): ViewLinkState {
  let params: URLSearchParams;
  try {
    params = new URLSearchParams(new URL(href).hash.replace(/^#/, ""));
  } catch {
    return {};
  }
  const out: { -readonly [K in keyof ViewLinkState]: ViewLinkState[K] } = {};
  const at = params.get("at");
  if (at === "live") out.at = "live";
  else if (at) {
    const i = at.lastIndexOf(":");
    const parsed = TimelineTimeSchema.safeParse({ timeline: at.slice(0, i), value: Number(at.slice(i + 1)) });
    if (i > 0 && parsed.success) out.at = parsed.data;
  }
  const cam = params.get("cam")?.split(",").map(Number);
  if (cam?.length === 10) {
    const n = (i: number) => cam[i] as number;
    const parsed = CameraPoseSchema.safeParse({
      position: [n(0), n(1), n(2)],
      target: [n(3), n(4), n(5)],
      up: [n(6), n(7), n(8)],
      fov: n(9),
    });
    if (parsed.success) out.camera = parsed.data;
  }
  const layout = params.get("layout");
  if (layout && (VIEW_LAYOUTS as readonly string[]).includes(layout)) out.layout = layout as ViewLayout;
  const entity = params.get("entity");
  if (entity) {
    const checked = checkEntityPath(entity);
    if (checked.ok) out.entity = checked.path;
  }
  return out;
}
