import { fromTransferable, isFrameKind, type SessionLink } from "@depthroom/schema";
import { openFrameChannel } from "../frames/frameChannel.ts";
import type { FrameSink, FrameSource } from "../frames/frameSource.ts";

/*
 * The session's frames, from the relay through `@depthroom/sdk`'s subscriber in the frame core (decoded
 * there, RVL included), turned into two streams: messages for the scene (which keeps only the newest per
 * entity until it draws) and actions for the viewer state. The core keeps one frame per entity with the
 * page, its ack held, until the page says it took it; the page says so once it has drawn it (after the
 * next animation frame, in which the scene uploads it), so frames are decoded at the rate the page
 * draws and the relay keeps the newest meanwhile (latest wins), instead of frames being decoded that a
 * newer one replaces before the draw.
 *
 * The core runs in the frame worker by default, so decoding never blocks the page; `decode: "main"` (or
 * `?decode=main`) runs it on the page.
 */

/** The viewer's handlers for a live session: a `FrameSink` (nothing is ever cleared live). */
export type FeedHandlers = FrameSink;

export interface SessionFeed extends FrameSource {
  readonly kind: "live";
}

/** A page that draws no animation frames (hidden) still takes a frame this long after it came. */
const TAKEN_WITHOUT_FRAME_MS = 1000;

export function openSessionFeed(
  link: SessionLink,
  handlers: FrameSink,
  options: { decode?: "worker" | "main" } = {},
): SessionFeed {
  // Entities whose frame the scene has, to be reported taken after the next animation frame. That
  // callback is asked for after the scene's render loop asked for its own, so it runs after the frame
  // that uploaded them.
  const handedOver = new Set<string>();
  let frameRequest = 0;
  let timer: ReturnType<typeof setTimeout> | undefined;
  const reportTaken = () => {
    cancelAnimationFrame(frameRequest);
    clearTimeout(timer);
    timer = undefined;
    // Copied first: on the page's own core, a taken frame may hand the next one over at once.
    const paths = [...handedOver];
    handedOver.clear();
    for (const entityPath of paths) channel.send({ type: "taken", entityPath });
  };
  const takenAfterDrawing = (entityPath: string) => {
    handedOver.add(entityPath);
    if (timer !== undefined) return;
    timer = setTimeout(reportTaken, TAKEN_WITHOUT_FRAME_MS);
    frameRequest = requestAnimationFrame(reportTaken);
  };
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
        // Only frames of pixels are held for the page (a Pinhole may share its image's entity path).
        if (isFrameKind(event.message.archetype.kind)) takenAfterDrawing(entityPath);
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
    close: () => {
      cancelAnimationFrame(frameRequest);
      clearTimeout(timer);
      channel.close();
    },
  };
}
