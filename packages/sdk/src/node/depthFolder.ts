import { closeSync, existsSync, openSync, readdirSync, readFileSync, readSync, statSync } from "node:fs";
import { join } from "node:path";
import { EncodedImage, type Quaternion, ValidationError, type Vec3 } from "@depthroom/schema";
import { InputError } from "./inputError.ts";
import {
  checkIntrinsics,
  type Intrinsics,
  parseIntrinsicsMatrix,
  parseOpen3dIntrinsics,
} from "./layouts/intrinsics.ts";
import {
  parsePoseMatrix,
  poseFileFor,
  SEVEN_SCENES_DEPTH,
  SEVEN_SCENES_UNITS_PER_METRE,
} from "./layouts/sevenScenes.ts";
import {
  associateNearest,
  associatePoses,
  parseTumDepthList,
  parseTumGroundtruth,
  secondsToNs,
  TUM_UNITS_PER_METRE,
  tumIntrinsicsFromHeader,
} from "./layouts/tum.ts";
import { checkDepthPngHeader, decodeDepthPng, readPngHeader } from "./png.ts";

/*
 * A folder of 16-bit depth PNGs, in one of three layouts, checked up front: every frame's PNG header
 * (16-bit single channel, one size for all), the intrinsics and the poses. Frames are decoded one at a
 * time when streamed, so a long sequence never sits in memory.
 *
 * Colour beside depth is picked up when the folder has it (sent as the files' JPEG/PNG bytes, decoded by
 * the viewer): TUM `rgb.txt` / `rgb/<timestamp>.png|jpg` (each depth frame takes the colour image
 * nearest in time within 20 ms), 7-Scenes `frame-NNNNNN.color.png|jpg`, a plain folder's `color/`
 * subfolder (same file stem as the depth PNG, else in name order when the counts agree).
 */

export type DepthFolderLayout = "tum" | "7-scenes" | "plain";

export interface DepthFolderOptions {
  readonly fx?: number;
  readonly fy?: number;
  readonly cx?: number;
  readonly cy?: number;
  /** Units per metre of the stored values; default per layout (TUM 5000, 7-Scenes 1000, plain 1000). */
  readonly depthScale?: number;
}

export interface Pose {
  readonly translation: Vec3;
  readonly rotation: Quaternion;
}

export interface DepthFrameRef {
  /** Path to the PNG (the folder as given, joined with the file's name): for reading and for messages. */
  readonly path: string;
  /** Capture time from the layout (TUM), nanoseconds. */
  readonly timeNs?: bigint;
  /** Camera-to-world pose, when the folder has one for this frame. */
  readonly pose?: Pose;
  /** The colour image (JPEG or PNG) taken with this depth frame, when the folder has one. */
  readonly colorPath?: string;
}

export interface DepthFolder {
  readonly folder: string;
  readonly layout: DepthFolderLayout;
  readonly width: number;
  readonly height: number;
  readonly unitsPerMetre: number;
  readonly intrinsics: Intrinsics;
  readonly frames: readonly DepthFrameRef[];
  /** How many frames carry a pose. */
  readonly posedFrames: number;
  /** How many frames carry a colour image. */
  readonly colorFrames: number;
}

