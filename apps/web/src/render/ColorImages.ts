import { Constants } from "@babylonjs/core/Engines/constants.js";
import "@babylonjs/core/Engines/Extensions/engine.dynamicTexture.js";
import { BaseTexture } from "@babylonjs/core/Materials/Textures/baseTexture.js";
import type { InternalTexture } from "@babylonjs/core/Materials/Textures/internalTexture.js";
import { RawTexture } from "@babylonjs/core/Materials/Textures/rawTexture.js";
import { Matrix } from "@babylonjs/core/Maths/math.vector.js";
import type { Scene } from "@babylonjs/core/scene.js";
import { type EncodedImage, type Image, parentEntityPath, type TimePoint } from "@depthroom/schema";
import type { CloudColorSource } from "./DepthCloudMaterial.ts";
import type { EntityGraph } from "./EntityGraph.ts";

/*
 * Colour images on the GPU, one texture per image entity, and which of them colours which depth cloud.
 *
 * JPEG / PNG (EncodedImage) are decoded natively by the browser with `createImageBitmap` (asynchronous:
 * Chromium decodes on its own threads) and the bitmap goes straight to `texImage2D`; raw Images go up as
 * RGB8 / RGBA8 / R8 textures (BGR and BGRA are swizzled in the shader). No pixel is touched in JavaScript.
 * Latest wins: while one frame decodes, a newer one replaces any waiting one.
 *
 * Which image colours a depth cloud: the image under the same Pinhole as the depth (registered, Rerun's
 * convention), else an image under a sibling camera of the same rig (its Pinhole entity has the same
 * parent entity: a colour camera placed by Transform3D next to the depth camera). 16-bit grey Images are
 * not drawn yet.
 */

type Channels = CloudColorSource["channels"];

interface Upload {
  readonly width: number;
  readonly height: number;
  readonly channels: Channels;
  readonly bitmap?: ImageBitmap;
  readonly raw?: Image;
  readonly timelines: readonly TimePoint[];
  readonly arrivedAt: number;
}

interface ColorEntry {
  texture: BaseTexture | undefined;
  kind: "bitmap" | "raw" | undefined;
  width: number;
  height: number;
  channels: Channels;
  pending: Upload | undefined;
  decoding: boolean;
  waiting: { image: EncodedImage; timelines: readonly TimePoint[]; arrivedAt: number } | undefined;
  uploads: number;
  skipped: number;
  failures: number;
  lastError: string | undefined;
  timelines: readonly TimePoint[];
  readonly decodeMs: Float64Array;
  readonly uploadMs: Float64Array;
}

export interface ColorImageStats {
  readonly entity: string;
  readonly width: number;
  readonly height: number;
  readonly uploads: number;
  readonly skipped: number;
  readonly failures: number;
  readonly lastError: string | undefined;
  /** Milliseconds from the start of a decode to its bitmap (EncodedImage), last frames. */
  readonly decodeMs: readonly number[];
  /** Milliseconds of the texture upload, last frames. */
  readonly uploadMs: readonly number[];
  readonly frame: number | undefined;
}

const RING = 32;

export class ColorImages {
  private readonly entries = new Map<string, ColorEntry>();

  constructor(
    private readonly scene: Scene,
    /** Called when a decode finished (a draw is due). */
    private readonly onReady: () => void,
  ) {}

  /** Take one colour image message; `arrivedAt` is a `performance.now()` time. */
  offer(path: string, image: Image | EncodedImage, arrivedAt: number, timelines: readonly TimePoint[]): void {
    const entry = this.entry(path);
    if (image.kind === "Image") {
      if (image.datatype !== "U8") return;
      if (entry.pending) entry.skipped++;
      entry.pending = {
        width: image.width,
        height: image.height,
        channels: image.colorModel === "L" ? "grey" : image.colorModel.startsWith("BGR") ? "bgr" : "rgb",
        raw: image,
        timelines,
        arrivedAt,
      };
      return;
    }
    if (entry.waiting) entry.skipped++;
    entry.waiting = { image, timelines, arrivedAt };
    if (!entry.decoding) this.decodeNext(path, entry);
  }

