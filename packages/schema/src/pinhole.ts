import { z } from "zod";
import type { Decoder, Encoder } from "./binary.ts";
import { DecodeError, ValidationError } from "./errors.ts";
import {
  DISTORTION_MODELS,
  type DistortionModel,
  distortionModelOfId,
  type LensDistortion,
  lensDistortionSchema,
} from "./lensDistortion.ts";
import { parseOrThrow } from "./validate.ts";

/**
 * Pinhole: a camera's intrinsics, as Rerun's `Pinhole` archetype. `imageFromCamera` is the 3x3 matrix
 * K = [[fx, 0, cx], [0, fy, cy], [0, 0, 1]] stored column-major, as Rerun stores it:
 * `[fx, 0, 0, 0, fy, 0, cx, cy, 1]`. `distortion` is the lens's optional distortion (lensDistortion.ts).
 *
 * Body versions: 1 is the plain pinhole; 2 adds the distortion. A pinhole without distortion is still
 * written as version 1 (byte for byte as before), so only a pinhole with distortion is refused by an
 * older reader, by name (`unsupported-version`, "Pinhole version 2"), never misread.
 */
export const PINHOLE_VERSION = 2;

/**
 * View coordinates: three letters for the directions of +X, +Y, +Z (Rerun's `ViewCoordinates`):
 * U(p) D(own) R(ight) L(eft) F(orward) B(ack). The default RDF is x right, y down, z forward.
 */
export type ViewCoordinates = string;
const DIRECTION_IDS = { U: 1, D: 2, R: 3, L: 4, F: 5, B: 6 } as const;
const DIRECTION_LETTERS = ["", "U", "D", "R", "L", "F", "B"] as const;
type Direction = keyof typeof DIRECTION_IDS;

export function isViewCoordinates(xyz: unknown): xyz is ViewCoordinates {
  if (typeof xyz !== "string" || !/^[UDRLFB]{3}$/.test(xyz)) return false;
  const axes = new Set(
    [...xyz].map((c) => (c === "U" || c === "D" ? "v" : c === "R" || c === "L" ? "h" : "d")),
  );
  return axes.size === 3;
}

/** Unit vector of each camera axis letter in RDF terms (x right, y down, z forward). */
const RDF_VECTORS: Record<Direction, [number, number, number]> = {
  R: [1, 0, 0],
  L: [-1, 0, 0],
  D: [0, 1, 0],
  U: [0, -1, 0],
  F: [0, 0, 1],
  B: [0, 0, -1],
};

/**
 * The 3x3 matrix (row-major) taking a point in RDF to the camera's `cameraXyz` frame. Row i is the RDF
 * direction of camera axis i, so `p_cam[i] = dot(dir_i, p_rdf)`.
 */
export function rdfToCameraXyz(cameraXyz: ViewCoordinates): number[] {
  return [...cameraXyz].flatMap((c) => RDF_VECTORS[c as Direction]);
}

export const PINHOLE_DEFAULTS = { cameraXyz: "RDF" } as const;

const finite = z.number();
export const pinholeSchema = z.object({
  imageFromCamera: z
    .array(finite)
    .length(9)
    .refine((m) => (m[0] as number) > 0 && (m[4] as number) > 0, "focal lengths fx and fy must be > 0"),
  resolution: z.tuple([z.number().positive(), z.number().positive()]).optional(),
  cameraXyz: z.string().refine(isViewCoordinates, "not a view-coordinates triple like RDF").optional(),
  imagePlaneDistance: z.number().positive().optional(),
  distortion: lensDistortionSchema.optional(),
});
export type PinholeOptions = z.input<typeof pinholeSchema>;

export class Pinhole {
  readonly kind = "Pinhole";
  readonly imageFromCamera: readonly number[];
  readonly resolution: readonly [number, number] | undefined;
  readonly cameraXyz: ViewCoordinates;
  readonly imagePlaneDistance: number | undefined;
  readonly distortion: LensDistortion | undefined;

  /** From the column-major K matrix; throws `ValidationError`. */
  constructor(options: PinholeOptions) {
    const o = parseOrThrow(pinholeSchema, options, "Pinhole");
    this.imageFromCamera = o.imageFromCamera;
    this.resolution = o.resolution;
    this.cameraXyz = o.cameraXyz ?? PINHOLE_DEFAULTS.cameraXyz;
    this.imagePlaneDistance = o.imagePlaneDistance;
    this.distortion = o.distortion;
  }

  /** As Rerun's `Pinhole(width=, height=, focal_length=)`: principal point at the image centre. */
  static fromFocalLength(options: {
    width: number;
    height: number;
    focalLength: number | readonly [number, number];
    principalPoint?: readonly [number, number];
    cameraXyz?: ViewCoordinates;
    imagePlaneDistance?: number;
    distortion?: LensDistortion;
  }): Pinhole {
    const [fx, fy] =
      typeof options.focalLength === "number"
        ? [options.focalLength, options.focalLength]
        : options.focalLength;
    const [cx, cy] = options.principalPoint ?? [options.width / 2, options.height / 2];
    return Pinhole.fromIntrinsics({ ...options, fx, fy, cx, cy });
  }

