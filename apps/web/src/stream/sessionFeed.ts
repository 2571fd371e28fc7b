import { fromTransferable, type SessionLink } from "@depthroom/schema";
import { openFrameChannel } from "../frames/frameChannel.ts";
import type { FrameSink, FrameSource } from "../frames/frameSource.ts";

/*
 * The session's frames, from the relay through `@depthroom/sdk`'s subscriber in the frame core (decoded
 * there, RVL included), turned into two streams: messages for the scene (which keeps only the newest per
 * entity until it draws) and actions for the viewer state. The subscriber acknowledges each frame after
 * it was handed on, which is what lets the relay pace this viewer (latest wins there too); the core keeps
 * one frame per entity with the page until the page says it took it.
 *
 * The core runs in the frame worker by default, so decoding never blocks the page; `decode: "main"` (or
 * `?decode=main`) runs it on the page.
 */

/** The viewer's handlers for a live session: a `FrameSink` (nothing is ever cleared live). */
export type FeedHandlers = FrameSink;

export interface SessionFeed extends FrameSource {
  readonly kind: "live";
}

export function openSessionFeed(
  link: SessionLink,
  handlers: FrameSink,
  options: { decode?: "worker" | "main" } = {},
): SessionFeed {
  const channel = openFrameChannel(options.decode ?? "worker", "depthroom-frames", (event) => {
    switch (event.type) {
      case "action":
        handlers.dispatch(event.action);
        return;
      case "message": {
        const entityPath = event.message.entityPath;
        try {
          handlers.onMessage(fromTransferable(event.message), event.at - performance.timeOrigin, event.image);
        } catch (error) {
          event.image?.bitmap.close();
          handlers.dispatch({
            type: "problem",
            code: "bad-message",
            message: `frame worker: ${String(error)}`,
            at: Date.now(),
          });
        }
        channel.send({ type: "taken", entityPath });
        return;
      }
      default:
        // Decode answers belong to a review room's decoder.
        return;
    }
  });
  channel.send({ type: "open", relayUrl: link.relayUrl, session: link.session, token: link.token });
  return {
    kind: "live",
    get decode() {
      return channel.where;
    },
    close: () => channel.close(),
  };
}
