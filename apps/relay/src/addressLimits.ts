import { TokenBucket } from "./limits.ts";

/*
 * Rate limits per client address, shared by all its connections: one client opening many connections
 * gets the same budget as one. An address's buckets live while it has connections (and are dropped
 * with the last), so the table holds at most one entry per connected address.
 */

export interface AddressBudget {
  /** Take `cost` from the bucket named `kind`; false when the address is over its rate. */
  take(kind: string, cost?: number): boolean;
  /** The connection closed. */
  release(): void;
}

export class AddressLimits {
  readonly #entries = new Map<string, { buckets: Map<string, TokenBucket>; connections: number }>();

  /** `rates`: sustained per-second rate of each bucket kind (burst: twice that). */
  constructor(
    private readonly rates: Readonly<Record<string, number>>,
    private readonly now: () => number = Date.now,
  ) {}

  acquire(address: string): AddressBudget {
    let entry = this.#entries.get(address);
    if (!entry) {
      entry = { buckets: new Map(), connections: 0 };
      this.#entries.set(address, entry);
    }
    entry.connections++;
    const held = entry;
    let released = false;
    return {
      take: (kind, cost = 1) => {
        let bucket = held.buckets.get(kind);
        if (!bucket) {
          const rate = this.rates[kind];
          if (rate === undefined) throw new RangeError(`no address rate "${kind}"`);
          bucket = new TokenBucket(rate, rate * 2, this.now());
          held.buckets.set(kind, bucket);
        }
        return bucket.take(this.now(), cost);
      },
      release: () => {
        if (released) return;
        released = true;
        held.connections--;
        if (held.connections === 0 && this.#entries.get(address) === held) this.#entries.delete(address);
      },
    };
  }

  /** Addresses with connections (for tests and metrics). */
  get size(): number {
    return this.#entries.size;
  }
}

/**
 * One token bucket per client address for requests (no connection to hold the entry): entries are
 * dropped once refilled, checked when the table passes `maxAddresses`, so it stays bounded.
 */
export class RequestRateByAddress {
  readonly #buckets = new Map<string, TokenBucket>();

  constructor(
    private readonly ratePerSecond: number,
    private readonly burst: number,
    private readonly now: () => number = Date.now,
    private readonly maxAddresses = 10_000,
  ) {}

  take(address: string): boolean {
    const now = this.now();
    let bucket = this.#buckets.get(address);
    if (!bucket) {
      if (this.#buckets.size >= this.maxAddresses) this.#prune(now);
      bucket = new TokenBucket(this.ratePerSecond, this.burst, now);
      this.#buckets.set(address, bucket);
    }
    return bucket.take(now);
  }

  get size(): number {
    return this.#buckets.size;
  }

  #prune(now: number): void {
    for (const [address, bucket] of this.#buckets) {
      if (bucket.full(now)) this.#buckets.delete(address);
    }
    // Everyone is still spending: forget the oldest entries rather than grow.
    for (const address of this.#buckets.keys()) {
      if (this.#buckets.size < this.maxAddresses) break;
      this.#buckets.delete(address);
    }
  }
}
