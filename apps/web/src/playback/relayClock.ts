import type { Health } from "@depthroom/schema";

/*
 * The relay's clock, as seen from this page. Everyone in a review room computes the cursor from the
 * shared `playback` anchor (a wall time) and "now": if each page used its own `Date.now()`, two people
 * whose system clocks differ by 2 s would be 2 s apart. So every page estimates its offset to the relay's
 * clock (`serverTimeMs` of `GET /healthz`) from round trips and writes and reads anchors in relay time.
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
  /** The smallest round trip of the samples. */
  readonly rttMs: number;
}

/**
 * The page's offset to the relay's clock, from round trips. A sample bounds the offset: the relay read
 * its clock between the request leaving and the answer coming back, so the offset lies in
 * [server - received, server - sent]. The bounds of all samples are intersected: when zero lies in that
 * interval the page's clock agrees with the relay's as far as can be measured (the same machine, or
 * NTP-synced machines) and is not corrected at all, so measurement noise never puts two such pages apart;
 * otherwise the offset is the interval's middle (off by at most half the smallest round trip).
 * If the intervals do not meet (a clock stepped between samples), the sample with the smallest round
 * trip decides alone. Samples with a negative round trip (the local clock stepped back) or non-finite
 * numbers are ignored. Undefined when no sample is usable.
 */
export function estimateClockOffset(samples: readonly ClockSample[]): ClockEstimate | undefined {
  let lo = Number.NEGATIVE_INFINITY;
  let hi = Number.POSITIVE_INFINITY;
  let quickest: ClockSample | undefined;
  for (const s of samples) {
    if (![s.sentMs, s.serverMs, s.receivedMs].every(Number.isFinite)) continue;
    if (s.receivedMs < s.sentMs) continue;
    lo = Math.max(lo, s.serverMs - s.receivedMs);
    hi = Math.min(hi, s.serverMs - s.sentMs);
    if (!quickest || s.receivedMs - s.sentMs < quickest.receivedMs - quickest.sentMs) quickest = s;
  }
  if (!quickest) return undefined;
  if (lo > hi) {
    lo = quickest.serverMs - quickest.receivedMs;
    hi = quickest.serverMs - quickest.sentMs;
  }
  const offsetMs = lo <= 0 && 0 <= hi ? 0 : (lo + hi) / 2;
  return { offsetMs, rttMs: quickest.receivedMs - quickest.sentMs };
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
