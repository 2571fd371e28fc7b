import { StandardMaterial } from "@babylonjs/core/Materials/standardMaterial.js";
import { Color3 } from "@babylonjs/core/Maths/math.color.js";
import { CreateSphere } from "@babylonjs/core/Meshes/Builders/sphereBuilder.js";
import type { Mesh } from "@babylonjs/core/Meshes/mesh.js";
import type { Scene } from "@babylonjs/core/scene.js";
import { type CameraPose, length, sub, type Vec3 } from "./cameraPose.ts";
import { LAYER_3D } from "./DepthVisual.ts";

export interface PinSpec {
  readonly id: string;
  readonly world: Vec3;
  readonly color: string;
  readonly resolved: boolean;
}

/** Pins on screen stay about this fraction of the view's height, whatever the distance. */
const SCREEN_FRACTION = 0.018;

/**
 * Annotation pins in the 3D view: one small unlit sphere per pin3d annotation, in its author's colour
 * (dimmed when resolved), rescaled to the camera's distance so it stays readable.
 */
export class AnnotationPins {
  private readonly pins = new Map<string, { mesh: Mesh; spec: PinSpec }>();
  private readonly materials = new Map<string, StandardMaterial>();

  constructor(private readonly scene: Scene) {}

  private material(color: string, resolved: boolean): StandardMaterial {
    const key = `${color}${resolved ? "/r" : ""}`;
    let material = this.materials.get(key);
    if (!material) {
      material = new StandardMaterial(`pin:${key}`, this.scene);
      const c = Color3.FromHexString(color);
      material.emissiveColor = resolved ? c.scale(0.45) : c;
      material.diffuseColor = Color3.Black();
      material.specularColor = Color3.Black();
      material.disableLighting = true;
      this.materials.set(key, material);
    }
    return material;
  }

  set(specs: readonly PinSpec[]): void {
    const seen = new Set<string>();
    for (const spec of specs) {
      seen.add(spec.id);
      let pin = this.pins.get(spec.id);
      if (!pin) {
        const mesh = CreateSphere(`pin#${spec.id}`, { diameter: 1, segments: 8 }, this.scene);
        mesh.layerMask = LAYER_3D;
        mesh.isPickable = false;
        mesh.alwaysSelectAsActiveMesh = true;
        pin = { mesh, spec };
        this.pins.set(spec.id, pin);
      }
      pin.spec = spec;
      pin.mesh.position.set(spec.world[0], spec.world[1], spec.world[2]);
      pin.mesh.material = this.material(spec.color, spec.resolved);
    }
    for (const [id, pin] of this.pins) {
      if (seen.has(id)) continue;
      pin.mesh.dispose();
      this.pins.delete(id);
    }
  }

  /** Rescale every pin for the camera at `pose`; true if any size changed. */
  fitTo(pose: CameraPose): boolean {
    let changed = false;
    const viewHeightPerMetre = 2 * Math.tan(pose.fovY / 2);
    for (const { mesh, spec } of this.pins.values()) {
      const d = Math.max(0.05, length(sub(spec.world, pose.eye)));
      const size = d * viewHeightPerMetre * SCREEN_FRACTION;
      if (Math.abs(mesh.scaling.x - size) > size * 0.01) {
        mesh.scaling.setAll(size);
        changed = true;
      }
    }
    return changed;
  }

  shown(): PinSpec[] {
    return [...this.pins.values()].map((p) => p.spec);
  }

  dispose(): void {
    for (const pin of this.pins.values()) pin.mesh.dispose();
    this.pins.clear();
    for (const material of this.materials.values()) material.dispose();
    this.materials.clear();
  }
}