/** Look at a folder, work out its layout and check everything but the pixels; throws `InputError`. */
export function openDepthFolder(folder: string, options: DepthFolderOptions = {}): DepthFolder {
  if (!existsSync(folder)) throw new InputError("missing", `${folder}: no such folder`);
  if (!statSync(folder).isDirectory()) throw new InputError("missing", `${folder}: not a folder`);
  const names = readdirSync(folder);
  const flagged = intrinsicsFromFlags(options);
  let layout: DepthFolderLayout;
  let frames: DepthFrameRef[];
  let defaultScale: number;
  let layoutIntrinsics: Intrinsics | undefined;
  if (names.includes("depth.txt")) {
    layout = "tum";
    defaultScale = TUM_UNITS_PER_METRE;
    const listPath = join(folder, "depth.txt");
    const listText = readText(listPath);
    const list = parseTumDepthList(listText, listPath);
    layoutIntrinsics = tumIntrinsicsFromHeader(listText, listPath);
    const truthPath = join(folder, "groundtruth.txt");
    const poses = existsSync(truthPath) ? parseTumGroundtruth(readText(truthPath), truthPath) : [];
    const matched = associatePoses(
      list.map((f) => f.timeNs),
      poses,
    );
    const colors = associateNearest(
      list.map((f) => f.timeNs),
      tumColorList(folder, names),
    );
    frames = list.map((f, i) => {
      const path = join(folder, f.file);
      if (!existsSync(path))
        throw new InputError("missing", `${listPath}:${f.line}: ${f.file} does not exist`);
      const pose = matched[i];
      const color = colors[i];
      return {
        path,
        timeNs: f.timeNs,
        ...(pose ? { pose: { translation: pose.translation, rotation: pose.rotation } } : {}),
        ...(color ? { colorPath: color.path } : {}),
      };
    });
  } else if (names.some((n) => SEVEN_SCENES_DEPTH.test(n))) {
    layout = "7-scenes";
    defaultScale = SEVEN_SCENES_UNITS_PER_METRE;
    frames = names
      .filter((n) => SEVEN_SCENES_DEPTH.test(n))
      .sort(naturalOrder)
      .map((name) => {
        const path = join(folder, name);
        const posePath = join(folder, poseFileFor(name));
        const colorName = [".color.png", ".color.jpg"]
          .map((ext) => name.replace(/\.depth\.png$/, ext))
          .find((n) => names.includes(n));
        return {
          path,
          ...(existsSync(posePath) ? { pose: parsePoseMatrix(readText(posePath), posePath) } : {}),
          ...(colorName ? { colorPath: join(folder, colorName) } : {}),
        };
      });
  } else {
    layout = "plain";
    defaultScale = 1000;
    const depthNames = names.filter((n) => n.toLowerCase().endsWith(".png")).sort(naturalOrder);
    const colors = plainColorFiles(folder, names, depthNames);
    frames = depthNames.map((name, i) => {
      const colorPath = colors[i];
      return colorPath ? { path: join(folder, name), colorPath } : { path: join(folder, name) };
    });
    if (frames.length === 0) {
      throw new InputError(
        "missing",
        `${folder}: no depth PNGs (expected a TUM folder with depth.txt, 7-Scenes frame-NNNNNN.depth.png files, or *.png)`,
      );
    }
  }
  const { width, height } = checkFrameHeaders(frames);
  const intrinsics = flagged ?? intrinsicsFromFiles(folder, names) ?? layoutIntrinsics;
  if (!intrinsics) {
    throw new InputError(
      "data",
      `${folder}: no intrinsics: found no camera-intrinsics.txt or Open3D intrinsics JSON; pass --fx --fy --cx --cy`,
    );
  }
  const unitsPerMetre = options.depthScale ?? defaultScale;
  if (!(unitsPerMetre > 0) || !Number.isFinite(unitsPerMetre)) {
    throw new InputError("usage", `--depth-scale: expected units per metre > 0, got ${unitsPerMetre}`);
  }
  return {
    folder,
    layout,
    width,
    height,
    unitsPerMetre,
    intrinsics,
    frames,
    posedFrames: frames.filter((f) => f.pose).length,
    colorFrames: frames.filter((f) => f.colorPath).length,
  };
}

const COLOR_FILE = /\.(png|jpe?g)$/i;

/** TUM colour images with their times: from rgb.txt, else from rgb/<timestamp>.<ext> names; sorted by time. */
function tumColorList(folder: string, names: readonly string[]): { timeNs: bigint; path: string }[] {
  let list: { timeNs: bigint; path: string }[] = [];
  if (names.includes("rgb.txt")) {
    const listPath = join(folder, "rgb.txt");
    list = parseTumDepthList(readText(listPath), listPath, "colour images").map((f) => {
      const path = join(folder, f.file);
      if (!existsSync(path))
        throw new InputError("missing", `${listPath}:${f.line}: ${f.file} does not exist`);
      return { timeNs: f.timeNs, path };
    });
  } else if (names.includes("rgb") && statSync(join(folder, "rgb")).isDirectory()) {
    for (const name of readdirSync(join(folder, "rgb"))) {
      const timeNs = COLOR_FILE.test(name) ? secondsToNs(name.replace(COLOR_FILE, "")) : undefined;
      if (timeNs !== undefined) list.push({ timeNs, path: join(folder, "rgb", name) });
    }
  }
  return list.sort((a, b) => (a.timeNs < b.timeNs ? -1 : a.timeNs > b.timeNs ? 1 : 0));
}

/** A plain folder's colour/ images for its depth PNGs: by file stem, else by order when the counts agree. */
function plainColorFiles(
  folder: string,
  names: readonly string[],
  depthNames: readonly string[],
): (string | undefined)[] {
  const dir = ["color", "colour", "rgb"].find(
    (n) => names.includes(n) && statSync(join(folder, n)).isDirectory(),
  );
  if (!dir) return [];
  const colorNames = readdirSync(join(folder, dir))
    .filter((n) => COLOR_FILE.test(n))
    .sort(naturalOrder);
  const byStem = new Map(colorNames.map((n) => [n.replace(COLOR_FILE, ""), n]));
  const stem = (n: string) => n.replace(/\.png$/i, "");
  const matched = depthNames.map((n) => byStem.get(stem(n)));
  const found = matched.some((n) => n !== undefined)
    ? matched
    : colorNames.length === depthNames.length
      ? colorNames
      : [];
  return found.map((n) => (n === undefined ? undefined : join(folder, dir, n)));
}

