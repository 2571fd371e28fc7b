import { MEASURE_SNAP_RADIUS, type MeasurementPoint, nearestPixel } from "@depthroom/schema";
import type { ViewerScene } from "../render/ViewerScene.ts";
import { pickCloudPoint } from "./pickPoint.ts";

/*
 * Picking measurement points (issue 20) on the stage: in measure mode a click on a 2D view takes the
 * image pixel under it, snapped to the nearest pixel with depth (the schema's `nearestPixel`, with the
 * readout as the test), and its 3D point from the readout, which unprojects with the schema's
 * `unprojectPixel` and camera model; a click on the 3D view takes the cloud point under it
 * (`pickCloudPoint`, a depth pixel too). The views do not orbit or pan on a measure click.
 */

export interface MeasurePick {
  readonly entity: string;
  readonly point: MeasurementPoint;
}

/** The measurement point of pixel (u, v) of `entity` (snapped to depth), or undefined. */
export function pickPixel(
  viewer: ViewerScene,
  entity: string,
  u: number,
  v: number,
): MeasurePick | undefined {
  const info = viewer.imageInfo(entity);
  if (!info) return undefined;
  const has = (pu: number, pv: number) => viewer.readout(entity, pu, pv)?.worldPoint !== undefined;
  const pixel = nearestPixel(info.width, info.height, u, v, MEASURE_SNAP_RADIUS, has);
  const world = pixel ? viewer.readout(entity, pixel.u, pixel.v)?.worldPoint : undefined;
  if (!pixel || !world) return undefined;
  return { entity, point: { world: [world[0], world[1], world[2]], pixel } };
}

/** The pick under a click at client (x, y) on `target`, or undefined (off every view, or no depth). */
export function pickAt(
  stage: HTMLElement,
  viewer: ViewerScene,
  target: EventTarget | null,
  clientX: number,
  clientY: number,
): MeasurePick | undefined {
  const view = (target as HTMLElement | null)?.closest?.<HTMLElement>("[data-view]");
  if (!view) return undefined;
  if (view.dataset.view === "2d") {
    const entity = view.dataset.panelEntity;
    if (!entity) return undefined;
    const rect = view.getBoundingClientRect();
    const pixel = viewer.pixelAtPanel(entity, clientX - rect.left, clientY - rect.top);
    return pixel ? pickPixel(viewer, entity, pixel[0], pixel[1]) : undefined;
  }
  const rect = stage.getBoundingClientRect();
  const picked = pickCloudPoint(viewer, clientX - rect.left, clientY - rect.top);
  if (!picked) return undefined;
  const w = picked.world;
  return { entity: picked.entity, point: { world: [w[0], w[1], w[2]], pixel: { u: picked.u, v: picked.v } } };
}

/** In measure mode, a click (not a drag) on a view picks a point. Returns the detach. */
export function attachMeasureInput(
  stage: HTMLElement,
  viewer: ViewerScene,
  handlers: { isActive(): boolean; onPick(pick: MeasurePick | undefined): void },
): () => void {
  let down: { x: number; y: number; target: EventTarget | null } | undefined;
  const pointerDown = (e: PointerEvent) => {
    if (!handlers.isActive() || (e.target as HTMLElement | null)?.closest?.(".collab-ui")) return;
    if (!(e.target as HTMLElement | null)?.closest?.("[data-view]")) return;
    e.stopPropagation();
    down = { x: e.clientX, y: e.clientY, target: e.target };
  };
  const pointerUp = (e: PointerEvent) => {
    const start = down;
    down = undefined;
    if (!start || !handlers.isActive()) return;
    if (Math.hypot(e.clientX - start.x, e.clientY - start.y) > 5) return;
    handlers.onPick(pickAt(stage, viewer, start.target, start.x, start.y));
  };
  stage.addEventListener("pointerdown", pointerDown, true);
  stage.addEventListener("pointerup", pointerUp, true);
  return () => {
    stage.removeEventListener("pointerdown", pointerDown, true);
    stage.removeEventListener("pointerup", pointerUp, true);
  };
}
