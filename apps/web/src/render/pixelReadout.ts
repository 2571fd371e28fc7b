import { type DepthImage, type Pinhole, rdfToCameraXyz, unprojectPixel } from "@depthroom/schema";
import type { Vec3 } from "./cameraPose.ts";

/** What the 2D hover readout shows for one pixel. */
export interface PixelReadout {
  readonly entity: string;
  readonly u: number;
  readonly v: number;
  /** Stored value, or undefined when the pixel has no depth. */
  readonly value: number | undefined;
  readonly depthMeters: number | undefined;
  /** The unprojected point in the camera frame (the pinhole's `cameraXyz`), when a pinhole governs it. */
  readonly cameraPoint: Vec3 | undefined;
  /** The same point in the world. */
  readonly worldPoint: Vec3 | undefined;
}

/**
 * Depth, metres and 3D point of pixel (u, v) of `image`; undefined outside the image. `pinhole` is the
 * camera that governs it (none: no point) and `rdfToWorld` takes its RDF camera frame to the world.
 */
export function pixelReadout(
  entity: string,
  image: DepthImage,
  u: number,
  v: number,
  pinhole: Pinhole | undefined,
  rdfToWorld: (rdf: Vec3) => Vec3,
): PixelReadout | undefined {
  if (u < 0 || v < 0 || u >= image.width || v >= image.height) return undefined;
  const raw = Number(image.data[v * image.width + u]);
  const value = image.datatype === "F16" ? undefined : raw;
  const z = value === undefined ? Number.NaN : value / image.meter;
  const valid = z > 0 && Number.isFinite(z);
  let cameraPoint: Vec3 | undefined;
  let worldPoint: Vec3 | undefined;
  if (valid && pinhole) {
    const rdf = unprojectPixel(u, v, value as number, image.meter, pinhole);
    if (rdf) {
      cameraPoint = toCameraXyz(rdf, pinhole.cameraXyz);
      worldPoint = rdfToWorld([rdf[0], rdf[1], rdf[2]]);
    }
  }
  return {
    entity,
    u,
    v,
    value: valid ? value : undefined,
    depthMeters: valid ? z : undefined,
    cameraPoint,
    worldPoint,
  };
}

/** An RDF point in a pinhole's `cameraXyz` frame (what the readout shows). */
export function toCameraXyz(rdf: readonly [number, number, number], cameraXyz: string): Vec3 {
  if (cameraXyz === "RDF") return [rdf[0], rdf[1], rdf[2]];
  const m = rdfToCameraXyz(cameraXyz);
  const row = (i: number) =>
    (m[i] as number) * rdf[0] + (m[i + 1] as number) * rdf[1] + (m[i + 2] as number) * rdf[2];
  return [row(0), row(3), row(6)];
}