  private decodeNext(path: string, entry: ColorEntry): void {
    const next = entry.waiting;
    if (!next) return;
    entry.waiting = undefined;
    entry.decoding = true;
    const start = performance.now();
    const blob = new Blob([next.image.blob as Uint8Array<ArrayBuffer>], { type: next.image.mediaType });
    createImageBitmap(blob, { colorSpaceConversion: "none", premultiplyAlpha: "none" }).then(
      (bitmap) => {
        entry.decoding = false;
        if (this.entries.get(path) !== entry) {
          bitmap.close();
          return;
        }
        entry.decodeMs[(entry.uploads + entry.skipped) % RING] = performance.now() - start;
        if (entry.pending?.bitmap) {
          entry.pending.bitmap.close();
          entry.skipped++;
        }
        entry.pending = {
          width: bitmap.width,
          height: bitmap.height,
          channels: "rgb",
          bitmap,
          timelines: next.timelines,
          arrivedAt: next.arrivedAt,
        };
        this.onReady();
        this.decodeNext(path, entry);
      },
      (error: unknown) => {
        entry.decoding = false;
        entry.failures++;
        entry.lastError = `${next.image.mediaType} does not decode: ${String(error)}`;
        this.decodeNext(path, entry);
      },
    );
  }

  /** Upload what is pending; returns whether a texture changed. */
  flush(): boolean {
    let changed = false;
    for (const entry of this.entries.values()) {
      const upload = entry.pending;
      if (!upload) continue;
      entry.pending = undefined;
      const start = performance.now();
      this.upload(entry, upload);
      entry.uploadMs[entry.uploads % RING] = performance.now() - start;
      entry.uploads++;
      entry.timelines = upload.timelines;
      changed = true;
    }
    return changed;
  }

  private upload(entry: ColorEntry, upload: Upload): void {
    const kind = upload.bitmap ? "bitmap" : "raw";
    const format =
      upload.raw?.colorModel === "L"
        ? Constants.TEXTUREFORMAT_R
        : upload.raw && upload.raw.channels === 3
          ? Constants.TEXTUREFORMAT_RGB
          : Constants.TEXTUREFORMAT_RGBA;
    const same =
      entry.texture &&
      entry.kind === kind &&
      entry.width === upload.width &&
      entry.height === upload.height &&
      (kind === "bitmap" || (entry.texture as RawTexture).format === format);
    const engine = this.scene.getEngine();
    if (!same) {
      entry.texture?.dispose();
      if (upload.bitmap) {
        const internal: InternalTexture = engine.createDynamicTexture(
          upload.width,
          upload.height,
          false,
          Constants.TEXTURE_NEAREST_SAMPLINGMODE,
        );
        entry.texture = new BaseTexture(this.scene, internal);
      } else {
        entry.texture = new RawTexture(
          upload.raw?.data as Uint8Array,
          upload.width,
          upload.height,
          format,
          this.scene,
          false,
          false,
          Constants.TEXTURE_NEAREST_SAMPLINGMODE,
        );
      }
      entry.texture.name = "colour";
      entry.texture.wrapU = Constants.TEXTURE_CLAMP_ADDRESSMODE;
      entry.texture.wrapV = Constants.TEXTURE_CLAMP_ADDRESSMODE;
      entry.kind = kind;
      entry.width = upload.width;
      entry.height = upload.height;
    } else if (upload.raw) {
      (entry.texture as RawTexture).update(upload.raw.data as Uint8Array);
    }
    if (upload.bitmap) {
      engine.updateDynamicTexture(
        entry.texture?.getInternalTexture() ?? null,
        upload.bitmap,
        false,
        false,
        Constants.TEXTUREFORMAT_RGBA,
      );
      upload.bitmap.close();
    }
    entry.channels = upload.channels;
  }

