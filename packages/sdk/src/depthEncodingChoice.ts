import {
  type DepthEncoding,
  type DepthImage,
  ENCODING_DATATYPE,
  medEncode,
  rvlEncode,
} from "@depthroom/schema";

/**
 * A producer's depth encoding: `rvl` or `med` for its U16 images, `float-deflate` for its F32 images,
 * `raw` for all, or `auto` (U16 measured per entity, F32 float-deflate). An image whose datatype the
 * named encoding does not carry goes as that datatype's default (RVL for U16, raw otherwise).
 */
export type DepthEncodingOption = DepthEncoding | "auto";

/** U16 frames of an entity that `auto` measures before it keeps one encoding. */
export const AUTO_TRIAL_FRAMES = 3;

/**
 * `auto`: for each entity, the first AUTO_TRIAL_FRAMES U16 frames are encoded both ways (RVL and
 * MED-deflate) and the smaller is sent; after them the encoding with the fewer bytes in total is kept
 * for that entity. Both are lossless, so the choice changes only the size. Not for non-U16 images
 * (sent raw) and not when a `log()` call names its own encoding.
 */
export class AutoDepthEncoding {
  private readonly trials = new Map<string, { frames: number; rvl: number; med: number }>();
  private readonly chosen = new Map<string, DepthEncoding>();

  pick(entityPath: string, image: DepthImage): DepthEncoding {
    const kept = this.chosen.get(entityPath);
    if (kept) return kept;
    const data = image.data as Uint16Array;
    const rvl = rvlEncode(data).length;
    const med = medEncode(data, image.width).length;
    const trial = this.trials.get(entityPath) ?? { frames: 0, rvl: 0, med: 0 };
    trial.frames++;
    trial.rvl += rvl;
    trial.med += med;
    if (trial.frames >= AUTO_TRIAL_FRAMES) {
      this.trials.delete(entityPath);
      this.chosen.set(entityPath, trial.med < trial.rvl ? "med" : "rvl");
    } else {
      this.trials.set(entityPath, trial);
    }
    return med < rvl ? "med" : "rvl";
  }

  /** What `auto` settled on per entity so far (entities still on trial are absent). */
  choices(): ReadonlyMap<string, DepthEncoding> {
    return this.chosen;
  }
}

/**
 * The encoding of one DepthImage when its `log()` call names none: the stream's option where it carries
 * the image's datatype, else RVL for U16 and raw for the rest. `auto` picks per entity for U16 and
 * float-deflate for F32 (lossless; on depth it was always smaller than raw, see the schema's bench).
 */
export function depthEncodingFor(
  entityPath: string,
  image: DepthImage,
  stream: DepthEncoding | AutoDepthEncoding | undefined,
): DepthEncoding {
  if (stream instanceof AutoDepthEncoding) {
    return image.datatype === "U16"
      ? stream.pick(entityPath, image)
      : image.datatype === "F32"
        ? "float-deflate"
        : "raw";
  }
  if (stream === "raw" || (stream !== undefined && ENCODING_DATATYPE[stream] === image.datatype))
    return stream;
  return image.defaultEncoding;
}
