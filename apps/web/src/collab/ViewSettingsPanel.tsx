import { type CloudViewSettings, getViewSettings, observeViewSettings } from "@depthroom/schema";
import { useEffect, useState } from "react";
import type { ViewerScene } from "../render/ViewerScene.ts";
import type { CollabClient } from "./CollabClient.ts";
import { PanelHead } from "./PanelHead.tsx";
import "./viewSettings.css";

/**
 * How each depth cloud is drawn, for the whole room (issue 16): colour by depth or from an image (its own
 * camera's, or a colour camera picked from the images with a Pinhole), a depth range
 * outside which points are not drawn, the flying-pixel filter, normal shading, and in the 2D view the
 * opacity of the depth over the colour image. Changes go into the
 * room's Y.Doc (edit links; view links see them read-only) and Undo takes back this tab's own.
 */
export function ViewSettingsPanel({
  client,
  viewer,
  canEdit,
}: {
  client: CollabClient;
  viewer: ViewerScene;
  canEdit: boolean;
}) {
  const [open, setOpen] = useState(false);
  const version = useViewSettingsVersion(client);
  if (!open) {
    return (
      <button
        type="button"
        className="collab-ui small view-settings-toggle"
        onClick={() => setOpen(true)}
        data-testid="view-settings-toggle"
        title="How each depth cloud is drawn, for everyone in the room"
      >
        View
      </button>
    );
  }
  const entities = viewer.stats().map((s) => s.entity);
  const images = viewer.colorStats().images.map((i) => i.entity);
  const change = (entity: string, next: Partial<CloudViewSettings>) => {
    client.changeViewSettings(entity, next);
  };
  return (
    <aside
      className="collab-ui collab-panel view-settings-panel"
      data-testid="view-settings-panel"
      data-v={version}
    >
      <PanelHead
        title="View"
        undo={
          canEdit
            ? {
                can: client.viewSettingsUndo.undoStack.length > 0,
                run: () => client.undoViewSettings(),
                testId: "undo-view-settings",
                what: "the view settings",
              }
            : undefined
        }
        onClose={() => setOpen(false)}
        closeLabel="Close view settings"
      />
      {canEdit ? null : (
        <p className="view-settings-note">A view link sees the room's settings; it cannot change them.</p>
      )}
      {entities.length === 0 ? <p className="view-settings-note">No depth entity yet.</p> : null}
      {entities.map((entity) => {
        const s = getViewSettings(client.doc, entity);
        return (
          <fieldset key={entity} className="view-settings-entity" disabled={!canEdit} data-entity={entity}>
            <legend>{entity}</legend>
            <label>
              Colour
              <select
                value={colorChoice(s)}
                onChange={(e) => change(entity, colorSettings(e.target.value))}
                data-testid={`view-color-${entity}`}
              >
                <option value="image">from the image (its own camera's)</option>
                {[...new Set([...images, ...(s.colorEntity ? [s.colorEntity] : [])])].map((image) => (
                  <option key={image} value={`image:${image}`}>
                    from {image}
                    {images.includes(image) ? "" : " (not here yet)"}
                  </option>
                ))}
                <option value="depth">by depth</option>
              </select>
            </label>
            <RangeInput
              entity={entity}
              value={s.cullRange}
              onChange={(cullRange) => change(entity, { cullRange })}
            />
            <label>
              <input
                type="checkbox"
                checked={s.flyingPixels}
                onChange={(e) => change(entity, { flyingPixels: e.target.checked })}
                data-testid={`view-flying-${entity}`}
              />
              Drop flying pixels (jump over {Math.round(s.flyingFraction * 100)} % of depth)
            </label>
            <label>
              <input
                type="checkbox"
                checked={s.normalShading}
                onChange={(e) => change(entity, { normalShading: e.target.checked })}
                data-testid={`view-normals-${entity}`}
              />
              Shade by surface normal
            </label>
            <label>
              Depth over colour (2D)
              <input
                type="range"
                min={0}
                max={1}
                step={0.05}
                value={s.depthOpacity}
                onChange={(e) => change(entity, { depthOpacity: Number(e.target.value) })}
                data-testid={`view-opacity-${entity}`}
              />
              {Math.round(s.depthOpacity * 100)} %
            </label>
          </fieldset>
        );
      })}
    </aside>
  );
}

/** The Colour choice of settings: "depth", "image" (the automatic choice) or "image:<entity>". */
function colorChoice(s: CloudViewSettings): string {
  if (s.colorBy === "depth") return "depth";
  return s.colorEntity ? `image:${s.colorEntity}` : "image";
}

/** The settings a Colour choice writes (see `colorChoice`). */
function colorSettings(choice: string): Partial<CloudViewSettings> {
  if (choice === "depth") return { colorBy: "depth" };
  return { colorBy: "image", colorEntity: choice.startsWith("image:") ? choice.slice(6) : null };
}

/** Bumped by every change of the doc's view settings (this tab's or a peer's) and of this tab's undo stack. */
function useViewSettingsVersion(client: CollabClient): number {
  const [version, setVersion] = useState(0);
  useEffect(() => {
    const bump = () => setVersion((n) => n + 1);
    const stop = observeViewSettings(client.doc, bump);
    client.viewSettingsUndo.on("stack-item-added", bump);
    client.viewSettingsUndo.on("stack-item-popped", bump);
    return () => {
      stop();
      client.viewSettingsUndo.off("stack-item-added", bump);
      client.viewSettingsUndo.off("stack-item-popped", bump);
    };
  }, [client]);
  return version;
}

function RangeInput({
  entity,
  value,
  onChange,
}: {
  entity: string;
  value: readonly [number, number] | null;
  onChange: (range: [number, number] | null) => void;
}) {
  const [min, setMin] = useState(value ? String(value[0]) : "");
  const [max, setMax] = useState(value ? String(value[1]) : "");
  const lo = Number(min);
  const hi = Number(max);
  const valid = min !== "" && max !== "" && Number.isFinite(lo) && Number.isFinite(hi) && lo >= 0 && lo <= hi;
  return (
    <div className="view-settings-range">
      Depth range (m)
      <input
        type="number"
        min={0}
        step={0.1}
        value={min}
        onChange={(e) => setMin(e.target.value)}
        aria-label={`nearest depth drawn for ${entity}`}
        data-testid={`view-range-min-${entity}`}
      />
      –
      <input
        type="number"
        min={0}
        step={0.1}
        value={max}
        onChange={(e) => setMax(e.target.value)}
        aria-label={`farthest depth drawn for ${entity}`}
        data-testid={`view-range-max-${entity}`}
      />
      <button
        type="button"
        className="small"
        disabled={!valid}
        onClick={() => onChange([lo, hi])}
        data-testid={`view-range-set-${entity}`}
      >
        Set
      </button>
      <button
        type="button"
        className="small ghost"
        disabled={value === null}
        onClick={() => {
          setMin("");
          setMax("");
          onChange(null);
        }}
      >
        All
      </button>
    </div>
  );
}
