import {
  DecodeError,
  decodeMessage,
  type Envelope,
  ErrorCode,
  isFrameKind,
  type LogMessage,
  loadUpZstdDecoder,
  type TransferableMessage,
  toTransferable,
} from "@depthroom/schema";
import type { ViewerAction } from "../state/viewerState.ts";
import { envelopeAction, messageAction, subscribeSession, type Target } from "../stream/subscribeSession.ts";
import { type DecodedImage, decodeEncodedImage } from "./imageDecode.ts";

/*
 * What runs in the frame worker (frameWorker.ts), or on the page when there is no worker: the one place
 * frames are decoded, for both sources. A live session is subscribed with the SDK's lazy frames
 * (envelope and wire bytes, undecoded), and decoding is paced by what the page draws: per entity of
 * pixels (depth and colour images), one frame is with the page, or being decoded for it, at a time,
 * until the page says it took it (after drawing it); a frame that comes meanwhile waits here undecoded,
 * and one a newer frame replaces is recorded and reported as dropped, never decoded. A large frame's ack
 * (HOLD_ACK_BYTES; under protocol 2 its credit) is held as long as it is with the page or waits; once held
 * frames use up the viewer's credit the relay keeps each entity's newest (latest wins there) and sends
 * nothing that would be replaced (with credit left it goes on sending, and the SDK replaces what waits:
 * received, not decoded; the SDK README's known limit): on a weak machine
 * the renderer (SwiftShader) needs the cores that receiving (most of it) and decoding every frame took
 * (see the web README, issue 21). Small frames are acked at once: receiving them all costs little and
 * keeps the viewer's rate and bytes per second the rig's. Pinholes and transforms are decoded at once.
 * JPEG / PNG
 * (EncodedImage) are decoded here too (imageDecode.ts): the page gets the message with a ready
 * ImageBitmap; bytes that do not decode are a problem (viewer state), never an exception. A review room
 * sends wire bytes and gets the decoded message (and bitmap) back. Messages leave as the schema's
 * transferable form (`toTransferable`), their pixels and bitmaps moved, not copied. up-zstd depth
 * (encoding 4) decodes in WebAssembly whose loading starts with the core; where the platform refuses
 * synchronous compilation, a frame that comes before it has loaded waits for it, its entity busy
 * meanwhile.
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

/** A live frame of pixels, not decoded yet; `ack` lets the relay send its entity's next frame. */
interface UndecodedFrame {
  readonly envelope: Envelope;
  readonly bytes: Uint8Array;
  /** `Date.now()` when it arrived. */
  readonly at: number;
  readonly ack: () => void;
}

/**
 * Frames at least this big keep their ack while the page has not taken them. Receiving is what costs:
 * a 3840x2160 frame (4 MB of RVL) took 22 ms to decode in the worker, but receiving the test rig's
 * whole stream (4 x 450 kB + 4 MB at 30 Hz) cost the two cores more than decoding it.
 */
export const HOLD_ACK_BYTES = 256 * 1024;

const ackedAlready = () => {};

const errorText = (error: unknown) => (error instanceof Error ? error.message : String(error));

/** Whether decoding failed only because up-zstd's WebAssembly has not loaded yet. */
const beforeCodecLoaded = (error: unknown) =>
  error instanceof DecodeError && error.problem === "codec-not-loaded";

/** The transferable message with its decoded image, and what to transfer with them. */
function outgoing(message: LogMessage, image: DecodedImage | undefined) {
  const { message: out, transfer } = toTransferable(message);
  return image
    ? { message: out, image, transfer: [...transfer, image.bitmap] as Transferable[] }
    : { message: out, transfer: transfer as Transferable[] };
}

export class FrameCore {
  /** Entities with a frame at the page, or being decoded for it: the ack that frame holds. */
  private readonly busy = new Map<string, () => void>();
  /** A busy entity's newest frame, undecoded. */
  private readonly waiting = new Map<string, UndecodedFrame>();
  private feed: { close(): void } | undefined;
  /** Bumped when the feed opens or closes: what an older feed was decoding is dropped. */
  private epoch = 0;

  constructor(private readonly post: PostFrameEvent) {
    // A failure shows when a frame needs it; nothing to report before.
    loadUpZstdDecoder().catch(() => {});
  }

