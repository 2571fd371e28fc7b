import { fromTransferable, type LogMessage } from "@depthroom/schema";
import { openFrameChannel } from "../frames/frameChannel.ts";
import type { DecodedImage } from "../frames/imageDecode.ts";

/*
 * Decoding for the review room, in the frame core (frames/frameCore.ts): in the frame worker by
 * default, on the page when workers are unavailable or `decode: "main"`. What comes back is the
 * schema's transferable form, made archetypes again by `fromTransferable` (no second validation), with
 * an EncodedImage's decoded bitmap beside it.
 */

export interface DecodedMessage {
  readonly message: LogMessage;
  readonly image?: DecodedImage;
}

export interface Decoder {
  readonly where: "worker" | "main";
  decode(bytes: Uint8Array): Promise<DecodedMessage>;
  close(): void;
}

export function createDecoder(prefer: "worker" | "main"): Decoder {
  let nextId = 0;
  let closed = false;
  const waiting = new Map<number, { resolve: (m: DecodedMessage) => void; reject: (e: Error) => void }>();
  const channel = openFrameChannel(prefer, "depthroom-review-decode", (event) => {
    if (event.type !== "decoded" && event.type !== "decode-failed") return;
    const entry = waiting.get(event.id);
    if (!entry) return;
    waiting.delete(event.id);
    if (event.type === "decode-failed") entry.reject(new Error(event.error));
    else {
      try {
        const message = fromTransferable(event.message);
        entry.resolve(event.image ? { message, image: event.image } : { message });
      } catch (error) {
        event.image?.bitmap.close();
        entry.reject(error instanceof Error ? error : new Error(String(error)));
      }
    }
  });
  return {
    get where() {
      return channel.where;
    },
    decode(bytes) {
      if (closed) return Promise.reject(new Error("decoder closed"));
      const id = nextId++;
      // A copy of its own, moved (not copied again) to the worker.
      const copy = bytes.slice();
      return new Promise<DecodedMessage>((resolve, reject) => {
        waiting.set(id, { resolve, reject });
        channel.send({ type: "decode", id, bytes: copy }, channel.where === "worker" ? [copy.buffer] : []);
      });
    },
    close() {
      closed = true;
      channel.close();
      for (const [, entry] of waiting) entry.reject(new Error("decoder closed"));
      waiting.clear();
    },
  };
}
