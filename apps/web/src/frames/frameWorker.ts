import "../zodJitless.ts";
import { type FrameCommand, FrameCore, type FrameEvent } from "./frameCore.ts";

/* The frame worker: the frame core off the page's main thread (see frameCore.ts). */

interface WorkerScope {
  postMessage(message: FrameEvent, transfer?: Transferable[]): void;
  onmessage: ((event: MessageEvent<FrameCommand>) => void) | null;
  close(): void;
}
const scope = self as unknown as WorkerScope;

const core = new FrameCore((event, transfer) => scope.postMessage(event, transfer ?? []));
scope.onmessage = (event) => {
  core.handle(event.data);
  if (event.data.type === "close") scope.close();
};
