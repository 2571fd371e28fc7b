import { Matrix, Quaternion, Vector3 } from "@babylonjs/core/Maths/math.vector.js";
import { TransformNode } from "@babylonjs/core/Meshes/transformNode.js";
import type { Scene } from "@babylonjs/core/scene.js";
import { entityAncestry, type Pinhole, rdfToCameraXyz, type Transform3D } from "@depthroom/schema";
import type { Vec3 } from "./cameraPose.ts";

/**
 * Entity paths as a tree of Babylon transform nodes: `world/rig/cam0` is a child of `world/rig`.
 * A Transform3D places an entity in its parent's frame; a Pinhole adds a camera-frame node under its
 * entity that turns RDF points (what the unprojection yields) into the pinhole's `cameraXyz` frame.
 */
export class EntityGraph {
  private readonly nodes = new Map<string, TransformNode>();
  private readonly cameraFrames = new Map<string, TransformNode>();
  private readonly pinholes = new Map<string, Pinhole>();
  private readonly root: TransformNode;

  constructor(private readonly scene: Scene) {
    this.root = new TransformNode("entities", scene);
  }

  /** The node of an entity, creating it and its ancestors. */
  node(path: string): TransformNode {
    const existing = this.nodes.get(path);
    if (existing) return existing;
    const slash = path.lastIndexOf("/");
    const parent = slash > 0 ? this.node(path.slice(0, slash)) : this.root;
    const node = new TransformNode(path, this.scene);
    node.parent = parent;
    node.rotationQuaternion = Quaternion.Identity();
    this.nodes.set(path, node);
    return node;
  }

  setTransform(path: string, transform: Transform3D): void {
    const node = this.node(path);
    const [x, y, z] = transform.translation;
    const [qx, qy, qz, qw] = transform.rotation;
    node.position.set(x, y, z);
    node.rotationQuaternion = new Quaternion(qx, qy, qz, qw);
  }

  setPinhole(path: string, pinhole: Pinhole): void {
    this.pinholes.set(path, pinhole);
    const frame = this.cameraFrame(path);
    // rdfToCameraXyz is row-major M with p_cam = M p_rdf; Babylon multiplies row vectors, so use M^T.
    const m = rdfToCameraXyz(pinhole.cameraXyz);
    const at = (i: number) => m[i] as number;
    const babylon = Matrix.FromValues(
      at(0),
      at(3),
      at(6),
      0,
      at(1),
      at(4),
      at(7),
      0,
      at(2),
      at(5),
      at(8),
      0,
      0,
      0,
      0,
      1,
    );
    const scaling = new Vector3();
    const rotation = new Quaternion();
    babylon.decompose(scaling, rotation, undefined);
    frame.scaling.copyFrom(scaling);
    frame.rotationQuaternion = rotation;
  }

  /** The node whose frame is the RDF camera frame of the pinhole at `path`. */
  cameraFrame(path: string): TransformNode {
    let frame = this.cameraFrames.get(path);
    if (!frame) {
      frame = new TransformNode(`${path}#rdf`, this.scene);
      frame.parent = this.node(path);
      frame.rotationQuaternion = Quaternion.Identity();
      this.cameraFrames.set(path, frame);
    }
    return frame;
  }

  pinhole(path: string): Pinhole | undefined {
    return this.pinholes.get(path);
  }

  /** The pinhole that governs an image entity: its own, else its nearest ancestor's. */
  pinholeFor(path: string): { path: string; pinhole: Pinhole } | undefined {
    // Nearest first: the entity itself, its parent, ...
    for (const candidate of entityAncestry(path)) {
      const pinhole = this.pinholes.get(candidate);
      if (pinhole) return { path: candidate, pinhole };
    }
    return undefined;
  }

  pinholePaths(): string[] {
    return [...this.pinholes.keys()];
  }

  /** A point of the RDF frame of the pinhole at `path`, in world coordinates. */
  rdfToWorld(path: string, point: Vec3): Vec3 {
    return this.fromRdf(path, point, Vector3.TransformCoordinates);
  }

  /** A direction of the RDF frame of the pinhole at `path`, in world coordinates (not normalized). */
  rdfDirectionToWorld(path: string, direction: Vec3): Vec3 {
    return this.fromRdf(path, direction, Vector3.TransformNormal);
  }

  private fromRdf(path: string, v: Vec3, transform: (v: Vector3, m: Matrix) => Vector3): Vec3 {
    const world = transform(new Vector3(v[0], v[1], v[2]), this.cameraFrame(path).computeWorldMatrix(true));
    return [world.x, world.y, world.z];
  }

  dispose(): void {
    this.root.dispose();
    this.nodes.clear();
    this.cameraFrames.clear();
  }
}
