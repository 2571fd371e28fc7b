import {
  type ArchetypeKind,
  decodeMessage,
  ErrorCode,
  type LogMessage,
  type TransferableMessage,
  toTransferable,
} from "@depthroom/schema";
import type { ViewerAction } from "../state/viewerState.ts";
import { subscribeSession, type Target } from "../stream/subscribeSession.ts";
import { type DecodedImage, decodeEncodedImage } from "./imageDecode.ts";

/*
 * What runs in the frame worker (frameWorker.ts), or on the page when there is no worker: the one place
 * frames are decoded, for both sources. A live session is subscribed with the SDK (RVL decoded here)
 * with latest wins towards the page: per entity of pixels (depth and colour images), one frame is with
 * the page, or being decoded for it, at a time; a newer one replaces the one waiting, and each replaced
 * frame is reported as dropped, so a slow decode never queues frames. JPEG / PNG (EncodedImage) are
 * decoded here too (imageDecode.ts): the page gets the message with a ready ImageBitmap; bytes that do not
 * decode are a problem (viewer state), never an exception. A review room sends wire bytes and gets the
 * decoded message (and bitmap) back. Messages leave as the schema's transferable form
 * (`toTransferable`), their pixels and bitmaps moved, not copied.
 */

/** What the page asks of the frame core. */
export type FrameCommand =
  | ({ readonly type: "open" } & Target)
  | { readonly type: "taken"; readonly entityPath: string }
  | { readonly type: "decode"; readonly id: number; readonly bytes: Uint8Array }
  | { readonly type: "close" };

/** What the frame core tells the page; `image`: the EncodedImage of `message`, decoded. */
export type FrameEvent =
  | {
      readonly type: "message";
      readonly message: TransferableMessage;
      readonly at: number;
      readonly image?: DecodedImage;
    }
  | { readonly type: "action"; readonly action: ViewerAction }
  | {
      readonly type: "decoded";
      readonly id: number;
      readonly message: TransferableMessage;
      readonly image?: DecodedImage;
    }
  | { readonly type: "decode-failed"; readonly id: number; readonly error: string };

export type PostFrameEvent = (event: FrameEvent, transfer?: Transferable[]) => void;

/** Archetypes handed to the page latest-wins, one per entity at a time: the images. */
const LATEST_WINS: ReadonlySet<ArchetypeKind> = new Set(["DepthImage", "Image", "EncodedImage"]);

const errorText = (error: unknown) => (error instanceof Error ? error.message : String(error));

/** The transferable message with its decoded image, and what to transfer with them. */
function outgoing(message: LogMessage, image: DecodedImage | undefined) {
  const { message: out, transfer } = toTransferable(message);
  return image
    ? { message: out, image, transfer: [...transfer, image.bitmap] as Transferable[] }
    : { message: out, transfer: transfer as Transferable[] };
}

export class FrameCore {
  /** Entities with a frame at the page, or being decoded for it. */
  private readonly busy = new Set<string>();
  private readonly waiting = new Map<string, LogMessage>();
  private feed: { close(): void } | undefined;
  /** Bumped when the feed opens or closes: what an older feed was decoding is dropped. */
  private epoch = 0;

  constructor(private readonly post: PostFrameEvent) {}

  handle(command: FrameCommand): void {
    switch (command.type) {
      case "open":
        this.reset();
        this.feed = subscribeSession(
          command,
          (message) => this.onMessage(message),
          (action) => this.post({ type: "action", action }),
        );
        break;
      case "taken":
        this.busy.delete(command.entityPath);
        this.next(command.entityPath);
        break;
      case "decode":
        void this.decode(command.id, command.bytes);
        break;
      case "close":
        this.reset();
        break;
      default: {
        const unhandled: never = command;
        throw new TypeError(`unhandled frame command ${(unhandled as { type: string }).type}`);
      }
    }
  }

  /**
   * A review room's bytes, answered by id. Synchronous unless something is asynchronous to decode
   * (JPEG / PNG: the browser's image decoder). MED- and float-deflate depth inflate synchronously with
   * fflate: in Chromium's worker it measured 2-4x faster than DecompressionStream per frame (schema
   * bench/depthCodec.bench.ts).
   */
  private async decode(id: number, bytes: Uint8Array): Promise<void> {
    try {
      const message = decodeMessage(bytes);
      const image =
        message.archetype.kind === "EncodedImage" ? await decodeEncodedImage(message.archetype) : undefined;
      const { transfer, ...answer } = outgoing(message, image);
      this.post({ type: "decoded", id, ...answer }, transfer);
    } catch (error) {
      this.post({ type: "decode-failed", id, error: errorText(error) });
    }
  }

  private reset(): void {
    this.feed?.close();
    this.feed = undefined;
    this.epoch++;
    this.waiting.clear();
    this.busy.clear();
  }

  private onMessage(message: LogMessage): void {
    const path = message.entityPath;
    if (!LATEST_WINS.has(message.archetype.kind)) {
      this.send(message, undefined);
      return;
    }
    if (this.busy.has(path)) {
      // The page has not taken the previous frame yet: the newest waits, an older waiting one is dropped.
      if (this.waiting.has(path)) {
        this.post({ type: "action", action: { type: "dropped", entityPath: path, count: 1 } });
      }
      this.waiting.set(path, message);
      return;
    }
    this.start(message);
  }

  /** Hand a frame to the page, decoding it first when it is a JPEG / PNG. */
  private start(message: LogMessage): void {
    const path = message.entityPath;
    this.busy.add(path);
    const { archetype } = message;
    if (archetype.kind !== "EncodedImage") {
      this.send(message, undefined);
      return;
    }
    const epoch = this.epoch;
    decodeEncodedImage(archetype).then(
      (image) => {
        if (epoch !== this.epoch) image.bitmap.close();
        else this.send(message, image);
      },
      (error: unknown) => {
        if (epoch !== this.epoch) return;
        const problem = `${path}: ${errorText(error)}`;
        this.post({
          type: "action",
          action: { type: "problem", code: ErrorCode.BadMessage, message: problem, at: Date.now() },
        });
        this.busy.delete(path);
        this.next(path);
      },
    );
  }

  private next(path: string): void {
    const next = this.waiting.get(path);
    if (!next) return;
    this.waiting.delete(path);
    this.start(next);
  }

  private send(message: LogMessage, image: DecodedImage | undefined): void {
    const { transfer, ...out } = outgoing(message, image);
    this.post({ type: "message", ...out, at: performance.timeOrigin + performance.now() }, transfer);
  }
}
