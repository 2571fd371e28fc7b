import { type FrameCommand, FrameCore, type FrameEvent } from "./frameCore.ts";

/**
 * The page's end of the frame core: a Web Worker (frameWorker.ts) by default; the same core on the page
 * with `decode: "main"` (`?decode=main`), without workers, or when the worker cannot start (then what
 * was asked of it is asked again of the page's core, and `where` says "main").
 */
export interface FrameChannel {
  readonly where: "worker" | "main";
  send(command: FrameCommand, transfer?: Transferable[]): void;
  close(): void;
}

function pageChannel(onEvent: (event: FrameEvent) => void): FrameChannel {
  let closed = false;
  const core = new FrameCore((event) => {
    if (!closed) onEvent(event);
  });
  return {
    where: "main",
    send: (command) => core.handle(command),
    close: () => {
      core.handle({ type: "close" });
      closed = true;
    },
  };
}

export function openFrameChannel(
  prefer: "worker" | "main",
  name: string,
  onEvent: (event: FrameEvent) => void,
): FrameChannel {
  if (prefer === "main" || typeof Worker === "undefined") return pageChannel(onEvent);
  let worker: Worker;
  try {
    worker = new Worker(new URL("./frameWorker.ts", import.meta.url), { type: "module", name });
  } catch {
    return pageChannel(onEvent);
  }
  let fallback: FrameChannel | undefined;
  let heard = false;
  let closed = false;
  // Replayed on the page if the worker fails before it answered (the open of a live session); decodes
  // in flight then fail (their bytes went to the worker).
  const unanswered: FrameCommand[] = [];
  const decoding = new Set<number>();
  worker.onmessage = (event: MessageEvent<FrameEvent>) => {
    heard = true;
    unanswered.length = 0;
    const data = event.data;
    if (data.type === "decoded" || data.type === "decode-failed") decoding.delete(data.id);
    if (!closed) onEvent(data);
  };
  worker.onerror = (event) => {
    // A worker that cannot even start (no module workers, a bundling problem): the page's core.
    if (heard || fallback || closed) return;
    event.preventDefault();
    worker.terminate();
    fallback = pageChannel(onEvent);
    for (const command of unanswered.splice(0)) fallback.send(command);
    for (const id of decoding) onEvent({ type: "decode-failed", id, error: "decode worker failed" });
    decoding.clear();
  };
  return {
    get where() {
      return fallback ? "main" : "worker";
    },
    send(command, transfer) {
      if (fallback) return fallback.send(command);
      if (command.type === "decode") decoding.add(command.id);
      else if (!heard) unanswered.push(command);
      worker.postMessage(command, transfer ?? []);
    },
    close() {
      closed = true;
      if (fallback) return fallback.close();
      worker.postMessage({ type: "close" } satisfies FrameCommand);
      setTimeout(() => worker.terminate(), 200);
    },
  };
}