/** The colour image of a frame as an EncodedImage (its file's bytes); throws `InputError`. */
export function readColorFrame(frame: DepthFrameRef): EncodedImage | undefined {
  if (!frame.colorPath) return undefined;
  let bytes: Uint8Array;
  try {
    bytes = readFileSync(frame.colorPath);
  } catch (error) {
    throw new InputError(
      "missing",
      `${frame.colorPath}: cannot read (${(error as NodeJS.ErrnoException).code ?? error})`,
    );
  }
  try {
    return new EncodedImage(new Uint8Array(bytes.buffer, bytes.byteOffset, bytes.byteLength));
  } catch (error) {
    if (error instanceof ValidationError) {
      throw new InputError("data", `${frame.colorPath}: not a JPEG or PNG file`);
    }
    throw error;
  }
}

/** Decode one frame; throws `InputError` if it is not 16-bit depth of the folder's size. */
export function readDepthFrame(folder: DepthFolder, frame: DepthFrameRef): Uint16Array {
  let bytes: Uint8Array;
  try {
    bytes = readFileSync(frame.path);
  } catch (error) {
    throw new InputError(
      "missing",
      `${frame.path}: cannot read (${(error as NodeJS.ErrnoException).code ?? error})`,
    );
  }
  const png = decodeDepthPng(bytes, frame.path);
  if (png.width !== folder.width || png.height !== folder.height) {
    throw new InputError(
      "data",
      `${frame.path}: ${png.width}x${png.height}, the stream is ${folder.width}x${folder.height} (images of different sizes in one stream)`,
    );
  }
  return png.data;
}

/** Read every frame's PNG header: all 16-bit single channel, all one size. */
function checkFrameHeaders(frames: readonly DepthFrameRef[]): { width: number; height: number } {
  let first: { width: number; height: number; path: string } | undefined;
  const head = new Uint8Array(33);
  for (const frame of frames) {
    let fd: number;
    try {
      fd = openSync(frame.path, "r");
    } catch (error) {
      throw new InputError(
        "missing",
        `${frame.path}: cannot read (${(error as NodeJS.ErrnoException).code ?? error})`,
      );
    }
    let n: number;
    try {
      n = readSync(fd, head, 0, head.length, 0);
    } finally {
      closeSync(fd);
    }
    const header = readPngHeader(head.subarray(0, n), frame.path);
    checkDepthPngHeader(header, frame.path);
    if (!first) first = { width: header.width, height: header.height, path: frame.path };
    else if (header.width !== first.width || header.height !== first.height) {
      throw new InputError(
        "data",
        `${frame.path}: ${header.width}x${header.height}, but ${first.path} is ${first.width}x${first.height} (images of different sizes in one stream)`,
      );
    }
  }
  if (!first) throw new InputError("missing", "no frames to stream");
  return { width: first.width, height: first.height };
}

function intrinsicsFromFlags(o: DepthFolderOptions): Intrinsics | undefined {
  const given = (["fx", "fy", "cx", "cy"] as const).filter((k) => o[k] !== undefined);
  if (given.length === 0) return undefined;
  if (given.length < 4) {
    const missing = (["fx", "fy", "cx", "cy"] as const)
      .filter((k) => o[k] === undefined)
      .map((k) => `--${k}`);
    throw new InputError("usage", `--fx --fy --cx --cy go together: missing ${missing.join(" ")}`);
  }
  return checkIntrinsics({
    fx: o.fx as number,
    fy: o.fy as number,
    cx: o.cx as number,
    cy: o.cy as number,
    source: "--fx --fy --cx --cy",
  });
}

function intrinsicsFromFiles(folder: string, names: readonly string[]): Intrinsics | undefined {
  if (names.includes("camera-intrinsics.txt")) {
    const path = join(folder, "camera-intrinsics.txt");
    return parseIntrinsicsMatrix(readText(path), path);
  }
  for (const name of names.filter((n) => n.endsWith(".json")).sort()) {
    const path = join(folder, name);
    const found = parseOpen3dIntrinsics(readText(path), path);
    if (found) return found;
  }
  return undefined;
}

function readText(path: string): string {
  try {
    return readFileSync(path, "utf8");
  } catch (error) {
    throw new InputError(
      "missing",
      `${path}: cannot read (${(error as NodeJS.ErrnoException).code ?? error})`,
    );
  }
}

const collator = new Intl.Collator("en", { numeric: true });
function naturalOrder(a: string, b: string): number {
  return collator.compare(a, b);
}
