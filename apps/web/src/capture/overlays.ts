import type { PanelRect } from "../render/ViewerScene.ts";

/*
 * The measurement overlays (HTML and SVG over the canvas, `collab/MeasureLayer.tsx`) drawn into a
 * picture of a panel: each measurement's lines and dots (`svg.measure-lines`) and its label
 * (`.measure-label`: box, border and text), where they sit on the page and as the page styles them.
 * Other overlays (2D note marks, other people's pointers) are not drawn.
 */

type Context2d = CanvasRenderingContext2D | OffscreenCanvasRenderingContext2D;

/**
 * Draw the measurement overlays of `stage` that fall on `panel` (CSS px from the stage's top-left) into
 * `context`, whose pixels are the panel's at `sx` x `sy` per CSS pixel. Returns how many were drawn.
 */
export function drawMeasureOverlays(
  context: Context2d,
  stage: HTMLElement,
  panel: PanelRect,
  sx: number,
  sy: number,
): number {
  const origin = stage.getBoundingClientRect();
  // Page coordinates to the picture's pixels.
  const px = (x: number) => (x - origin.left - panel.x) * sx;
  const py = (y: number) => (y - origin.top - panel.y) * sy;
  const onPanel = (x: number, y: number) =>
    x >= 0 && y >= 0 && x <= panel.width * sx && y <= panel.height * sy;
  let drawn = 0;
  context.save();
  for (const svg of stage.querySelectorAll<SVGSVGElement>("svg.measure-lines")) {
    const box = svg.getBoundingClientRect();
    for (const group of svg.querySelectorAll("g")) {
      const color = group.getAttribute("stroke") ?? "#fff";
      const line = group.querySelector("polyline");
      const points = (line?.getAttribute("points") ?? "")
        .trim()
        .split(/\s+/)
        .map((pair) => pair.split(",").map(Number) as [number, number])
        .filter(([x, y]) => Number.isFinite(x) && Number.isFinite(y))
        .map(([x, y]) => [px(box.left + x), py(box.top + y)] as const);
      if (!points.some(([x, y]) => onPanel(x, y))) continue;
      drawn++;
      context.strokeStyle = color;
      context.fillStyle = color;
      context.lineWidth = (line ? Number.parseFloat(getComputedStyle(line).strokeWidth) || 2 : 2) * sx;
      context.beginPath();
      for (const [i, [x, y]] of points.entries()) {
        if (i === 0) context.moveTo(x, y);
        else context.lineTo(x, y);
      }
      context.stroke();
      for (const dot of group.querySelectorAll("circle")) {
        const r = Number(dot.getAttribute("r") ?? 3) * sx;
        context.beginPath();
        context.arc(
          px(box.left + Number(dot.getAttribute("cx"))),
          py(box.top + Number(dot.getAttribute("cy"))),
          r,
          0,
          2 * Math.PI,
        );
        context.fill();
      }
    }
  }
  for (const label of stage.querySelectorAll<HTMLElement>(".measure-label")) {
    const box = label.getBoundingClientRect();
    const [x, y, w, h] = [px(box.left), py(box.top), box.width * sx, box.height * sy];
    if (!onPanel(x + w / 2, y + h / 2)) continue;
    drawn++;
    const style = getComputedStyle(label);
    context.globalAlpha = Number(style.opacity) || 1;
    context.fillStyle = style.backgroundColor;
    context.fillRect(x, y, w, h);
    context.strokeStyle = style.borderTopColor;
    context.lineWidth = (Number.parseFloat(style.borderTopWidth) || 1) * sx;
    context.strokeRect(x, y, w, h);
    context.fillStyle = style.color;
    context.font = `${style.fontWeight} ${Number.parseFloat(style.fontSize) * sy}px ${style.fontFamily}`;
    context.textBaseline = "middle";
    context.fillText(
      label.textContent ?? "",
      x + (Number.parseFloat(style.paddingLeft) + Number.parseFloat(style.borderLeftWidth)) * sx,
      y + h / 2,
    );
    context.globalAlpha = 1;
  }
  context.restore();
  return drawn;
}
