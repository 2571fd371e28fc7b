/*
 * The default colormap range of a depth image: robust percentiles of the valid values (0 and NaN are
 * "no depth"), smoothed over time so the colours do not flicker from frame to frame. Pure functions;
 * the per-frame one reuses one scratch buffer.
 */

export interface DepthRange {
  readonly min: number;
  readonly max: number;
}

export interface RobustRangeOptions {
  /** Fraction of valid values below the range's minimum; default 0.01. */
  readonly lowPercentile?: number;
  /** Fraction of valid values below the range's maximum; default 0.99. */
  readonly highPercentile?: number;
  /** At most this many values are looked at (evenly strided); default 16384. */
  readonly maxSamples?: number;
}

let scratch = new Float32Array(0);

/** Percentile range of the valid values (> 0, finite) in stored units; undefined when none is valid. */
export function robustRange(
  values: ArrayLike<number>,
  options: RobustRangeOptions = {},
): DepthRange | undefined {
  const low = options.lowPercentile ?? 0.01;
  const high = options.highPercentile ?? 0.99;
  const maxSamples = options.maxSamples ?? 16384;
  const stride = Math.max(1, Math.ceil(values.length / maxSamples));
  const capacity = Math.ceil(values.length / stride);
  if (scratch.length < capacity) scratch = new Float32Array(capacity);
  let n = 0;
  for (let i = 0; i < values.length; i += stride) {
    const v = values[i] as number;
    if (v > 0 && v < Number.POSITIVE_INFINITY) scratch[n++] = v;
  }
  if (n === 0) return undefined;
  const sorted = scratch.subarray(0, n).sort();
  const min = sorted[Math.floor(low * (n - 1))] as number;
  const max = sorted[Math.ceil(high * (n - 1))] as number;
  return max > min ? { min, max } : { min, max: min + Math.max(Math.abs(min) * 1e-3, 1e-6) };
}

export interface SmoothingOptions {
  /** Time constant of the exponential smoothing, ms; default 600. */
  readonly timeConstantMs?: number;
  /** Changes smaller than this fraction of the current span are ignored; default 0.03. */
  readonly deadBand?: number;
}

/**
 * The displayed range after a new frame's robust range arrives `elapsedMs` after the previous one:
 * the first range is taken as is; later ones move the displayed range towards them smoothly, and small
 * wobbles inside the dead band change nothing (the same object is returned, so callers can skip work).
 */
export function smoothRange(
  previous: DepthRange | undefined,
  next: DepthRange | undefined,
  elapsedMs: number,
  options: SmoothingOptions = {},
): DepthRange | undefined {
  if (!next) return previous;
  if (!previous) return next;
  const span = previous.max - previous.min;
  const deadBand = (options.deadBand ?? 0.03) * span;
  if (Math.abs(next.min - previous.min) <= deadBand && Math.abs(next.max - previous.max) <= deadBand) {
    return previous;
  }
  const alpha = 1 - Math.exp(-Math.max(0, elapsedMs) / (options.timeConstantMs ?? 600));
  const min = previous.min + (next.min - previous.min) * alpha;
  const max = previous.max + (next.max - previous.max) * alpha;
  return max > min ? { min, max } : previous;
}
