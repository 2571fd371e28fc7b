import { describe, expect, it } from "vitest";
import { fitView2D, imageToPanel, panelToImage, panView2D, pixelAt, zoomView2D } from "./view2d.ts";

const image = { width: 300, height: 200 };
const panel = { width: 600, height: 300 };

describe("2D view math", () => {
  it("fits the image into the panel, centred", () => {
    const view = fitView2D(image, panel, 1);
    expect(view.scale).toBe(1.5);
    expect(imageToPanel(view, panel, 0, 0)).toEqual([75, 0]);
    expect(imageToPanel(view, panel, 300, 200)).toEqual([525, 300]);
  });

  it("maps panel points to pixels and back", () => {
    const view = fitView2D(image, panel, 1);
    const [x, y] = imageToPanel(view, panel, 100.5, 100.5);
    expect(pixelAt(view, panel, image, x, y)).toEqual([100, 100]);
    expect(panelToImage(view, panel, x, y)).toEqual([100.5, 100.5]);
    expect(pixelAt(view, panel, image, 10, 10)).toBeUndefined();
  });

  it("zooms about the cursor and pans by screen pixels", () => {
    const view = fitView2D(image, panel, 1);
    const zoomed = zoomView2D(view, panel, 200, 100, 4);
    expect(zoomed.scale).toBe(6);
    expect(panelToImage(zoomed, panel, 200, 100)).toEqual(panelToImage(view, panel, 200, 100));
    const panned = panView2D(zoomed, 60, 0);
    expect(panelToImage(panned, panel, 260, 100)[0]).toBeCloseTo(panelToImage(zoomed, panel, 200, 100)[0]);
  });
});
