import type { WebsocketProvider } from "y-websocket";

/**
 * y-websocket 3.1's provider re-sends every awareness change it hears, including other peers' states
 * it just received (its update handler ignores the origin; upstream yjs/yjs#732). With N people at
 * 12-15 Hz every client then sends N times its own rate, and past ~13 people the relay's per-connection
 * rate limit closes them (measured by `npm run bench:awareness -w @depthroom/relay`). Forward only this
 * client's own state; the relay already relays everyone's states to everyone.
 */
export function forwardOwnAwarenessOnly(provider: WebsocketProvider): void {
  const own = provider.doc.clientID;
  const forward = provider._awarenessUpdateHandler;
  provider.awareness.off("update", forward);
  provider.awareness.on(
    "update",
    (change: { added: number[]; updated: number[]; removed: number[] }, origin: unknown) => {
      const mine = (ids: number[]) => ids.filter((id) => id === own);
      const added = mine(change.added);
      const updated = mine(change.updated);
      const removed = mine(change.removed);
      if (added.length + updated.length + removed.length > 0) forward({ added, updated, removed }, origin);
    },
  );
}
