"use client";

import { type RefObject, useCallback, useEffect, useRef, useState } from "react";
import type { PanelRect, PixelReadout, ViewerScene } from "../render/ViewerScene.ts";
import type { FrameLoop } from "./frameLoop.ts";
import { attachPanelInput, type PanelInputHandlers } from "./panelInput.ts";
import { Readout } from "./Readout.tsx";
import type { ShownStatus } from "./shownStatus.ts";
import type { Layout } from "./TopBar.tsx";

type PanelKind = "3d" | "2d";
type Register = (
  id: string,
  kind: PanelKind,
  entity?: string,
) => (element: HTMLDivElement | null) => () => void;

export interface PanelLayout {
  /** A stable ref callback per panel body: attaches its input, and tells the scene where it is. */
  readonly register: Register;
  /** Measure every panel body again and hand the rects to the scene. */
  readonly measure: () => void;
  /** The panel rects last measured, relative to the stage. */
  readonly rects: () => PanelRect[];
  /** The hover readout of a 2D view (refreshed after each draw while the pointer stays). */
  readonly readout: PixelReadout | undefined;
}

/**
 * The view panels' bodies: their rects on the stage (the scene draws each view in its own viewport),
 * their pointer input (orbit / pan / zoom / fit in 3D, pan / zoom / fit / hover readout in 2D).
 */
export function usePanelLayout(
  viewer: ViewerScene | null,
  loop: FrameLoop | null,
  stageRef: RefObject<HTMLElement | null>,
): PanelLayout {
  const bodies = useRef(new Map<string, { element: HTMLElement; kind: PanelKind; entity?: string }>());
  const rectsRef = useRef<PanelRect[]>([]);
  const viewerRef = useRef(viewer);
  viewerRef.current = viewer;
  const hovered = useRef<{ entity: string; u: number; v: number } | undefined>(undefined);
  const [readout, setReadout] = useState<PixelReadout | undefined>();

  const measure = useCallback(() => {
    const stage = stageRef.current;
    const scene = viewerRef.current;
    if (!stage || !scene) return;
    const origin = stage.getBoundingClientRect();
    const rects: PanelRect[] = [];
    for (const [id, body] of bodies.current) {
      const r = body.element.getBoundingClientRect();
      rects.push({
        id,
        kind: body.kind,
        ...(body.entity ? { entity: body.entity } : {}),
        x: r.left - origin.left,
        y: r.top - origin.top,
        width: r.width,
        height: r.height,
      });
    }
    rectsRef.current = rects;
    scene.setPanels(rects, origin.width, origin.height);
  }, [stageRef]);

  // The readout follows the data under a still pointer: read again after each draw.
  useEffect(() => {
    if (!viewer || !loop) return;
    let seen = viewer.framesDrawn;
    return loop.add("ui", () => {
      const h = hovered.current;
      if (!h || viewer.framesDrawn === seen) return;
      seen = viewer.framesDrawn;
      setReadout(viewer.readout(h.entity, h.u, h.v));
    });
  }, [viewer, loop]);

  const handlers = (kind: PanelKind, entity: string | undefined): PanelInputHandlers => {
    const scene = viewerRef.current;
    if (!scene) return {};
    if (kind === "3d") {
      return {
        drag: (dx, dy) => scene.orbitBy(dx, dy),
        altDrag: (dx, dy) => scene.panBy(dx, dy),
        wheel: (factor) => scene.zoomBy(factor),
        doubleClick: () => scene.fitToData(),
      };
    }
    const name = entity as string;
    return {
      drag: (dx, dy) => scene.pan2d(name, dx, dy),
      altDrag: (dx, dy) => scene.pan2d(name, dx, dy),
      wheel: (factor, x, y) => scene.zoom2d(name, x, y, 1 / factor),
      doubleClick: () => scene.fit2d(name),
      hover: (x, y) => {
        const pixel = scene.pixelAtPanel(name, x, y);
        hovered.current = pixel ? { entity: name, u: pixel[0], v: pixel[1] } : undefined;
        setReadout(pixel ? scene.readout(name, pixel[0], pixel[1]) : undefined);
      },
      leave: () => {
        hovered.current = undefined;
        setReadout(undefined);
      },
    };
  };
  const handlersRef = useRef(handlers);
  handlersRef.current = handlers;

  const callbacks = useRef(new Map<string, (element: HTMLDivElement | null) => () => void>());
  const register: Register = useCallback((id, kind, entity) => {
    let callback = callbacks.current.get(id);
    if (!callback) {
      callback = (element: HTMLDivElement | null) => {
        if (!element) return () => {};
        bodies.current.set(id, { element, kind, ...(entity ? { entity } : {}) });
        const detach = attachPanelInput(element, () => handlersRef.current(kind, entity));
        // React 19 calls the cleanup a ref callback returns when the element goes away.
        return () => {
          detach();
          bodies.current.delete(id);
          callbacks.current.delete(id);
        };
      };
      callbacks.current.set(id, callback);
    }
    return callback;
  }, []);

  return { register, measure, rects: () => rectsRef.current, readout };
}

