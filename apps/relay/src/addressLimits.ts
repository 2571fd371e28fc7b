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