  /** From fx, fy, cx, cy (pixels) and the resolution. */
  static fromIntrinsics(options: {
    fx: number;
    fy: number;
    cx: number;
    cy: number;
    width?: number;
    height?: number;
    cameraXyz?: ViewCoordinates;
    imagePlaneDistance?: number;
    distortion?: LensDistortion;
  }): Pinhole {
    const { fx, fy, cx, cy, width, height, cameraXyz, imagePlaneDistance, distortion } = options;
    return new Pinhole({
      imageFromCamera: [fx, 0, 0, 0, fy, 0, cx, cy, 1],
      resolution: width !== undefined && height !== undefined ? [width, height] : undefined,
      cameraXyz,
      imagePlaneDistance,
      distortion,
    });
  }

  get fx(): number {
    return this.imageFromCamera[0] as number;
  }
  get fy(): number {
    return this.imageFromCamera[4] as number;
  }
  get cx(): number {
    return this.imageFromCamera[6] as number;
  }
  get cy(): number {
    return this.imageFromCamera[7] as number;
  }
}

/*
 * Wire body (see PROTOCOL.md):
 *   9 x f64 imageFromCamera (column-major), u8 cameraXyz[3], u8 flags (bit 0 resolution, bit 1 imagePlaneDistance,
 *   bit 2 distortion: version 2 only), [f64 width, f64 height], [f64 imagePlaneDistance],
 *   [u8 model, u8 count, count x f64 coefficients]
 */
const FLAG_RESOLUTION = 1;
const FLAG_IMAGE_PLANE = 2;
const FLAG_DISTORTION = 4;

/** The body version `writePinhole` writes for this pinhole: 2 with a distortion, else 1. */
export function pinholeBodyVersion(p: Pinhole): 1 | 2 {
  return p.distortion ? 2 : 1;
}

export function writePinhole(enc: Encoder, p: Pinhole): void {
  for (const v of p.imageFromCamera) enc.f64(v);
  for (const c of p.cameraXyz) enc.u8(DIRECTION_IDS[c as Direction]);
  enc.u8(
    (p.resolution ? FLAG_RESOLUTION : 0) |
      (p.imagePlaneDistance !== undefined ? FLAG_IMAGE_PLANE : 0) |
      (p.distortion ? FLAG_DISTORTION : 0),
  );
  if (p.resolution) {
    enc.f64(p.resolution[0]);
    enc.f64(p.resolution[1]);
  }
  if (p.imagePlaneDistance !== undefined) enc.f64(p.imagePlaneDistance);
  if (p.distortion) {
    enc.u8(DISTORTION_MODELS[p.distortion.model].id);
    enc.u8(p.distortion.coefficients.length);
    for (const c of p.distortion.coefficients) enc.f64(c);
  }
}

/** Read a Pinhole body of `version` (1 or 2, from the message header); throws `DecodeError`. */
export function readPinhole(dec: Decoder, version = PINHOLE_VERSION): Pinhole {
  const imageFromCamera: number[] = [];
  for (let i = 0; i < 9; i++) imageFromCamera.push(dec.f64("Pinhole.imageFromCamera"));
  let cameraXyz = "";
  for (let i = 0; i < 3; i++) cameraXyz += DIRECTION_LETTERS[dec.u8("Pinhole.cameraXyz")] ?? "?";
  const flags = dec.u8("Pinhole.flags");
  const known = FLAG_RESOLUTION | FLAG_IMAGE_PLANE | (version >= 2 ? FLAG_DISTORTION : 0);
  if (flags & ~known) {
    throw new DecodeError("invalid-field", "Pinhole.flags", `unknown flags ${flags}`);
  }
  const resolution: [number, number] | undefined =
    flags & FLAG_RESOLUTION ? [dec.f64("Pinhole.resolution"), dec.f64("Pinhole.resolution")] : undefined;
  const imagePlaneDistance = flags & FLAG_IMAGE_PLANE ? dec.f64("Pinhole.imagePlaneDistance") : undefined;
  const distortion = flags & FLAG_DISTORTION ? readDistortion(dec) : undefined;
  try {
    return new Pinhole({ imageFromCamera, resolution, cameraXyz, imagePlaneDistance, distortion });
  } catch (error) {
    if (error instanceof ValidationError) throw new DecodeError("invalid-field", error.field, error.message);
    throw error;
  }
}

function readDistortion(dec: Decoder): LensDistortion {
  const id = dec.u8("Pinhole.distortion.model");
  const model: DistortionModel | undefined = distortionModelOfId(id);
  if (!model) throw new DecodeError("invalid-field", "Pinhole.distortion.model", `unknown model ${id}`);
  const count = dec.u8("Pinhole.distortion.coefficients");
  const expected = DISTORTION_MODELS[model].coefficients.length;
  if (count !== expected) {
    throw new DecodeError(
      "invalid-field",
      "Pinhole.distortion.coefficients",
      `${model} takes ${expected} coefficients, got ${count}`,
    );
  }
  const coefficients: number[] = [];
  for (let i = 0; i < count; i++) coefficients.push(dec.f64("Pinhole.distortion.coefficients"));
  return { model, coefficients };
}
