/** What the progress line shows: cumulative counts since the start. */
export interface ProgressCounts {
  readonly frames: number;
  readonly bytes: number;
  readonly dropped: number;
}

export interface ProgressOutput {
  write(text: string): unknown;
  readonly isTTY?: boolean;
}

/**
 * The progress line on stderr: rewritten in place on a terminal (4 times a second), one line every
 * 5 s otherwise (logs), nothing with `--quiet`. Rates are over the time since the previous line.
 */
export class ProgressLine {
  private readonly startedAt: number;
  private lastAt: number;
  private last: ProgressCounts = { frames: 0, bytes: 0, dropped: 0 };
  private shown = false;
  private readonly intervalMs: number;

  constructor(
    private readonly out: ProgressOutput,
    private readonly quiet: boolean,
    private readonly now: () => number = () => performance.now(),
  ) {
    this.startedAt = now();
    this.lastAt = this.startedAt;
    this.intervalMs = out.isTTY ? 250 : 5000;
  }

  update(counts: ProgressCounts): void {
    if (this.quiet) return;
    const t = this.now();
    if (t - this.lastAt < this.intervalMs) return;
    const line = formatProgress(counts, this.last, (t - this.lastAt) / 1000);
    this.last = counts;
    this.lastAt = t;
    if (this.out.isTTY) {
      this.out.write(`\r\x1b[K${line}`);
      this.shown = true;
    } else {
      this.out.write(`${line}\n`);
    }
  }

  /** Clear the live line and print the summary (unless quiet). */
  finish(counts: ProgressCounts, verb = "sent"): void {
    if (this.quiet) return;
    if (this.shown) this.out.write("\r\x1b[K");
    const seconds = Math.max(1e-3, (this.now() - this.startedAt) / 1000);
    this.out.write(
      `${verb} ${counts.frames} frames in ${seconds.toFixed(1)} s (${(counts.frames / seconds).toFixed(1)} fps, ` +
        `${(counts.bytes / seconds / 1e6).toFixed(2)} MB/s), ${counts.dropped} dropped\n`,
    );
  }
}

export function formatProgress(now: ProgressCounts, before: ProgressCounts, seconds: number): string {
  const fps = (now.frames - before.frames) / seconds;
  const mbps = (now.bytes - before.bytes) / seconds / 1e6;
  return `frames ${now.frames}  ${fps.toFixed(1)} fps  ${mbps.toFixed(2)} MB/s  dropped ${now.dropped}`;
}
