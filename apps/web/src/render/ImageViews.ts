import { Camera } from "@babylonjs/core/Cameras/camera.js";
import type { Viewport } from "@babylonjs/core/Maths/math.viewport.js";
import type { Scene } from "@babylonjs/core/scene.js";
import type { CameraPose } from "./cameraPose.ts";
import { PoseCamera } from "./PoseCamera.ts";
import { fitView2D, orthoBounds, panView2D, type Size, type View2D, zoomView2D } from "./view2d.ts";

/**
 * The 2D views: per image entity an orthographic camera on the image's own layer, and its `View2D`
 * (centre and zoom), fitted to the panel when the image first shows. A view stays fitted while its
 * panel changes size (panels shrink as more images arrive) until the person zooms or pans it; from then
 * on it keeps its centre and zoom.
 */
export class ImageViews {
  private readonly cameras = new Map<string, PoseCamera>();
  private readonly views = new Map<string, View2D>();
  /** The image size each view was fitted to, while nobody has zoomed or panned it since. */
  private readonly fitted = new Map<string, Size>();

  constructor(private readonly scene: Scene) {}

  /** The camera of an image entity, made on first use for layer mask `layer`. */
  add(entity: string, layer: number): PoseCamera {
    let camera = this.cameras.get(entity);
    if (!camera) {
      camera = new PoseCamera(`camera2d:${entity}`, this.scene);
      camera.mode = Camera.ORTHOGRAPHIC_CAMERA;
      camera.layerMask = layer;
      camera.minZ = 0.1;
      camera.maxZ = 100;
      this.cameras.set(entity, camera);
    }
    return camera;
  }

  camera(entity: string): PoseCamera | undefined {
    return this.cameras.get(entity);
  }

  view(entity: string): View2D | undefined {
    return this.views.get(entity);
  }

  fit(entity: string, image: Size, panel: Size): void {
    this.views.set(entity, fitView2D(image, panel));
    this.fitted.set(entity, { width: image.width, height: image.height });
  }

  /** The entity's panel is now `panel`'s size: a view still as fitted is fitted again. */
  resize(entity: string, panel: Size): boolean {
    const image = this.fitted.get(entity);
    if (!image) return false;
    this.views.set(entity, fitView2D(image, panel));
    return true;
  }

  zoom(entity: string, panel: Size, x: number, y: number, factor: number): boolean {
    const view = this.views.get(entity);
    if (!view) return false;
    this.views.set(entity, zoomView2D(view, panel, x, y, factor));
    this.fitted.delete(entity);
    return true;
  }

  pan(entity: string, dx: number, dy: number): boolean {
    const view = this.views.get(entity);
    if (!view) return false;
    this.views.set(entity, panView2D(view, dx, dy));
    this.fitted.delete(entity);
    return true;
  }

  /** Point the entity's camera at its view, drawn into `viewport` of a panel of `panel`'s size. */
  apply(entity: string, viewport: Viewport, panel: Size): void {
    const camera = this.cameras.get(entity);
    const view = this.views.get(entity);
    if (!camera || !view) return;
    camera.viewport = viewport;
    const bounds = orthoBounds(view, panel);
    camera.orthoLeft = bounds.left;
    camera.orthoRight = bounds.right;
    camera.orthoTop = bounds.top;
    camera.orthoBottom = bounds.bottom;
    camera.setPose(imageCameraPose(view));
  }
}

/** The 2D camera looks at image point (u, v), which lies at world (u, -v, 0), from +z. */
export function imageCameraPose(view: View2D): CameraPose {
  return {
    eye: [view.centerU, -view.centerV, 10],
    target: [view.centerU, -view.centerV, 0],
    up: [0, 1, 0],
    fovY: 1,
  };
}
