import {
  type DepthEncoding,
  type DepthImage,
  ENCODING_DATATYPE,
  loadUpZstdEncoder,
  medEncode,
  rvlEncode,
  upZstdEncode,
  upZstdEncoderLoaded,
} from "@depthroom/schema";

/**
 * A producer's depth encoding: `rvl`, `med` or `up-zstd` for its U16 images, `float-deflate` for its
 * F32 images, `raw` for all, or `auto` (U16 measured per entity, F32 float-deflate). An image whose
 * datatype the named encoding does not carry goes as that datatype's default (RVL for U16, raw
 * otherwise).
 */
export type DepthEncodingOption = DepthEncoding | "auto";

/** U16 frames of an entity that `auto` measures before it keeps one encoding. */
export const AUTO_TRIAL_FRAMES = 3;

/**
 * A frame whose smallest encoding is under this fraction of its raw bytes (a blank frame: no valid
 * pixel, as depth cameras often send first) says nothing about the entity's depth: `auto` sends it as
 * its smallest but does not count it as a trial frame.
 */
export const AUTO_UNINFORMATIVE_FRACTION = 0.01;

/**
 * Uninformative frames of an entity after which `auto` settles anyway, on the fewest bytes over all the
 * frames it measured: an entity whose every frame is that small (synthetic, noise-free depth) would
 * otherwise pay every encoder on every frame.
 */
export const AUTO_UNINFORMATIVE_FRAMES = 30;

/** The lossless U16 encodings `auto` measures, each frame's size by its encoder. */
const CANDIDATES = ["rvl", "med", "up-zstd"] as const;
type Candidate = (typeof CANDIDATES)[number];

/**
 * up-zstd's encoder is WebAssembly, loaded asynchronously (started by the first `auto` or `up-zstd`
 * stream): "loading" until then, "failed" if it cannot load (then it is never chosen).
 */
let upZstdState: "idle" | "loading" | "ready" | "failed" = "idle";

function upZstdUsable(): boolean {
  if (upZstdState === "idle") {
    upZstdState = "loading";
    loadUpZstdEncoder().then(
      () => {
        upZstdState = "ready";
      },
      () => {
        upZstdState = "failed";
      },
    );
  }
  return upZstdEncoderLoaded();
}

/**
 * `auto`: for each entity, the first AUTO_TRIAL_FRAMES U16 frames are encoded every way (RVL,
 * MED-deflate, up-zstd) and the smallest is sent; after them the encoding with the fewest bytes in
 * total is kept for that entity. All are lossless, so the choice changes only the size. Frames logged
 * while up-zstd's encoder is still loading (the first milliseconds of a process) are sent as the
 * smaller of RVL and MED and are not trial frames; nor are frames whose smallest encoding is under 1 %
 * of their raw bytes: blank ones (under 1 % of pixels valid) never count (RVL's few bytes would
 * otherwise lock the entity on RVL), others until AUTO_UNINFORMATIVE_FRAMES of them, when it keeps the
 * fewest bytes over all it measured. Not for
 * non-U16 images (sent raw) and not when a `log()` call names its own encoding.
 */
export class AutoDepthEncoding {
  private readonly trials = new Map<
    string,
    { frames: number; uninformative: number; bytes: Record<Candidate, number> }
  >();
  private readonly chosen = new Map<string, DepthEncoding>();

  constructor() {
    upZstdUsable();
  }

  pick(entityPath: string, image: DepthImage): DepthEncoding {
    const kept = this.chosen.get(entityPath);
    if (kept) return kept;
    const data = image.data as Uint16Array;
    const sizes: Record<Candidate, number> = {
      rvl: rvlEncode(data).length,
      med: medEncode(data, image.width).length,
      "up-zstd": upZstdUsable() ? upZstdEncode(data, image.width).length : Number.POSITIVE_INFINITY,
    };
    const best = smallest(sizes);
    if (upZstdState === "loading" && !upZstdEncoderLoaded()) return best;
    const trial = this.trials.get(entityPath) ?? {
      frames: 0,
      uninformative: 0,
      bytes: { rvl: 0, med: 0, "up-zstd": 0 },
    };
    if (sizes[best] < AUTO_UNINFORMATIVE_FRACTION * data.byteLength) {
      // A blank frame (under 1 % of its pixels valid: a camera starting up) is never counted; a small
      // frame of valid depth counts toward AUTO_UNINFORMATIVE_FRAMES.
      if (validPixels(data) < AUTO_UNINFORMATIVE_FRACTION * data.length) return best;
      trial.uninformative++;
    } else trial.frames++;
    for (const c of CANDIDATES) trial.bytes[c] += sizes[c];
    if (trial.frames >= AUTO_TRIAL_FRAMES || trial.uninformative >= AUTO_UNINFORMATIVE_FRAMES) {
      this.trials.delete(entityPath);
      this.chosen.set(entityPath, smallest(trial.bytes));
    } else {
      this.trials.set(entityPath, trial);
    }
    return best;
  }

  /** What `auto` settled on per entity so far (entities still on trial are absent). */
  choices(): ReadonlyMap<string, DepthEncoding> {
    return this.chosen;
  }
}

/** Non-zero pixels (0 is "no depth"). */
function validPixels(data: Uint16Array): number {
  let valid = 0;
  for (let i = 0; i < data.length; i++) if (data[i] !== 0) valid++;
  return valid;
}

/** The candidate of fewest bytes (the earlier in CANDIDATES on a tie: RVL is what other tools read). */
function smallest(sizes: Record<Candidate, number>): Candidate {
  let best: Candidate = "rvl";
  for (const c of CANDIDATES) if (sizes[c] < sizes[best]) best = c;
  return best;
}

/**
 * The encoding of one DepthImage when its `log()` call names none: the stream's option where it carries
 * the image's datatype, else RVL for U16 and raw for the rest. `auto` picks per entity for U16 and
 * float-deflate for F32 (lossless; on depth it was always smaller than raw, see the schema's bench).
 * `up-zstd` before its encoder has loaded (the first milliseconds of a process) sends MED-deflate.
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
  if (stream === "up-zstd" && image.datatype === "U16" && !upZstdUsable()) return "med";
  if (stream === "raw" || (stream !== undefined && ENCODING_DATATYPE[stream] === image.datatype))
    return stream;
  return image.defaultEncoding;
}
