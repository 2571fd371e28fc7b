"use client";

import type { CollabSnapshot } from "./CollabClient.ts";
import type { Peer } from "./presence.ts";

const initials = (name: string) =>
  name
    .split(/\s+/)
    .filter(Boolean)
    .slice(0, 2)
    .map((w) => w[0]?.toUpperCase())
    .join("") || "?";

const CONNECTION_LABEL = {
  connecting: "Connecting…",
  connected: "Shared",
  disconnected: "Reconnecting…",
  closed: "Not shared",
} as const;

/** Connection state, everyone's avatar (click one to follow), present, "following X", notes. */
export function PresenceBar({
  snapshot,
  canEdit,
  following,
  presenting,
  presenterPeer,
  notesOpen,
  pinMode,
  onPinMode,
  onFollow,
  onStopFollowing,
  onPresent,
  onToggleNotes,
  unnamed,
  onEditIdentity,
}: {
  snapshot: CollabSnapshot;
  canEdit: boolean;
  following: { clientId: number; name: string } | null;
  presenting: boolean;
  presenterPeer: Peer | undefined;
  notesOpen: boolean;
  pinMode: boolean;
  onPinMode: (on: boolean) => void;
  onFollow: (clientId: number) => void;
  onStopFollowing: () => void;
  onPresent: (on: boolean) => void;
  onToggleNotes: () => void;
  /** This browser has no name yet: offer to set one. */
  unnamed: boolean;
  onEditIdentity: () => void;
}) {
  const { me, peers, connection, annotations } = snapshot;
  const open = annotations.filter((a) => !a.resolved).length;
  return (
    <div className="collab-ui collab-bar" data-testid="presence-bar">
      <span
        className={`collab-conn collab-conn-${connection}`}
        data-testid="collab-connection"
        data-connection={connection}
        title="Connection to the session's shared state"
      >
        <span className="dot" /> {CONNECTION_LABEL[connection]}
      </span>
      <span className="collab-avatars">
        <button
          type="button"
          className="collab-avatar me"
          style={{ background: me.color }}
          title={`${me.name} (you): change name or colour`}
          data-testid="avatar-me"
          onClick={onEditIdentity}
        >
          {initials(me.name)}
        </button>
        {peers.map((peer) => (
          <button
            type="button"
            key={peer.clientId}
            className={`collab-avatar${following?.clientId === peer.clientId ? " followed" : ""}`}
            style={{ background: peer.user.color }}
            title={`${peer.user.name}${peer.presenting ? " (presenting)" : ""}: click to follow`}
            data-testid="avatar"
            data-name={peer.user.name}
            data-client={peer.clientId}
            onClick={() => onFollow(peer.clientId)}
          >
            {initials(peer.user.name)}
            {peer.presenting ? <span className="collab-live" /> : null}
          </button>
        ))}
      </span>
      {unnamed ? (
        <button
          type="button"
          className="small ghost identity-ask"
          data-testid="identity-ask"
          onClick={onEditIdentity}
          title="Others see you by this name and colour"
        >
          You are {me.name} · change?
        </button>
      ) : null}
      {following ? (
        <span className="collab-chip" data-testid="following-chip">
          Following {following.name}
          <button type="button" className="ghost small" onClick={onStopFollowing} aria-label="Stop following">
            ✕
          </button>
        </span>
      ) : presenterPeer && !presenting ? (
        <button
          type="button"
          className="collab-chip"
          data-testid="follow-presenter"
          onClick={() => onFollow(presenterPeer.clientId)}
        >
          {presenterPeer.user.name} is presenting · Follow
        </button>
      ) : null}
      {canEdit ? (
        <button
          type="button"
          className={`small${presenting ? " primary" : ""}`}
          data-testid="present-button"
          onClick={() => onPresent(!presenting)}
          title="Let others follow your camera"
        >
          {presenting ? "Stop presenting" : "Present"}
        </button>
      ) : null}
      {canEdit ? (
        <button
          type="button"
          className={`small${pinMode ? " primary" : ""}`}
          data-testid="add-note"
          onClick={() => onPinMode(!pinMode)}
          title="Click a point of a cloud in the 3D view to pin a note there (Esc cancels)"
        >
          {pinMode ? "Click a point…" : "+ Note"}
        </button>
      ) : null}
      <button
        type="button"
        className={`small${notesOpen ? " active" : ""}`}
        data-testid="notes-button"
        onClick={onToggleNotes}
      >
        Notes{open > 0 ? ` (${open})` : ""}
      </button>
    </div>
  );
}
