import { parseAwarenessState } from "@depthroom/schema";
import type { AwarenessEntry } from "./docMessages.ts";

/*
 * Awareness states bound to their connection. y-protocols' awareness lets any peer set or remove the
 * state of any Yjs clientID; @y/websocket-server applies whatever a connection sends. Here each
 * document keeps which connection owns which clientID: the first clientID a connection sets (with a
 * non-null state) becomes its own, and from then on it may set or remove only the clientIDs it owns.
 * Entries for another connection's clientID, or beyond the claim limit, are dropped one by one (not
 * the whole message), so an old y-websocket client that re-sends its peers' states keeps working and a
 * hostile one cannot change what the others see. Kept states must pass the schema's awareness
 * validator (`parseAwarenessState`) and a size bound; the JSON is forwarded as sent.
 *
 * A clientID is released when its connection closes (@y/websocket-server then removes its state), so
 * a client that reconnects with the same clientID claims it again.
 */

export type AwarenessDropReason = "foreign" | "invalid";

export interface AwarenessFilterResult {
  /** Entries to forward (owned by the connection, valid). */
  readonly kept: AwarenessEntry[];
  /** Entries for a clientID another connection owns, or beyond this connection's claim limit. */
  readonly foreign: number;
  /** Entries whose state fails the awareness validator or the size bound. */
  readonly invalid: number;
  /** The first dropped clientID, for the log line. */
  readonly firstDropped?: number;
}

export interface AwarenessBindingLimits {
  /** ClientIDs one connection may own (a y-websocket provider has one). */
  readonly maxAwarenessClientsPerConnection: number;
  /** Largest awareness state (bytes of JSON; docMessages.ts marks longer ones `oversized`, unparsed). */
  readonly maxAwarenessStateBytes: number;
}

/** One document's owners; `C` is whatever identifies a connection. */
export class AwarenessOwners<C> {
  readonly #ownerOf = new Map<number, C>();
  readonly #owned = new Map<C, Set<number>>();

  constructor(private readonly limits: AwarenessBindingLimits) {}

  /** The entries `conn` may apply; claims unowned clientIDs up to the limit. */
  filter(conn: C, entries: readonly AwarenessEntry[]): AwarenessFilterResult {
    const kept: AwarenessEntry[] = [];
    let foreign = 0;
    let invalid = 0;
    let firstDropped: number | undefined;
    const drop = (entry: AwarenessEntry) => {
      firstDropped ??= entry.clientID;
    };
    for (const entry of entries) {
      const owner = this.#ownerOf.get(entry.clientID);
      if (owner === undefined) {
        // Removing a state nobody owns changes nothing (it is not held): skip it quietly.
        if (entry.state === null) continue;
        const owned = this.#owned.get(conn);
        if ((owned?.size ?? 0) >= this.limits.maxAwarenessClientsPerConnection) {
          foreign++;
          drop(entry);
          continue;
        }
        this.#claim(conn, entry.clientID);
      } else if (owner !== conn) {
        foreign++;
        drop(entry);
        continue;
      }
      if (entry.state === null) {
        kept.push(entry);
        continue;
      }
      // y-protocols' initial local state `{}` carries nothing a peer could use: not forwarded, not a fault.
      if (isEmptyObject(entry.state)) continue;
      if (
        entry.oversized ||
        Buffer.byteLength(entry.json) > this.limits.maxAwarenessStateBytes ||
        parseAwarenessState(entry.state) === null
      ) {
        invalid++;
        drop(entry);
        continue;
      }
      kept.push(entry);
    }
    return firstDropped === undefined ? { kept, foreign, invalid } : { kept, foreign, invalid, firstDropped };
  }

  /** The connection closed: its clientIDs become free. */
  release(conn: C): void {
    const owned = this.#owned.get(conn);
    if (!owned) return;
    for (const id of owned) this.#ownerOf.delete(id);
    this.#owned.delete(conn);
  }

  ownerOf(clientID: number): C | undefined {
    return this.#ownerOf.get(clientID);
  }

  #claim(conn: C, clientID: number): void {
    this.#ownerOf.set(clientID, conn);
    let owned = this.#owned.get(conn);
    if (!owned) {
      owned = new Set();
      this.#owned.set(conn, owned);
    }
    owned.add(clientID);
  }
}

function isEmptyObject(state: unknown): boolean {
  if (typeof state !== "object" || state === null) return false;
  for (const _ in state) return false;
  return true;
}
