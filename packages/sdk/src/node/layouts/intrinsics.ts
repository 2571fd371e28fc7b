import { InputError } from "../inputError.ts";

/** Pinhole intrinsics in pixels, and where they came from (for the CLI's report). */
export interface Intrinsics {
  readonly fx: number;
  readonly fy: number;
  readonly cx: number;
  readonly cy: number;
  readonly source: string;
}

/** Parse whitespace-separated numbers as a rows x cols matrix (row-major); throws `InputError`. */
export function parseMatrix(text: string, rows: number, cols: number, where: string): number[][] {
  const tokens = text.trim().split(/\s+/).filter(Boolean);
  if (tokens.length !== rows * cols) {
    throw new InputError(
      "data",
      `${where}: expected a ${rows}x${cols} matrix (${rows * cols} numbers), found ${tokens.length}`,
    );
  }
  const numbers = tokens.map(Number);
  const bad = tokens.findIndex((_, i) => !Number.isFinite(numbers[i]));
  if (bad >= 0) throw new InputError("data", `${where}: "${tokens[bad]}" is not a number`);
  return Array.from({ length: rows }, (_, r) => numbers.slice(r * cols, r * cols + cols));
}

/** Check that fx, fy > 0 and cx, cy are finite; throws `InputError` naming the source. */
export function checkIntrinsics(k: Intrinsics): Intrinsics {
  for (const name of ["fx", "fy", "cx", "cy"] as const) {
    if (!Number.isFinite(k[name])) throw new InputError("data", `${k.source}: ${name} is not a number`);
  }
  if (k.fx <= 0 || k.fy <= 0)
    throw new InputError("data", `${k.source}: focal lengths must be > 0 (fx ${k.fx}, fy ${k.fy})`);
  return k;
}

/** `camera-intrinsics.txt` (tsdf-fusion / 3DMatch): the 3x3 K matrix, row-major. */
export function parseIntrinsicsMatrix(text: string, where: string): Intrinsics {
  const k = parseMatrix(text, 3, 3, where);
  const [r0, r1, r2] = k as [number[], number[], number[]];
  if (r0[1] !== 0 || r1[0] !== 0 || r2[0] !== 0 || r2[1] !== 0 || r2[2] !== 1) {
    throw new InputError("data", `${where}: not a camera matrix [[fx 0 cx] [0 fy cy] [0 0 1]]`);
  }
  return checkIntrinsics({
    fx: r0[0] as number,
    fy: r1[1] as number,
    cx: r0[2] as number,
    cy: r1[2] as number,
    source: where,
  });
}

/**
 * Open3D's `PinholeCameraIntrinsic` JSON (`{ width, height, intrinsic_matrix: [9 numbers, column-major] }`);
 * undefined when the JSON is something else, `InputError` when it is one but malformed.
 */
export function parseOpen3dIntrinsics(text: string, where: string): Intrinsics | undefined {
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch {
    return undefined;
  }
  if (typeof json !== "object" || json === null || !("intrinsic_matrix" in json)) return undefined;
  const m = (json as { intrinsic_matrix: unknown }).intrinsic_matrix;
  if (!Array.isArray(m) || m.length !== 9 || m.some((v) => typeof v !== "number")) {
    throw new InputError("data", `${where}: intrinsic_matrix must be 9 numbers`);
  }
  return checkIntrinsics({ fx: m[0], fy: m[4], cx: m[6], cy: m[7], source: where });
}