  handle(command: FrameCommand): void {
    switch (command.type) {
      case "open":
        this.reset();
        this.feed = subscribeSession(
          command,
          (envelope, bytes) => this.receive(envelope, bytes),
          (action) => this.post({ type: "action", action }),
        );
        break;
      case "taken":
        this.release(command.entityPath);
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
      let message: LogMessage;
      try {
        message = decodeMessage(bytes);
      } catch (error) {
        if (!beforeCodecLoaded(error)) throw error;
        await loadUpZstdDecoder();
        message = decodeMessage(bytes);
      }
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
    // The subscription is gone with its acks; nothing is decoded for it any more.
    this.waiting.clear();
    this.busy.clear();
  }

  /**
   * A live message, as the SDK's lazy frames hand it over (public for tests). Pinholes and transforms:
   * decoded at once. Frames of pixels: decoded now if the page is free of their entity, else kept
   * undecoded. A frame of at least HOLD_ACK_BYTES returns its ack, a promise settling when the page took
   * it (or a newer frame replaced it); others are acked when this returns.
   */
  receive(envelope: Envelope, bytes: Uint8Array): Promise<void> | undefined {
    const at = Date.now();
    if (!isFrameKind(envelope.kind)) {
      this.decodeLive({ envelope, bytes, at, ack: ackedAlready }, false);
      return undefined;
    }
    if (bytes.length < HOLD_ACK_BYTES) {
      this.take({ envelope, bytes, at, ack: ackedAlready });
      return undefined;
    }
    return new Promise<void>((ack) => this.take({ envelope, bytes, at, ack }));
  }

  /** A frame of pixels: decoded if the page is free of its entity, else the entity's newest waiting. */
  private take(frame: UndecodedFrame): void {
    const path = frame.envelope.entityPath;
    if (!this.busy.has(path)) {
      this.busy.set(path, frame.ack);
      this.decodeLive(frame, true);
      return;
    }
    const replaced = this.waiting.get(path);
    if (replaced) this.drop(replaced);
    this.waiting.set(path, frame);
  }

  /** A waiting frame replaced by a newer one: recorded (its bytes, as dropped), acked, never decoded. */
  private drop(frame: UndecodedFrame): void {
    const path = frame.envelope.entityPath;
    this.post({ type: "action", action: envelopeAction(frame.envelope, frame.at, frame.bytes.length) });
    this.post({ type: "action", action: { type: "dropped", entityPath: path, count: 1 } });
    frame.ack();
  }

  /** The page took its frame of `path` (or it failed to decode): ack it, decode the waiting one if any. */
  private release(path: string): void {
    this.busy.get(path)?.();
    this.busy.delete(path);
    const next = this.waiting.get(path);
    if (!next) return;
    this.waiting.delete(path);
    this.busy.set(path, next.ack);
    this.decodeLive(next, true);
  }

  /**
   * Decode a live message and hand it to the page (a JPEG / PNG through the image decoder first), with
   * what the viewer state records of it; bytes that do not decode are a problem and free the entity.
   */
  private decodeLive(frame: UndecodedFrame, isFrame: boolean): void {
    let message: LogMessage;
    const started = performance.now();
    try {
      message = decodeMessage(frame.bytes);
    } catch (error) {
      if (beforeCodecLoaded(error)) {
        const epoch = this.epoch;
        loadUpZstdDecoder().then(
          () => {
            if (epoch === this.epoch) this.decodeLive(frame, isFrame);
          },
          (failure: unknown) => {
            if (epoch === this.epoch) this.undecodable(frame.envelope.entityPath, failure, isFrame);
          },
        );
        return;
      }
      this.undecodable(frame.envelope.entityPath, error, isFrame);
      return;
    }
    const { archetype } = message;
    try {
      const action = messageAction(message, frame.at, performance.now() - started, frame.bytes.length);
      if (archetype.kind !== "EncodedImage") {
        this.send(message, undefined);
        this.post({ type: "action", action });
        return;
      }
      this.post({ type: "action", action });
    } catch (error) {
      // Whatever fails between decoding and the page frees the entity: it must never stay busy.
      this.undecodable(frame.envelope.entityPath, error, isFrame);
      return;
    }
    const epoch = this.epoch;
    decodeEncodedImage(archetype).then(
      (image) => {
        if (epoch !== this.epoch) {
          image.bitmap.close();
          return;
        }
        try {
          this.send(message, image);
        } catch (error) {
          image.bitmap.close();
          this.undecodable(message.entityPath, error, isFrame);
        }
      },
      (error: unknown) => {
        if (epoch === this.epoch) this.undecodable(message.entityPath, error, isFrame);
      },
    );
  }

  private undecodable(path: string, error: unknown, isFrame: boolean): void {
    const problem = `${path}: ${errorText(error)}`;
    this.post({
      type: "action",
      action: { type: "problem", code: ErrorCode.BadMessage, message: problem, at: Date.now() },
    });
    if (isFrame) this.release(path);
  }

  private send(message: LogMessage, image: DecodedImage | undefined): void {
    const { transfer, ...out } = outgoing(message, image);
    this.post({ type: "message", ...out, at: performance.timeOrigin + performance.now() }, transfer);
  }
}