/** The 3D view and one 2D view per shown depth image, laid out by `layout`. */
export function ViewPanels({
  layout,
  imageEntities,
  viewer,
  panels,
  status,
  review,
  choices,
  onChoose,
}: {
  layout: Layout;
  imageEntities: readonly string[];
  /** Phone width: the images to choose the one shown from (undefined: each image has its view). */
  choices?: readonly string[] | undefined;
  onChoose?: (entity: string) => void;
  viewer: ViewerScene | null;
  panels: PanelLayout;
  status: ShownStatus;
  review: boolean;
}) {
  const show3d = layout !== "2d";
  const show2d = layout !== "3d";
  const empty = <EmptyStage statusLabel={status.label} detail={status.detail} review={review} />;
  const readout = panels.readout;
  return (
    <div className={`panels panels-${layout}`}>
      {show3d ? (
        <section className="panel panel-3d">
          <div className="panel-head">
            <span>3D</span>
            <span className="spacer" />
            <HeadButton title="Fit to data (F)" onClick={() => viewer?.fitToData()}>
              Fit
            </HeadButton>
            <HeadButton title="Reset view (R)" onClick={() => viewer?.resetView()}>
              Reset
            </HeadButton>
          </div>
          <div className="panel-body" ref={panels.register("3d", "3d")} data-view="3d" data-testid="panel-3d">
            {imageEntities.length === 0 ? empty : null}
          </div>
        </section>
      ) : null}
      {show2d ? (
        <div className="panel-column">
          {imageEntities.map((entity) => (
            <section className="panel panel-2d" key={entity}>
              <div className="panel-head">
                {choices ? (
                  <select
                    className="mono panel-choice"
                    value={entity}
                    onChange={(e) => onChoose?.(e.target.value)}
                    aria-label="Image shown"
                    data-testid="image-choice"
                  >
                    {choices.map((c) => (
                      <option key={c} value={c}>
                        {c}
                      </option>
                    ))}
                  </select>
                ) : (
                  <span className="mono">{entity}</span>
                )}
                <span className="spacer" />
                <HeadButton title="Fit image (double click)" onClick={() => viewer?.fit2d(entity)}>
                  Fit
                </HeadButton>
              </div>
              <div
                className="panel-body"
                ref={panels.register(`2d:${entity}`, "2d", entity)}
                data-view="2d"
                data-panel-entity={entity}
                data-testid={`panel-2d-${entity}`}
              >
                {readout && readout.entity === entity ? <Readout readout={readout} /> : null}
              </div>
            </section>
          ))}
          {!show3d && imageEntities.length === 0 ? (
            <section className="panel">
              <div className="panel-body">{empty}</div>
            </section>
          ) : null}
        </div>
      ) : null}
    </div>
  );
}

function HeadButton({ title, onClick, children }: { title: string; onClick: () => void; children: string }) {
  return (
    <button type="button" className="ghost small" onClick={onClick} title={title}>
      {children}
    </button>
  );
}

function EmptyStage({
  statusLabel,
  detail,
  review,
}: {
  statusLabel: string;
  detail: string;
  review: boolean;
}) {
  return (
    <div className="empty-stage" data-testid="empty-stage">
      <strong>{statusLabel}</strong>
      <p>{detail}</p>
      {review ? (
        <p className="muted">No depth image at this time of the recording yet: play or move the timeline.</p>
      ) : (
        <p className="muted">
          Stream a rig into this session: <strong>Share</strong> → the <code>npx depthroom stream</code> line.
        </p>
      )}
    </div>
  );
}
