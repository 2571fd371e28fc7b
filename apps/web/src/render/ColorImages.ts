import { Constants } from "@babylonjs/core/Engines/constants.js";
import "@babylonjs/core/Engines/Extensions/engine.dynamicTexture.js";
import { BaseTexture } from "@babylonjs/core/Materials/Textures/baseTexture.js";
import type { InternalTexture } from "@babylonjs/core/Materials/Textures/internalTexture.js";
import { RawTexture } from "@babylonjs/core/Materials/Textures/rawTexture.js";
import { Matrix } from "@babylonjs/core/Maths/math.vector.js";
import type { Scene } from "@babylonjs/core/scene.js";
import { type EncodedImage, type Image, parentEntityPath, type TimePoint } from "@depthroom/schema";
import { type DecodedImage, type DecodedPixels, pixelsKind, pixelsSize } from "../frames/imageDecode.ts";
import type { CloudColorSource } from "./DepthCloudMaterial.ts";
import type { EntityGraph } from "./EntityGraph.ts";
import { Grey16Texture } from "./Grey16Texture.ts";

/*
 * Colour images on the GPU, one texture per image entity, and which of them colours which depth cloud.
 *
 * JPEG / PNG (EncodedImage) arrive decoded: the frame core decoded them natively (frames/imageDecode.ts,
 * in the frame worker) and hands over a VideoFrame (JPEG: its YUV planes, converted to RGB by
 * `texImage2D`) or an ImageBitmap, either straight to `texImage2D`; raw Images go
 * up as RGB8 / RGBA8 / R8 textures (BGR and BGRA are swizzled in the shader), 16-bit grey as R16UI drawn
 * to grey through an automatic range (Grey16Texture.ts). No pixel is touched in JavaScript. Latest wins:
 * one image per entity waits for the next draw; a newer one replaces it.
 *
 * Which image colours a depth cloud: the image under the same Pinhole as the depth (registered, Rerun's
 * convention), else an image under a sibling camera of the same rig (its Pinhole entity has the same
 * parent entity: a colour camera placed by Transform3D next to the depth camera).
 */

type Channels = CloudColorSource["channels"];

interface Upload {
  readonly width: number;
  readonly height: number;
  readonly channels: Channels;
  readonly bitmap?: DecodedPixels;
  readonly raw?: Image;
  readonly timelines: readonly TimePoint[];
}

type TextureKind = "bitmap" | "raw" | "grey16";

interface ColorEntry {
  texture: BaseTexture | undefined;
  kind: TextureKind | undefined;
  grey16: Grey16Texture | undefined;
  width: number;
  height: number;
  channels: Channels;
  pending: Upload | undefined;
  uploads: number;
  decodes: number;
  skipped: number;
  failures: number;
  lastError: string | undefined;
  decodedAs: DecodedAs;
  timelines: readonly TimePoint[];
  readonly decodeMs: Float64Array;
  readonly uploadMs: Float64Array;
}

export interface ColorImageStats {
  readonly entity: string;
  readonly width: number;
  readonly height: number;
  /** How the texture is made: a decoded bitmap, raw 8-bit pixels, or 16-bit grey through a range. */
  readonly kind: TextureKind | undefined;
  readonly uploads: number;
  readonly skipped: number;
  readonly failures: number;
  readonly lastError: string | undefined;
  /** An EncodedImage's last frame: decoded by ImageDecoder (a VideoFrame) or createImageBitmap. */
  readonly decodedAs: DecodedAs;
  /** Milliseconds the frame core took to decode an EncodedImage to its bitmap, last frames. */
  readonly decodeMs: readonly number[];
  /** Milliseconds of the texture upload, last frames. */
  readonly uploadMs: readonly number[];
  /** 16-bit grey: the range (stored units) mapped to black..white. */
  readonly greyRange: readonly [number, number] | undefined;
  readonly frame: number | undefined;
}

const RING = 32;

type DecodedAs = ReturnType<typeof pixelsKind> | undefined;

/** The texture made for an Image: 8-bit as stored, 16-bit (the schema allows it for L only) as grey. */
function rawKind(image: Image): { kind: TextureKind; channels: Channels } {
  if (image.datatype === "U16") return { kind: "grey16", channels: "grey" };
  const channels = image.colorModel === "L" ? "grey" : image.colorModel.startsWith("BGR") ? "bgr" : "rgb";
  return { kind: "raw", channels };
}

export class ColorImages {
  private readonly entries = new Map<string, ColorEntry>();

  constructor(private readonly scene: Scene) {}

  /**
   * Take one colour image message; `decoded`: an EncodedImage's bitmap from the frame core (this class
   * closes it).
   */
  offer(
    path: string,
    image: Image | EncodedImage,
    timelines: readonly TimePoint[],
    decoded?: DecodedImage,
  ): void {
    const entry = this.entry(path);
    let upload: Upload;
    if (image.kind === "Image") {
      const made = rawKind(image);
      upload = { width: image.width, height: image.height, channels: made.channels, raw: image, timelines };
    } else {
      if (!decoded) {
        entry.failures++;
        entry.lastError = `${image.mediaType} arrived without its decoded bitmap`;
        return;
      }
      entry.decodeMs[entry.decodes++ % RING] = decoded.decodeMs;
      const { bitmap } = decoded;
      entry.decodedAs = pixelsKind(bitmap);
      upload = { ...pixelsSize(bitmap), channels: "rgb", bitmap, timelines };
    }
    if (entry.pending) {
      entry.pending.bitmap?.close();
      entry.skipped++;
    }
    entry.pending = upload;
  }

