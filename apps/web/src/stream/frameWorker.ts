import type { LogMessage } from "@depthroom/schema";
import { subscribeSession } from "./subscribeSession.ts";
import { type PageCommand, toPlain, type WorkerEvent } from "./transfer.ts";

/*
 * The frame worker: subscribes to the session with the SDK and decodes frames (RVL) off the page's
 * main thread. Latest wins here too: per entity, one frame is with the page at a time; a newer frame
 * replaces the one waiting, so a busy page never receives a backlog (each replaced frame is reported
 * as dropped).
 */

interface WorkerScope {
  postMessage(message: WorkerEvent, transfer?: Transferable[]): void;
  onmessage: ((event: MessageEvent<PageCommand>) => void) | null;
  close(): void;
}
const scope = self as unknown as WorkerScope;

const withPage = new Set<string>();
const waiting = new Map<string, LogMessage>();
let feed: { close(): void } | undefined;

function send(message: LogMessage): void {
  const { plain, transfer } = toPlain(message);
  withPage.add(message.entityPath);
  scope.postMessage(
    { type: "message", message: plain, at: performance.timeOrigin + performance.now() },
    transfer,
  );
}

function onMessage(message: LogMessage): void {
  if (message.archetype.kind === "DepthImage" && withPage.has(message.entityPath)) {
    // The page has not taken the previous frame yet: the newest waits, an older waiting one is dropped.
    if (waiting.has(message.entityPath)) {
      scope.postMessage({
        type: "action",
        action: { type: "dropped", entityPath: message.entityPath, count: 1 },
      });
    }
    waiting.set(message.entityPath, message);
    return;
  }
  send(message);
}

scope.onmessage = (event) => {
  const command = event.data;
  switch (command.type) {
    case "open":
      feed?.close();
      feed = subscribeSession(command, onMessage, (action) => scope.postMessage({ type: "action", action }));
      break;
    case "taken": {
      withPage.delete(command.entityPath);
      const next = waiting.get(command.entityPath);
      if (next) {
        waiting.delete(command.entityPath);
        send(next);
      }
      break;
    }
    case "close":
      feed?.close();
      feed = undefined;
      scope.close();
      break;
  }
};