  /** The colour for a depth cloud (see the file comment), or undefined: colour by depth. */
  sourceFor(depthPath: string, graph: EntityGraph, prefer?: string): CloudColorSource | undefined {
    const depthPinhole = graph.pinholeFor(depthPath);
    if (!depthPinhole) return undefined;
    const candidates: { path: string; pinholePath: string; registered: boolean; sibling: boolean }[] = [];
    for (const [path, entry] of this.entries) {
      if (!entry.texture) continue;
      const pinhole = graph.pinholeFor(path);
      if (!pinhole) continue;
      candidates.push({
        path,
        pinholePath: pinhole.path,
        registered: pinhole.path === depthPinhole.path,
        sibling: parentEntityPath(pinhole.path) === parentEntityPath(depthPinhole.path),
      });
    }
    candidates.sort((a, b) => (a.path < b.path ? -1 : a.path > b.path ? 1 : 0));
    const chosen =
      candidates.find((c) => c.path === prefer) ??
      candidates.find((c) => c.registered) ??
      candidates.find((c) => c.sibling);
    if (!chosen) return undefined;
    const entry = this.entries.get(chosen.path) as ColorEntry;
    const colorPinhole = graph.pinhole(chosen.pinholePath);
    if (!colorPinhole || !entry.texture) return undefined;
    // Intrinsics in the texture's pixels: scaled when the image is not the Pinhole's resolution
    // (pixel centres on integers, so u + 0.5 scales).
    const [rw, rh] = colorPinhole.resolution ?? [entry.width, entry.height];
    const sx = entry.width / rw;
    const sy = entry.height / rh;
    const depthWorld = graph.cameraFrame(depthPinhole.path).computeWorldMatrix(true);
    const colorWorld = graph.cameraFrame(chosen.pinholePath).computeWorldMatrix(true);
    return {
      entity: chosen.path,
      registered: chosen.registered,
      texture: entry.texture,
      width: entry.width,
      height: entry.height,
      channels: entry.channels,
      intrinsics: {
        fx: colorPinhole.fx * sx,
        fy: colorPinhole.fy * sy,
        cx: (colorPinhole.cx + 0.5) * sx - 0.5,
        cy: (colorPinhole.cy + 0.5) * sy - 0.5,
      },
      depthToColor: depthWorld.multiply(Matrix.Invert(colorWorld)),
    };
  }

  has(path: string): boolean {
    return this.entries.has(path);
  }

  paths(): string[] {
    return [...this.entries.keys()];
  }

  /** The texture of an image entity, for its 2D view. */
  texture(
    path: string,
  ): { texture: BaseTexture; width: number; height: number; channels: Channels } | undefined {
    const entry = this.entries.get(path);
    return entry?.texture
      ? { texture: entry.texture, width: entry.width, height: entry.height, channels: entry.channels }
      : undefined;
  }

  stats(): ColorImageStats[] {
    return [...this.entries].map(([entity, e]) => {
      const n = Math.min(e.uploads, RING);
      const frame = e.timelines.find((t) => t.timeline === "frame")?.value;
      return {
        entity,
        width: e.width,
        height: e.height,
        uploads: e.uploads,
        skipped: e.skipped,
        failures: e.failures,
        lastError: e.lastError,
        decodeMs: [...e.decodeMs.subarray(0, n)],
        uploadMs: [...e.uploadMs.subarray(0, n)],
        frame: frame === undefined ? undefined : Number(frame),
      };
    });
  }

  remove(path: string): void {
    const entry = this.entries.get(path);
    if (!entry) return;
    entry.texture?.dispose();
    entry.pending?.bitmap?.close();
    this.entries.delete(path);
  }

  dispose(): void {
    for (const path of [...this.entries.keys()]) this.remove(path);
  }

  private entry(path: string): ColorEntry {
    let entry = this.entries.get(path);
    if (!entry) {
      entry = {
        texture: undefined,
        kind: undefined,
        width: 0,
        height: 0,
        channels: "rgb",
        pending: undefined,
        decoding: false,
        waiting: undefined,
        uploads: 0,
        skipped: 0,
        failures: 0,
        lastError: undefined,
        timelines: [],
        decodeMs: new Float64Array(RING),
        uploadMs: new Float64Array(RING),
      };
      this.entries.set(path, entry);
    }
    return entry;
  }
}