  /** Upload what is pending; returns whether a texture changed (or is still being drawn: draw again). */
  flush(now = performance.now()): boolean {
    let changed = false;
    for (const entry of this.entries.values()) {
      if (entry.grey16?.pending) changed = true;
      const upload = entry.pending;
      if (!upload) continue;
      entry.pending = undefined;
      const start = performance.now();
      try {
        this.upload(entry, upload, now);
      } catch (error) {
        // A texture that cannot take this image (a lost context, a frame closed under us) costs this
        // image, not the render loop or the other entities; its decoded frame is freed either way.
        entry.failures++;
        entry.lastError = `upload failed: ${error instanceof Error ? error.message : String(error)}`;
        continue;
      } finally {
        upload.bitmap?.close();
      }
      entry.uploadMs[entry.uploads % RING] = performance.now() - start;
      entry.uploads++;
      entry.timelines = upload.timelines;
      changed = true;
    }
    return changed;
  }

  private upload(entry: ColorEntry, upload: Upload, now: number): void {
    const raw = upload.raw;
    const kind: TextureKind = raw ? rawKind(raw).kind : "bitmap";
    const format =
      raw?.colorModel === "L"
        ? Constants.TEXTUREFORMAT_R
        : raw && raw.channels === 3
          ? Constants.TEXTUREFORMAT_RGB
          : Constants.TEXTUREFORMAT_RGBA;
    const same =
      entry.kind === kind &&
      entry.width === upload.width &&
      entry.height === upload.height &&
      (kind !== "raw" || (entry.texture as RawTexture | undefined)?.format === format);
    const engine = this.scene.getEngine();
    if (!same) {
      this.release(entry);
      if (kind === "bitmap") {
        const internal: InternalTexture = engine.createDynamicTexture(
          upload.width,
          upload.height,
          false,
          Constants.TEXTURE_NEAREST_SAMPLINGMODE,
        );
        entry.texture = new BaseTexture(this.scene, internal);
      } else if (kind === "raw") {
        entry.texture = new RawTexture(
          raw?.data as Uint8Array,
          upload.width,
          upload.height,
          format,
          this.scene,
          false,
          false,
          Constants.TEXTURE_NEAREST_SAMPLINGMODE,
        );
      } else entry.grey16 = new Grey16Texture(this.scene);
      if (entry.texture) {
        entry.texture.name = "colour";
        entry.texture.wrapU = Constants.TEXTURE_CLAMP_ADDRESSMODE;
        entry.texture.wrapV = Constants.TEXTURE_CLAMP_ADDRESSMODE;
      }
      entry.kind = kind;
      entry.width = upload.width;
      entry.height = upload.height;
    } else if (kind === "raw") {
      (entry.texture as RawTexture).update(raw?.data as Uint8Array);
    }
    if (upload.bitmap) {
      engine.updateDynamicTexture(
        entry.texture?.getInternalTexture() ?? null,
        // texImage2D takes a VideoFrame as it takes an ImageBitmap (TexImageSource); Babylon's type
        // does not list it.
        upload.bitmap as ImageBitmap,
        false,
        false,
        Constants.TEXTUREFORMAT_RGBA,
      );
    }
    if (entry.grey16) {
      entry.grey16.update(upload.width, upload.height, raw?.data as Uint16Array, now);
      entry.texture = entry.grey16.texture;
    }
    entry.channels = upload.channels;
  }

  /** Free an entry's textures (its size or kind changed, or it goes). */
  private release(entry: ColorEntry): void {
    if (entry.grey16) entry.grey16.dispose();
    else entry.texture?.dispose();
    entry.grey16 = undefined;
    entry.texture = undefined;
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
      distortion: colorPinhole.distortion,
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
      const decodes = Math.min(e.decodes, RING);
      const frame = e.timelines.find((t) => t.timeline === "frame")?.value;
      const range = e.grey16?.range;
      return {
        entity,
        width: e.width,
        height: e.height,
        kind: e.kind,
        uploads: e.uploads,
        skipped: e.skipped,
        failures: e.failures,
        lastError: e.lastError,
        decodedAs: e.decodedAs,
        decodeMs: [...e.decodeMs.subarray(0, decodes)],
        uploadMs: [...e.uploadMs.subarray(0, n)],
        greyRange: range ? [range.min, range.max] : undefined,
        frame: frame === undefined ? undefined : Number(frame),
      };
    });
  }

  remove(path: string): void {
    const entry = this.entries.get(path);
    if (!entry) return;
    this.release(entry);
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
        grey16: undefined,
        width: 0,
        height: 0,
        channels: "rgb",
        pending: undefined,
        uploads: 0,
        decodes: 0,
        skipped: 0,
        failures: 0,
        lastError: undefined,
        decodedAs: undefined,
        timelines: [],
        decodeMs: new Float64Array(RING),
        uploadMs: new Float64Array(RING),
      };
      this.entries.set(path, entry);
    }
    return entry;
  }
}
