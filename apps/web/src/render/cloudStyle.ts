import { CLOUD_VIEW_DEFAULTS, type CloudViewSettings } from "@depthroom/schema";
import type { ColorImages } from "./ColorImages.ts";
import type { CloudColorSource, CloudDrawSettings } from "./DepthCloudMaterial.ts";
import type { DepthVisual } from "./DepthVisual.ts";
import type { EntityGraph } from "./EntityGraph.ts";

/**
 * A depth entity's view settings (the room's, from the Y.Doc) as what its cloud's shader needs: the colour
 * source when coloured by image and one exists (the image the settings pick, else the automatic choice), the cull range in metres (the user's, else the archetype's
 * `depthRange`, so points outside the range Rerun colours by are not drawn), the flying-pixel fraction
 * (0: off) and normal shading; for the 2D view, the opacity of the depth over the colour image.
 */
export function cloudStyle(
  visual: DepthVisual,
  settings: CloudViewSettings | undefined,
  colors: ColorImages,
  graph: EntityGraph,
): { color: CloudColorSource | undefined; draw: CloudDrawSettings; depthOpacity: number } {
  const s = settings ?? CLOUD_VIEW_DEFAULTS;
  const image = visual.current;
  const archetypeRange: [number, number] | undefined = image?.depthRange
    ? [image.depthRange[0] / image.meter, image.depthRange[1] / image.meter]
    : undefined;
  return {
    color:
      s.colorBy === "image" ? colors.sourceFor(visual.path, graph, s.colorEntity ?? undefined) : undefined,
    draw: {
      cullRange: s.cullRange ?? archetypeRange,
      flyingFraction: s.flyingPixels ? s.flyingFraction : 0,
      normalShading: s.normalShading,
    },
    depthOpacity: s.depthOpacity,
  };
}
