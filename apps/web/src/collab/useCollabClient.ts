"use client";

import type { TokenClaims } from "@depthroom/schema";
import { useEffect, useRef, useState, useSyncExternalStore } from "react";
import { CollabClient, type CollabRoom, type CollabSnapshot } from "./CollabClient.ts";
import { defaultIdentity, loadIdentity, makeUser, type StoredIdentity, saveIdentity } from "./identity.ts";

export interface CollabRoomState {
  readonly client: CollabClient | null;
  readonly snapshot: CollabSnapshot | null;
  readonly identity: StoredIdentity | null;
  /** No remembered identity yet: the bar asks (without covering the views) until answered. */
  readonly unnamed: boolean;
  /** Remember a name and colour for this browser and tell the room. */
  setIdentity(identity: StoredIdentity): void;
}

/**
 * The room's doc and awareness: one `CollabClient` per page, opened once an identity exists (remembered
 * in this browser, else a default and a question once), renamed when the identity changes, closed on
 * unmount. `onClient` hears of it (the review room's clock drives playback through it).
 */
export function useCollabClient(
  room: CollabRoom,
  claims: TokenClaims,
  onClient?: (client: CollabClient | null) => void,
): CollabRoomState {
  const [identity, setIdentityState] = useState<StoredIdentity | null>(null);
  const [unnamed, setUnnamed] = useState(false);
  const [client, setClient] = useState<CollabClient | null>(null);

  useEffect(() => {
    const stored = loadIdentity();
    if (stored) setIdentityState(stored);
    else {
      setIdentityState(defaultIdentity());
      setUnnamed(true);
    }
  }, []);

  const identityRef = useRef(identity);
  identityRef.current = identity;
  const onClientRef = useRef(onClient);
  onClientRef.current = onClient;
  const hasIdentity = identity !== null;
  useEffect(() => {
    const initial = identityRef.current;
    if (!hasIdentity || !initial) return;
    const next = new CollabClient(room, claims.role, makeUser(initial));
    setClient(next);
    onClientRef.current?.(next);
    return () => {
      onClientRef.current?.(null);
      next.close();
    };
  }, [room, claims.role, hasIdentity]);

  useEffect(() => {
    if (client && identity) client.rename(identity.name, identity.color);
  }, [client, identity]);

  const snapshot = useSyncExternalStore(
    client ? client.subscribe : noopSubscribe,
    client ? client.getSnapshot : noSnapshot,
    noSnapshot,
  );

  return {
    client,
    snapshot,
    identity,
    unnamed,
    setIdentity: (next) => {
      saveIdentity(next);
      setIdentityState(next);
      setUnnamed(false);
    },
  };
}

const noopSubscribe = () => () => {};
const noSnapshot = (): CollabSnapshot | null => null;
