import type {
  Annotation,
  AnnotationInput,
  Measurement,
  MeasurementInput,
  SessionSettings,
} from "@depthroom/schema";
import {
  addAnnotation,
  addMeasurement,
  type CloudViewSettings,
  getSessionSettings,
  getViewSettings,
  setSessionSettings,
  setViewSettings,
} from "@depthroom/schema";
import type { PinSpec } from "../render/AnnotationPins.ts";
import type { CameraPose } from "../render/cameraPose.ts";
import type { CollabClient, CollabConnection } from "./CollabClient.ts";
import type { Peer } from "./presence.ts";

/**
 * `window.__depthroomCollab`: what a browser test needs to see of collaboration, read from the live
 * client and scene (beside `window.__depthroom`, the viewer's hooks).
 */
export interface CollabHooks {
  readonly version: 1;
  connection(): CollabConnection;
  synced(): boolean;
  /** `Date.now()` of this page's first connection to the doc. */
  connectedAt(): number | null;
  /** `Date.now()` when a peer (by name) was first seen in awareness here. */
  peerSeenAt(name: string): number | null;
  me(): { id: string; name: string; color: string };
  peers(): Peer[];
  /** Other people's frustums as drawn now (smoothed), by awareness client id. */
  remoteFrustums(): { id: number; color: string; pose: CameraPose; aspect: number }[];
  annotations(): Annotation[];
  /** Pins drawn in the 3D view. */
  pins(): PinSpec[];
  following(): string | null;
  /** Writes an annotation straight into this page's doc, bypassing the UI and the role check. */
  forceAddAnnotation(input: AnnotationInput): string;
  /** An entity's view settings as this page's doc holds them (issue 16). */
  viewSettings(entity: string): CloudViewSettings;
  /** Changes them as the View panel does (null on a view link, which cannot). */
  changeViewSettings(entity: string, change: Partial<CloudViewSettings>): CloudViewSettings | null;
  /** Writes them straight into this page's doc, bypassing the role check (the relay must refuse it). */
  forceViewSettings(entity: string, change: Partial<CloudViewSettings>): void;
  /** The room's measurements as this page's doc holds them (issue 20). */
  measurements(): Measurement[];
  /** Writes a measurement straight into this page's doc, bypassing the UI and the role check. */
  forceAddMeasurement(input: MeasurementInput): string;
  /** The room's settings as this page's doc holds them (issue 20: captures on view links). */
  sessionSettings(): SessionSettings;
  /** Writes them straight into this page's doc, bypassing the role check (the relay must refuse it). */
  forceSessionSettings(change: Partial<SessionSettings>): void;
}

declare global {
  interface Window {
    __depthroomCollab?: CollabHooks;
  }
}

export function installCollabHooks(
  client: CollabClient,
  frustums: () => { id: number; color: string; pose: CameraPose; aspect: number }[],
  pins: () => PinSpec[],
  following: () => string | null,
): () => void {
  const hooks: CollabHooks = {
    version: 1,
    connection: () => client.getSnapshot().connection,
    synced: () => client.getSnapshot().synced,
    connectedAt: () => client.connectedAt ?? null,
    peerSeenAt: (name) => {
      const peer = client.getSnapshot().peers.find((p) => p.user.name === name);
      return peer ? (client.peerSeenAt.get(peer.user.id) ?? null) : null;
    },
    me: () => client.getSnapshot().me,
    peers: () => [...client.getSnapshot().peers],
    remoteFrustums: frustums,
    annotations: () => [...client.getSnapshot().annotations],
    pins,
    following,
    forceAddAnnotation: (input) => addAnnotation(client.doc, input, { forced: true }),
    viewSettings: (entity) => getViewSettings(client.doc, entity),
    changeViewSettings: (entity, change) => client.changeViewSettings(entity, change),
    forceViewSettings: (entity, change) => {
      setViewSettings(client.doc, entity, change, { forced: true });
    },
    measurements: () => [...client.getSnapshot().measurements],
    forceAddMeasurement: (input) => addMeasurement(client.doc, input, { forced: true }),
    sessionSettings: () => getSessionSettings(client.doc),
    forceSessionSettings: (change) => {
      setSessionSettings(client.doc, change, { forced: true });
    },
  };
  window.__depthroomCollab = hooks;
  return () => {
    if (window.__depthroomCollab === hooks) delete window.__depthroomCollab;
  };
}
