import { Constants } from "@babylonjs/core/Engines/constants.js";
import type { ShaderMaterial } from "@babylonjs/core/Materials/shaderMaterial.js";
import { RawTexture } from "@babylonjs/core/Materials/Textures/rawTexture.js";
import type { Scene } from "@babylonjs/core/scene.js";
import type { Pinhole } from "@depthroom/schema";
import {
  buildRayTable,
  type RayTableAnswer,
  type RayTableRequest,
  rayTableRequest,
} from "./rayTableBuild.ts";

/*
 * The GPU half of lens distortion (issue 17): per intrinsics and image size, an RG32F texture holding each
 * pixel's undistorted normalised ray (x, y) (the schema's `rayTable`: the same `pixelRay` the CPU
 * `unproject`, the hover readout and the frustum use). The shaders then draw pixel (u, v) at (ray * z, z)
 * with one texel fetch (DEPTH_RAYS in depthShaders.ts), so the per-frame cost does not grow with the model.
 *
 * A table costs about 130 ms of CPU at 640 x 480, so it is never built on the page: `RayTables` (one per
 * scene, shared by every cloud and 2D view) asks its worker (rayTableWorker.ts) once per key, takes the
 * table moved back, and keeps the texture. Until it arrives `texture` answers undefined: the cloud is not
 * drawn (no point is ever drawn through the wrong rays) and the page goes on. Without workers (or when the
 * worker cannot start) the table is built on the page, after the current task (`where` says "main").
 */

/** Textures kept per scene: enough for every camera of a rig; the least recently used goes first. */
const MAX_TABLES = 8;

/** One table built: its key, the build's milliseconds where it ran, where, and when (page clock). */
export interface RayTableBuild {
  readonly key: string;
  readonly ms: number;
  readonly where: "worker" | "main";
  /** `performance.now()` when a view asked for it, and when its texture was made. */
  readonly askedAt: number;
  readonly readyAt: number;
}

export class RayTables {
  private readonly textures = new Map<string, RawTexture>();
  private readonly asked = new Map<string, { request: RayTableRequest; at: number }>();
  private worker: Worker | undefined;
  private workerFailed = false;
  private heard = false;
  /** The tables built, oldest first (tests and the bench read them). */
  readonly builds: RayTableBuild[] = [];
  /** A 1x1 stand-in bound when a view draws without a table (an unbound sampler would share unit 0). */
  readonly none: RawTexture;

  constructor(private readonly scene: Scene) {
    this.none = floatRgTexture(scene, new Float32Array(2), 1, 1);
  }

  /** The table of these intrinsics and size, or undefined while it is built (asked for once). */
  texture(pinhole: Pinhole, width: number, height: number): RawTexture | undefined {
    const request = rayTableRequest(pinhole, width, height);
    const texture = this.textures.get(request.key);
    if (texture) {
      // Most recently used last.
      this.textures.delete(request.key);
      this.textures.set(request.key, texture);
      return texture;
    }
    if (!this.asked.has(request.key)) {
      this.asked.set(request.key, { request, at: performance.now() });
      this.ask(request);
    }
    return undefined;
  }

  /** Where tables are built. */
  get where(): "worker" | "main" {
    return this.workerFailed || typeof Worker === "undefined" ? "main" : "worker";
  }

  private ask(request: RayTableRequest): void {
    const worker = this.startWorker();
    if (worker) worker.postMessage(request);
    else setTimeout(() => this.take(buildRayTable(request), "main"), 0);
  }

  private startWorker(): Worker | undefined {
    if (this.worker || this.workerFailed || typeof Worker === "undefined") return this.worker;
    try {
      this.worker = new Worker(new URL("./rayTableWorker.ts", import.meta.url), {
        type: "module",
        name: "depthroom-rays",
      });
    } catch {
      this.workerFailed = true;
      return undefined;
    }
    this.worker.onmessage = (event: MessageEvent<RayTableAnswer>) => {
      this.heard = true;
      this.take(event.data, "worker");
    };
    this.worker.onerror = (event) => {
      // A worker that cannot start (no module workers, a bundling problem): the page builds what was asked.
      if (this.heard) return;
      event.preventDefault();
      this.worker?.terminate();
      this.worker = undefined;
      this.workerFailed = true;
      for (const { request } of this.asked.values()) this.ask(request);
    };
    return this.worker;
  }

  private take(answer: RayTableAnswer, where: "worker" | "main"): void {
    const asked = this.asked.get(answer.key);
    if (!asked || this.textures.has(answer.key)) return;
    this.asked.delete(answer.key);
    const { request } = asked;
    if ("error" in answer) {
      // Only a request that is not a camera gets here (the Pinhole was validated): nothing to draw it with.
      console.warn(`ray table ${answer.key}: ${answer.error}`);
      return;
    }
    if (this.textures.size >= MAX_TABLES) {
      const [oldest, texture] = this.textures.entries().next().value as [string, RawTexture];
      texture.dispose();
      this.textures.delete(oldest);
    }
    this.textures.set(answer.key, floatRgTexture(this.scene, answer.table, request.width, request.height));
    this.builds.push({
      key: answer.key,
      ms: answer.ms,
      where,
      askedAt: asked.at,
      readyAt: performance.now(),
    });
  }

  dispose(): void {
    this.worker?.terminate();
    this.worker = undefined;
    for (const texture of this.textures.values()) texture.dispose();
    this.textures.clear();
    this.asked.clear();
    this.none.dispose();
  }
}

const perScene = new WeakMap<Scene, RayTables>();

/** The scene's ray tables (made on first use, disposed with the scene). */
export function rayTablesOf(scene: Scene): RayTables {
  let tables = perScene.get(scene);
  if (!tables) {
    const made = new RayTables(scene);
    scene.onDisposeObservable.addOnce(() => made.dispose());
    perScene.set(scene, made);
    tables = made;
  }
  return tables;
}

/** The uniforms and sampler of DEPTH_RAYS (depthShaders.ts). */
export const RAY_UNIFORMS = ["intrinsics", "useRayTable"] as const;
export const RAY_SAMPLERS = ["rayTable"] as const;

/**
 * Bind a depth camera's rays to a material using DEPTH_RAYS: its intrinsics and, with a lens distortion,
 * its ray table at the image size (no pinhole: the stand-in, so the sampler is bound all the same).
 * Returns false while that table is being built, or without a pinhole (the material then has the plain
 * pinhole's rays: the caller decides whether to draw).
 */
export function bindRays(
  material: ShaderMaterial,
  pinhole: Pinhole | undefined,
  width: number,
  height: number,
): boolean {
  if (pinhole)
    material.setVector4("intrinsics", { x: pinhole.fx, y: pinhole.fy, z: pinhole.cx, w: pinhole.cy });
  const tables = rayTablesOf(material.getScene());
  const texture = pinhole?.distortion ? tables.texture(pinhole, width, height) : undefined;
  material.setTexture("rayTable", texture ?? tables.none);
  material.setFloat("useRayTable", texture ? 1 : 0);
  return pinhole !== undefined && (texture !== undefined || pinhole.distortion === undefined);
}

/** An RG32F texture, nearest, no mipmaps (read with texelFetch). */
export function floatRgTexture(
  scene: Scene,
  texels: Float32Array,
  width: number,
  height: number,
): RawTexture {
  return new RawTexture(
    texels,
    width,
    height,
    Constants.TEXTUREFORMAT_RG,
    scene,
    false,
    false,
    Constants.TEXTURE_NEAREST_SAMPLINGMODE,
    Constants.TEXTURETYPE_FLOAT,
  );
}
