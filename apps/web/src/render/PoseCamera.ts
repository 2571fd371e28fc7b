import { Camera } from "@babylonjs/core/Cameras/camera.js";
import { Matrix, Vector3 } from "@babylonjs/core/Maths/math.vector.js";
import type { Scene } from "@babylonjs/core/scene.js";
import type { CameraPose } from "./cameraPose.ts";

/**
 * A Babylon camera driven by a `CameraPose` (eye, target, up): the view matrix is a plain right-handed
 * look-at, with any up vector (robotics frames are often y-down or z-up). Babylon's own cameras derive
 * their rotation assuming y-up, which breaks near the poles of other frames.
 */
export class PoseCamera extends Camera {
  readonly target = new Vector3(0, 0, 1);
  private readonly view = new Matrix();
  private version = 0;
  private viewVersion = -1;

  constructor(name: string, scene: Scene) {
    super(name, new Vector3(0, 0, 0), scene, false);
    this.minZ = 0.01;
    this.maxZ = 1000;
  }

  setPose(pose: CameraPose): void {
    this.position.set(pose.eye[0], pose.eye[1], pose.eye[2]);
    this.target.set(pose.target[0], pose.target[1], pose.target[2]);
    this.upVector = new Vector3(pose.up[0], pose.up[1], pose.up[2]);
    this.fov = pose.fovY;
    this.version++;
  }

  override _isSynchronizedViewMatrix(): boolean {
    return this.viewVersion === this.version && super._isSynchronizedViewMatrix();
  }

  override _getViewMatrix(): Matrix {
    Matrix.LookAtRHToRef(this.position, this.target, this.upVector, this.view);
    this.viewVersion = this.version;
    return this.view;
  }

  override getClassName(): string {
    return "PoseCamera";
  }
}
