import { DepthImage } from "./depthImage.ts";
import type { LogMessage } from "./message.ts";
import { Pinhole } from "./pinhole.ts";

/*
 * Rerun's two DepthImage doc examples (docs/snippets/all/archetypes/depth_image_simple and
 * depth_image_3d), as messages. Tests, the demo rig and the web app's smoke checks use them.
 */

/** 300 x 200 uint16, all 65535; rows [50,150) x cols [50,150) = 20000; rows [130,180) x cols [100,280) = 45000. */
export function rerunExampleDepth(): Uint16Array {
  const width = 300;
  const height = 200;
  const depth = new Uint16Array(width * height).fill(65535);
  const fill = (rows: [number, number], cols: [number, number], value: number) => {
    for (let v = rows[0]; v < rows[1]; v++) depth.fill(value, v * width + cols[0], v * width + cols[1]);
  };
  fill([50, 150], [50, 150], 20000);
  fill([130, 180], [100, 280], 45000);
  return depth;
}

/** `depth_image_simple`: entity `depth`, meter 10000, default colormap. */
export function depthImageSimpleExample(): LogMessage[] {
  return [
    {
      entityPath: "depth",
      timelines: [],
      archetype: new DepthImage(rerunExampleDepth(), { width: 300, height: 200, meter: 10_000 }),
    },
  ];
}

/** `depth_image_3d`: `world/camera` Pinhole(300 x 200, focal length 200), `world/camera/depth` viridis. */
export function depthImage3dExample(): LogMessage[] {
  return [
    {
      entityPath: "world/camera",
      timelines: [],
      archetype: Pinhole.fromFocalLength({ width: 300, height: 200, focalLength: 200 }),
    },
    {
      entityPath: "world/camera/depth",
      timelines: [],
      archetype: new DepthImage(rerunExampleDepth(), {
        width: 300,
        height: 200,
        meter: 10_000,
        colormap: "viridis",
      }),
    },
  ];
}
