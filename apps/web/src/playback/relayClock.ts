import type { Health } from "@depthroom/schema";

/*
 * The relay's clock, as seen from this page. Everyone in a review room computes the cursor from the
 * shared `playback` anchor (a wall time) and "now": if each page used its own `Date.now()`, two people
 * whose system clocks differ by 2 s would be 2 s apart. So every page estimates its offset to the relay's
 * clock (`serverTimeMs` of `GET /healthz`) NTP-style and writes and reads anchors in relay time.
 */

/** One round trip: this page's clock when the request left and when the answer came, the relay's between. */
export interface ClockSample {
  readonly sentMs: number;
  readonly serverMs: number;
  readonly receivedMs: number;
}

export interface ClockEstimate {
  /** Add to this page's `Date.now()` to get the relay's time. */
  readonly offsetMs: number;
  /** Round trip of the sample used: the offset is off by at most half of it. */
  readonly rttMs: number;
}

/**
 * NTP-style: of several samples keep the one with the smallest round trip (the least queueing, so the
 * least asymmetry), and take the relay's time as the midpoint of that trip: offset = server - midpoint.
 * Samples with a negative round trip (the local clock stepped back) or non-finite numbers are ignored.
 * Undefined when no sample is usable.
 */
export function estimateClockOffset(samples: readonly ClockSample[]): ClockEstimate | undefined {
  let best: ClockEstimate | undefined;
  for (const s of samples) {
    if (![s.sentMs, s.serverMs, s.receivedMs].every(Number.isFinite)) continue;
    const rttMs = s.receivedMs - s.sentMs;
    if (rttMs < 0) continue;
    if (!best || rttMs < best.rttMs) best = { offsetMs: s.serverMs - (s.sentMs + rttMs / 2), rttMs };
  }
  return best;
}

/** Samples per estimate, and how often the offset is estimated again (clocks drift, NTP steps them). */
const SAMPLES = 5;
const REESTIMATE_MS = 60_000;
const RETRY_MS = 5_000;

export interface RelayClockStats {
  /** The current offset (relay - local, ms), null before the first estimate. */
  readonly clockOffsetMs: number | null;
  readonly clockRttMs: number | null;
  readonly clockEstimates: number;
}

/** The relay's time from this page: `now()` is this page's `Date.now()` plus the latest estimated offset. */
export class RelayClock {
  private estimate: ClockEstimate | undefined;
  private estimates = 0;
  private timer: ReturnType<typeof setTimeout> | undefined;
  private closed = false;
  private readonly abort = new AbortController();

  constructor(private readonly relayUrl: string) {
    void this.run();
  }

  /** The relay's time now (ms since the epoch); this page's clock until the first estimate. */
  now(): number {
    return this.toRelay(Date.now());
  }

  /** A time of this page's clock in relay time. */
  toRelay(localMs: number): number {
    return localMs + (this.estimate?.offsetMs ?? 0);
  }

  stats(): RelayClockStats {
    return {
      clockOffsetMs: this.estimate?.offsetMs ?? null,
      clockRttMs: this.estimate?.rttMs ?? null,
      clockEstimates: this.estimates,
    };
  }

  private async sample(): Promise<ClockSample | undefined> {
    const sentMs = Date.now();
    const response = await fetch(`${this.relayUrl}/healthz`, {
      cache: "no-store",
      signal: this.abort.signal,
    });
    const health = (await response.json()) as Partial<Health>;
    const receivedMs = Date.now();
    if (typeof health.serverTimeMs !== "number") return undefined;
    return { sentMs, serverMs: health.serverTimeMs, receivedMs };
  }

  private async run(): Promise<void> {
    let next = REESTIMATE_MS;
    try {
      const samples: ClockSample[] = [];
      for (let i = 0; i < SAMPLES && !this.closed; i++) {
        const s = await this.sample();
        if (s) samples.push(s);
      }
      const estimate = estimateClockOffset(samples);
      if (estimate) {
        this.estimate = estimate;
        this.estimates++;
      } else next = RETRY_MS;
    } catch {
      // The relay is unreachable now (the feed reports that): keep the last estimate, try again soon.
      next = RETRY_MS;
    }
    if (!this.closed) this.timer = setTimeout(() => void this.run(), next);
  }

  close(): void {
    this.closed = true;
    if (this.timer) clearTimeout(this.timer);
    this.abort.abort();
  }
}
