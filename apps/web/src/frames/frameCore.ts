import {
  decodeMessage,
  decodeMessageAsync,
  decodesNativelyAsync,
  type LogMessage,
  type TransferableMessage,
  toTransferable,
} from "@depthroom/schema";
import type { ViewerAction } from "../state/viewerState.ts";
import { subscribeSession, type Target } from "../stream/subscribeSession.ts";

/*
 * What runs in the frame worker (frameWorker.ts), or on the page when there is no worker: the one place
 * frames are decoded, for both sources. A live session is subscribed with the SDK (RVL decoded here)
 * with latest wins towards the page: per entity, one frame is with the page at a time; a newer one
 * replaces the one waiting, and each replaced frame is reported as dropped. A review room sends wire
 * bytes and gets the decoded message back. Messages leave as the schema's transferable form
 * (`toTransferable`), their pixels moved, not copied.
 */

/** What the page asks of the frame core. */
export type FrameCommand =
  | ({ readonly type: "open" } & Target)
  | { readonly type: "taken"; readonly entityPath: string }
  | { readonly type: "decode"; readonly id: number; readonly bytes: Uint8Array }
  | { readonly type: "close" };

/** What the frame core tells the page. */
export type FrameEvent =
  | { readonly type: "message"; readonly message: TransferableMessage; readonly at: number }
  | { readonly type: "action"; readonly action: ViewerAction }
  | { readonly type: "decoded"; readonly id: number; readonly message: TransferableMessage }
  | { readonly type: "decode-failed"; readonly id: number; readonly error: string };

export type PostFrameEvent = (event: FrameEvent, transfer?: Transferable[]) => void;

export class FrameCore {
  private readonly withPage = new Set<string>();
  private readonly waiting = new Map<string, LogMessage>();
  private feed: { close(): void } | undefined;

  constructor(private readonly post: PostFrameEvent) {}

  handle(command: FrameCommand): void {
    switch (command.type) {
      case "open":
        this.feed?.close();
        this.feed = subscribeSession(
          command,
          (message) => this.onMessage(message),
          (action) => this.post({ type: "action", action }),
        );
        break;
      case "taken": {
        this.withPage.delete(command.entityPath);
        const next = this.waiting.get(command.entityPath);
        if (next) {
          this.waiting.delete(command.entityPath);
          this.send(next);
        }
        break;
      }
      case "decode":
        if (decodesNativelyAsync(command.bytes)) {
          // MED-deflate depth: inflated by the browser's native DecompressionStream (asynchronous).
          const { id } = command;
          decodeMessageAsync(command.bytes).then(
            (decoded) => {
              const { message, transfer } = toTransferable(decoded);
              this.post({ type: "decoded", id, message }, transfer);
            },
            (error: unknown) => {
              const message = error instanceof Error ? error.message : String(error);
              this.post({ type: "decode-failed", id, error: message });
            },
          );
          break;
        }
        try {
          const { message, transfer } = toTransferable(decodeMessage(command.bytes));
          this.post({ type: "decoded", id: command.id, message }, transfer);
        } catch (error) {
          const message = error instanceof Error ? error.message : String(error);
          this.post({ type: "decode-failed", id: command.id, error: message });
        }
        break;
      case "close":
        this.feed?.close();
        this.feed = undefined;
        this.waiting.clear();
        this.withPage.clear();
        break;
      default: {
        const unhandled: never = command;
        throw new TypeError(`unhandled frame command ${(unhandled as { type: string }).type}`);
      }
    }
  }

  private send(message: LogMessage): void {
    const { message: out, transfer } = toTransferable(message);
    this.withPage.add(message.entityPath);
    this.post({ type: "message", message: out, at: performance.timeOrigin + performance.now() }, transfer);
  }

  private onMessage(message: LogMessage): void {
    if (message.archetype.kind === "DepthImage" && this.withPage.has(message.entityPath)) {
      // The page has not taken the previous frame yet: the newest waits, an older waiting one is dropped.
      if (this.waiting.has(message.entityPath)) {
        this.post({ type: "action", action: { type: "dropped", entityPath: message.entityPath, count: 1 } });
      }
      this.waiting.set(message.entityPath, message);
      return;
    }
    this.send(message);
  }
}
