import type { ProgressOutput } from "./progress.ts";

/**
 * A progress bar for a transfer of known size on stderr: `uploading [#####.....] 52% 12.3/23.6 MB
 * 8.1 MB/s` (or messages), rewritten in place on a terminal (4 times a second), a line every 5 s otherwise, nothing
 * when quiet.
 */
export class ByteProgress {
  private readonly startedAt: number;
  private lastAt = Number.NEGATIVE_INFINITY;
  private shown = false;
  private readonly intervalMs: number;

  constructor(
    private readonly out: ProgressOutput,
    private readonly quiet: boolean,
    private readonly label: string,
    private readonly total: number,
    private readonly unit: "bytes" | "messages" = "bytes",
    private readonly now: () => number = () => performance.now(),
  ) {
    this.startedAt = now();
    this.intervalMs = out.isTTY ? 250 : 5000;
  }

  update(done: number, force = false): void {
    if (this.quiet) return;
    const t = this.now();
    if (!force && t - this.lastAt < this.intervalMs) return;
    this.lastAt = t;
    const line = formatProgressBar(this.label, done, this.total, (t - this.startedAt) / 1000, this.unit);
    if (this.out.isTTY) {
      this.out.write(`\r\x1b[K${line}`);
      this.shown = true;
    } else {
      this.out.write(`${line}\n`);
    }
  }

  /** Clear the live line (the caller prints its summary). */
  finish(): void {
    if (this.quiet || !this.shown) return;
    this.out.write("\r\x1b[K");
    this.shown = false;
  }
}

export function formatProgressBar(
  label: string,
  done: number,
  total: number,
  seconds: number,
  unit: "bytes" | "messages" = "bytes",
): string {
  const fraction = total > 0 ? Math.min(1, done / total) : 1;
  const width = 20;
  const filled = Math.round(fraction * width);
  const bar = `${label} [${"#".repeat(filled)}${".".repeat(width - filled)}] ${Math.floor(fraction * 100)}%`;
  // A rate over less than a fifth of a second says nothing.
  const rate = seconds >= 0.2 ? done / seconds : 0;
  if (unit === "messages") return `${bar} ${done}/${total} messages ${rate.toFixed(0)}/s`;
  const mb = (n: number) => (n / 1e6).toFixed(1);
  return `${bar} ${mb(done)}/${mb(total)} MB ${(rate / 1e6).toFixed(1)} MB/s`;
}
