import type { Envelope, LogMessage, TimePoint } from "@depthroom/schema";
import { type OnEnvelope, type SdkError, type Subscription, subscribe } from "@depthroom/sdk";
import type { ViewerAction } from "../state/viewerState.ts";

/*
 * The SDK subscription of a session, reported as lazy frames (envelope and wire bytes: the frame core
 * decodes what the page will draw) and viewer actions. Runs wherever it is called: on the page, or
 * inside the frame worker (which must not import the module that starts it).
 */

export interface Target {
  readonly relayUrl: string;
  readonly session: string;
  readonly token: string;
}

/** The value of the `frame` sequence timeline, if the message (or envelope) carries one. */
export function frameNumber(message: { readonly timelines: readonly TimePoint[] }): number | undefined {
  const point = message.timelines.find((t) => t.timeline === "frame" && t.kind === "sequence");
  return point ? Number(point.value) : undefined;
}

/**
 * What the viewer state records of a message (no pixels); `decodeMs` is what decoding it took here,
 * `bytes` its wire size (live: counted in the state's received bytes per second).
 */
export function messageAction(
  message: LogMessage,
  at: number,
  decodeMs?: number,
  bytes?: number,
): ViewerAction {
  const a = message.archetype;
  const frame = frameNumber(message);
  const size = bytes === undefined ? {} : { bytes };
  return a.kind === "DepthImage"
    ? {
        type: "message",
        entityPath: message.entityPath,
        kind: a.kind,
        width: a.width,
        height: a.height,
        datatype: a.datatype,
        frame,
        at,
        ...(decodeMs === undefined ? {} : { decodeMs }),
        ...size,
      }
    : { type: "message", entityPath: message.entityPath, kind: a.kind, frame, at, ...size };
}

/** What the viewer state records of a message that was not decoded (replaced by a newer one). */
export function envelopeAction(envelope: Envelope, at: number, bytes: number): ViewerAction {
  const { entityPath, kind } = envelope;
  return { type: "message", entityPath, kind, frame: frameNumber(envelope), at, bytes };
}

/**
 * Subscribe with the SDK's lazy frames and report the connection as viewer actions; what the frames
 * are is `onFrame`'s to record (it decides which to decode). Runs wherever it is called: on the page,
 * or inside the frame worker.
 */
export function subscribeSession(
  target: Target,
  onFrame: OnEnvelope,
  dispatch: (action: ViewerAction) => void,
): { close(): void } {
  let subscription: Subscription;
  try {
    subscription = subscribe(
      { url: target.relayUrl, session: target.session, token: target.token },
      undefined,
      {
        onEnvelope: onFrame,
        name: "web viewer",
        // A viewer waits for the relay as long as it takes, showing "connecting" meanwhile.
        connectTimeoutMs: Number.POSITIVE_INFINITY,
      },
    );
  } catch (error) {
    const e = error as Partial<SdkError>;
    dispatch({ type: "closed", code: e.code ?? "bad-link", message: e.message ?? String(error) });
    return { close() {} };
  }
  subscription.on("state", (state, error) => {
    if (state === "closed") {
      if (error) dispatch({ type: "closed", code: error.code, message: error.message });
      return;
    }
    dispatch({ type: "connection", state, at: Date.now() });
  });
  subscription.on("subscribed", (entities, producers) =>
    dispatch({ type: "subscribed", entities, producers, at: Date.now() }),
  );
  subscription.on("producer", (event) => dispatch({ type: "producer", event }));
  // Validated by the SDK (malformed notices never reach here).
  subscription.on("notice", (notice) => dispatch({ type: "notice", notice }));
  subscription.on("problem", (problem) =>
    dispatch({ type: "problem", code: problem.code, message: problem.message, at: Date.now() }),
  );
  return { close: () => subscription.close() };
}
