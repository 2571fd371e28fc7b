import { readdirSync, readFileSync } from "node:fs";
import { decode } from "fast-png";

/** The real depth frames shipped in data/samples/, decoded (test and bench helper; Node only). */
export interface SampleSet {
  readonly name: string;
  readonly unitsPerMetre: number;
  readonly frames: readonly { file: string; width: number; height: number; depth: Uint16Array }[];
}

const samplesDir = new URL("../../../data/samples/", import.meta.url);

export function loadPng16(path: URL | string): { width: number; height: number; depth: Uint16Array } {
  const png = decode(readFileSync(path));
  if (png.depth !== 16 || png.channels !== 1) {
    throw new Error(
      `${String(path)}: expected 16-bit single-channel PNG, got ${png.depth}-bit x ${png.channels}`,
    );
  }
  return { width: png.width, height: png.height, depth: png.data as Uint16Array };
}

function loadSet(folder: string, name: string, unitsPerMetre: number): SampleSet {
  const dir = new URL(`${folder}/`, samplesDir);
  const files = readdirSync(dir)
    .filter((f) => f.endsWith(".png"))
    .sort();
  return { name, unitsPerMetre, frames: files.map((file) => ({ file, ...loadPng16(new URL(file, dir)) })) };
}

/** The TUM fr2 sample's depth camera (640 x 480, the Kinect v1 defaults), as the tests and benches log it. */
export const TUM_INTRINSICS = { fx: 525, fy: 525, cx: 319.5, cy: 239.5, width: 640, height: 480 };

/** The Azure Kinect sample's depth camera (its frames are 320 x 288), as the tests and benches log it. */
export const AZURE_INTRINSICS = { fx: 252.4, fy: 252.6, cx: 160.2, cy: 143.9, width: 320, height: 288 };

export function loadSampleSets(): SampleSet[] {
  return [
    loadSet("tum-fr2/depth", "TUM fr2 (Kinect v1)", 5000),
    loadSet("azure-kinect", "Azure Kinect (ToF)", 1000),
  ];
}
