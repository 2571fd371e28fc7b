import { Color3, Color4 } from "@babylonjs/core/Maths/math.color.js";
import { Vector3 } from "@babylonjs/core/Maths/math.vector.js";
import { CreateLineSystem } from "@babylonjs/core/Meshes/Builders/linesBuilder.js";
import type { LinesMesh } from "@babylonjs/core/Meshes/linesMesh.js";
import type { TransformNode } from "@babylonjs/core/Meshes/transformNode.js";
import type { Scene } from "@babylonjs/core/scene.js";
import type { Pinhole } from "@depthroom/schema";
import type { Vec3 } from "./cameraPose.ts";
import { LAYER_3D } from "./DepthVisual.ts";
import { frustumLines } from "./frustum.ts";

/*
 * The 3D view's helpers: the grid (in the plane across the world's up), the axes at the origin and a
 * frustum per camera, drawn as line meshes on the 3D layer.
 */

const FRUSTUM_COLORS = ["#ffffff", "#ffd166", "#06d6a0", "#ef476f", "#4cc9f0", "#b388ff"];
const GRID_EXTENT = 10;

/** Two unit axes spanning the plane across `up` (snapped to a world axis). */
export function gridAxes(up: Vec3): [Vec3, Vec3] {
  if (Math.abs(up[1]) > 0.5)
    return [
      [1, 0, 0],
      [0, 0, 1],
    ];
  if (Math.abs(up[2]) > 0.5)
    return [
      [1, 0, 0],
      [0, 1, 0],
    ];
  return [
    [0, 1, 0],
    [0, 0, 1],
  ];
}

/** A 1 m grid of `2 * GRID_EXTENT` m across `up`, through the origin. */
export function createGrid(scene: Scene, up: Vec3): LinesMesh {
  const [a, b] = gridAxes(up);
  const at = (i: number, j: number) =>
    new Vector3(a[0] * i + b[0] * j, a[1] * i + b[1] * j, a[2] * i + b[2] * j);
  const lines: Vector3[][] = [];
  for (let i = -GRID_EXTENT; i <= GRID_EXTENT; i++) {
    lines.push([at(i, -GRID_EXTENT), at(i, GRID_EXTENT)]);
    lines.push([at(-GRID_EXTENT, i), at(GRID_EXTENT, i)]);
  }
  const grid = CreateLineSystem("grid", { lines }, scene);
  grid.color = new Color3(0.22, 0.25, 0.3);
  grid.layerMask = LAYER_3D;
  grid.isPickable = false;
  return grid;
}

/** x, y, z axes of 1 m at the origin, in red, green, blue. */
export function createAxes(scene: Scene): LinesMesh {
  const o = Vector3.Zero();
  const red = new Color4(0.94, 0.3, 0.3, 1);
  const green = new Color4(0.3, 0.85, 0.4, 1);
  const blue = new Color4(0.3, 0.55, 1, 1);
  const axes = CreateLineSystem(
    "axes",
    {
      lines: [
        [o, new Vector3(1, 0, 0)],
        [o, new Vector3(0, 1, 0)],
        [o, new Vector3(0, 0, 1)],
      ],
      colors: [
        [red, red],
        [green, green],
        [blue, blue],
      ],
    },
    scene,
  );
  axes.layerMask = LAYER_3D;
  axes.isPickable = false;
  return axes;
}

/** One frustum per camera (pinhole) path, rebuilt only when its intrinsics or image size change. */
export class CameraFrustums {
  private readonly meshes = new Map<string, LinesMesh>();

  constructor(private readonly scene: Scene) {}

  /** Draw the frustum of `path`'s pinhole for an image of `width` x `height`, the `index`th camera. */
  update(
    path: string,
    pinhole: Pinhole,
    width: number,
    height: number,
    index: number,
    frame: TransformNode,
  ): void {
    const key = `${pinhole.fx},${pinhole.fy},${pinhole.cx},${pinhole.cy},${width},${height},${pinhole.imagePlaneDistance},${pinhole.distortion?.model}:${pinhole.distortion?.coefficients}`;
    const existing = this.meshes.get(path);
    if (existing && existing.metadata === key) return;
    existing?.dispose();
    const lines = frustumLines(pinhole, width, height).map((strip) =>
      strip.map((p) => new Vector3(p[0], p[1], p[2])),
    );
    const mesh = CreateLineSystem(`${path}#frustum`, { lines }, this.scene);
    mesh.color = Color3.FromHexString(FRUSTUM_COLORS[index % FRUSTUM_COLORS.length] as string);
    mesh.parent = frame;
    mesh.layerMask = LAYER_3D;
    mesh.isPickable = false;
    mesh.metadata = key;
    this.meshes.set(path, mesh);
  }

  setEnabled(path: string, enabled: boolean): void {
    this.meshes.get(path)?.setEnabled(enabled);
  }

  dispose(): void {
    for (const mesh of this.meshes.values()) mesh.dispose();
    this.meshes.clear();
  }
}
