import type { LogMessage, SessionLink } from "@depthroom/schema";
import { type SdkError, type Subscription, subscribe } from "@depthroom/sdk";
import type { ViewerAction } from "../state/viewerState.ts";

/*
 * The session's frames, from the relay through `@depthroom/sdk`'s subscriber (decoded, RVL included),
 * turned into two streams: messages for the scene (which keeps only the newest per entity until it
 * draws) and actions for the viewer state. The subscriber acknowledges each frame after `onMessage`
 * returns, which is what lets the relay pace this viewer (latest wins there too).
 */

export interface FeedHandlers {
  /** A decoded message; `arrivedAt` is `performance.now()` when the SDK handed it over. */
  readonly onMessage: (message: LogMessage, arrivedAt: number) => void;
  readonly dispatch: (action: ViewerAction) => void;
}

export interface SessionFeed {
  close(): void;
}

/** The value of the `frame` sequence timeline, if the message carries one. */
export function frameNumber(message: LogMessage): number | undefined {
  const point = message.timelines.find((t) => t.timeline === "frame" && t.kind === "sequence");
  return point ? Number(point.value) : undefined;
}

/** What the viewer state records of a message (no pixels). */
export function messageAction(message: LogMessage, at: number): ViewerAction {
  const a = message.archetype;
  const frame = frameNumber(message);
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
      }
    : { type: "message", entityPath: message.entityPath, kind: a.kind, frame, at };
}

export function openSessionFeed(link: SessionLink, handlers: FeedHandlers): SessionFeed {
  const { dispatch } = handlers;
  let subscription: Subscription;
  try {
    subscription = subscribe(
      { url: link.relayUrl, session: link.session, token: link.token },
      (message) => {
        handlers.onMessage(message, performance.now());
        dispatch(messageAction(message, Date.now()));
      },
      // A viewer waits for the relay as long as it takes, showing "connecting" meanwhile.
      { name: "web viewer", connectTimeoutMs: Number.POSITIVE_INFINITY },
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
  subscription.on("problem", (problem) =>
    dispatch({ type: "problem", code: problem.code, message: problem.message, at: Date.now() }),
  );
  return { close: () => subscription.close() };
}
