import type { LogMessage, SessionLink } from "@depthroom/schema";
import type { ViewerAction } from "../state/viewerState.ts";
import { subscribeSession, type Target } from "./subscribeSession.ts";
import { fromPlain, type PageCommand, type WorkerEvent } from "./transfer.ts";

/*
 * The session's frames, from the relay through `@depthroom/sdk`'s subscriber (decoded, RVL included),
 * turned into two streams: messages for the scene (which keeps only the newest per entity until it
 * draws) and actions for the viewer state. The subscriber acknowledges each frame after `onMessage`
 * returns, which is what lets the relay pace this viewer (latest wins there too).
 *
 * By default the subscriber runs in a Web Worker (frameWorker.ts), so decoding never blocks the page;
 * `decode: "main"` (or `?decode=main`) keeps it on the main thread.
 */

export interface FeedHandlers {
  /** A decoded message; `arrivedAt` is a `performance.now()` time of when it was handed over decoded. */
  readonly onMessage: (message: LogMessage, arrivedAt: number) => void;
  readonly dispatch: (action: ViewerAction) => void;
}

export interface SessionFeed {
  /** Where frames are decoded. */
  readonly decode: "worker" | "main";
  close(): void;
}

function openOnMainThread(target: Target, handlers: FeedHandlers): SessionFeed {
  const feed = subscribeSession(target, (m) => handlers.onMessage(m, performance.now()), handlers.dispatch);
  return { decode: "main", close: () => feed.close() };
}

function openInWorker(target: Target, handlers: FeedHandlers): SessionFeed | undefined {
  let worker: Worker;
  try {
    worker = new Worker(new URL("./frameWorker.ts", import.meta.url), {
      type: "module",
      name: "depthroom-frames",
    });
  } catch {
    return undefined;
  }
  let fallback: SessionFeed | undefined;
  let heard = false;
  const post = (command: PageCommand) => worker.postMessage(command);
  worker.onmessage = (event: MessageEvent<WorkerEvent>) => {
    heard = true;
    const data = event.data;
    if (data.type === "action") {
      handlers.dispatch(data.action);
      return;
    }
    let message: LogMessage;
    try {
      message = fromPlain(data.message);
    } catch (error) {
      handlers.dispatch({
        type: "problem",
        code: "bad-message",
        message: `frame worker: ${String(error)}`,
        at: Date.now(),
      });
      post({ type: "taken", entityPath: data.message.entityPath });
      return;
    }
    handlers.onMessage(message, data.at - performance.timeOrigin);
    post({ type: "taken", entityPath: message.entityPath });
  };
  worker.onerror = (event) => {
    // A worker that cannot even start (no module workers, a bundling problem): decode on the page.
    if (heard || fallback) return;
    event.preventDefault();
    worker.terminate();
    fallback = openOnMainThread(target, handlers);
  };
  post({ type: "open", ...target });
  return {
    get decode() {
      return fallback ? "main" : "worker";
    },
    close: () => {
      if (fallback) fallback.close();
      else {
        post({ type: "close" });
        setTimeout(() => worker.terminate(), 200);
      }
    },
  };
}

export function openSessionFeed(
  link: SessionLink,
  handlers: FeedHandlers,
  options: { decode?: "worker" | "main" } = {},
): SessionFeed {
  const target = { relayUrl: link.relayUrl, session: link.session, token: link.token };
  if (options.decode !== "main" && typeof Worker !== "undefined") {
    const feed = openInWorker(target, handlers);
    if (feed) return feed;
  }
  return openOnMainThread(target, handlers);
}
