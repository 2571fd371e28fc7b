import { type RecordingLink, reviewRoomName, type SessionLink, type TokenClaims } from "@depthroom/schema";
import type { CollabRoom } from "../collab/CollabClient.ts";

/**
 * What a viewer shows: a live session (frames from the relay's socket) or a recording in its review
 * room (frames fetched for the shared playback cursor). Everything else (scene, views, entity tree,
 * collaboration) is the same viewer.
 */
export type ViewerSource =
  | { readonly kind: "live"; readonly link: SessionLink; readonly claims: TokenClaims }
  | { readonly kind: "review"; readonly link: RecordingLink; readonly claims: TokenClaims };

/** The Y.Doc a source's people share: the session's, or the recording's review room `rec-<id>`. */
export function collabRoomOf(source: ViewerSource): CollabRoom {
  return source.kind === "live"
    ? { relayUrl: source.link.relayUrl, name: source.link.session, token: source.link.token }
    : {
        relayUrl: source.link.relayUrl,
        name: reviewRoomName(source.link.recording),
        token: source.link.token,
      };
}
