import type { ProgressOutput } from "./progress.ts";

/** What a command may touch: its output streams, the environment, and Ctrl-C. */
export interface CliContext {
  readonly stdout: ProgressOutput;
  readonly stderr: ProgressOutput;
  readonly env: Readonly<Record<string, string | undefined>>;
  /** Aborted on SIGINT/SIGTERM: commands stop, flush and return `Interrupted`. */
  readonly signal: AbortSignal;
}

/**
 * Resolve after `ms` (at least one turn of the event loop, so socket acks get in between frames), or
 * at once when `signal` aborts.
 */
export function sleep(ms: number, signal: AbortSignal): Promise<void> {
  return new Promise((resolve) => {
    if (signal.aborted) return resolve();
    const timer = setTimeout(done, Math.max(0, ms));
    function done() {
      clearTimeout(timer);
      signal.removeEventListener("abort", done);
      resolve();
    }
    signal.addEventListener("abort", done, { once: true });
  });
}

/**
 * Pace a loop at `fps`: wait until the next frame is due. After a stall (a slow disk) it never bursts
 * to catch up: frames keep at least half an interval apart, as a camera's would.
 */
export class Pacer {
  private due = performance.now();
  constructor(private readonly intervalMs: number) {}

  wait(signal: AbortSignal): Promise<void> {
    const now = performance.now();
    this.due = Math.max(this.due + this.intervalMs, now + this.intervalMs / 2);
    return sleep(this.due - now, signal);
  }
}
