import { isIP } from "node:net";

/*
 * Who is asking: the address limits are counted by (session creation, doc messages, awareness bytes).
 * Directly connected, it is the socket's peer. Behind reverse proxies the peer is the proxy, so the
 * address comes from `X-Forwarded-For` (the shipped nginx sets it to `$proxy_add_x_forwarded_for`),
 * believed only as far as it was written by a trusted proxy: walking the list from the right (the
 * entry our peer added last), trusted proxies are skipped, and the first other address is the client.
 * A client can prepend anything it likes to the header, but never past a proxy we trust.
 */

export class TrustedProxies {
  readonly #addresses: ReadonlySet<string>;

  /** `list`: IP addresses, as in `DEPTHROOM_TRUSTED_PROXIES` (comma or space separated). */
  constructor(list: string | readonly string[] = []) {
    const items = typeof list === "string" ? list.split(/[\s,]+/) : list;
    const addresses = new Set<string>();
    for (const item of items) {
      const address = item.trim();
      if (address === "") continue;
      if (isIP(normalize(address)) === 0) {
        throw new RangeError(`trusted proxy "${address.slice(0, 60)}" is not an IP address`);
      }
      addresses.add(normalize(address));
    }
    this.#addresses = addresses;
  }

  get size(): number {
    return this.#addresses.size;
  }

  has(address: string): boolean {
    return this.#addresses.has(normalize(address));
  }

  /** The client's address for a request whose socket peer is `peer`. */
  clientAddress(peer: string | undefined, forwardedFor: string | string[] | undefined): string {
    const direct = normalize(peer ?? "unknown");
    if (!this.#addresses.has(direct) || forwardedFor === undefined) return direct;
    const header = Array.isArray(forwardedFor) ? forwardedFor.join(",") : forwardedFor;
    // Bounded: a proxy chain is short; a long header is someone else's padding.
    const hops = header.slice(0, 2048).split(",");
    for (let i = hops.length - 1; i >= 0; i--) {
      const hop = normalize((hops[i] as string).trim());
      if (isIP(hop) === 0) return direct;
      if (!this.#addresses.has(hop)) return hop;
    }
    return direct;
  }
}

/** `::ffff:127.0.0.1` (an IPv4 peer of a dual-stack socket) is `127.0.0.1`. */
function normalize(address: string): string {
  return address.startsWith("::ffff:") && isIP(address.slice(7)) === 4 ? address.slice(7) : address;
}
