import { decodeMessage, type LogMessage } from "@depthroom/schema";
import { fromPlain, type PlainMessage } from "../stream/transfer.ts";

/*
 * Decoding for the review room: in a Web Worker (decodeWorker.ts) by default, on the page when workers
 * are unavailable or `decode: "main"`. What the worker posts back is rebuilt through the schema's
 * validating constructors (`fromPlain`), so a bad answer is an error, not a crash.
 */

export interface DecodeRequest {
  readonly id: number;
  readonly bytes: Uint8Array;
}
export type DecodeReply =
  | { readonly id: number; readonly message: PlainMessage }
  | { readonly id: number; readonly error: string };

export interface Decoder {
  readonly where: "worker" | "main";
  decode(bytes: Uint8Array): Promise<LogMessage>;
  close(): void;
}

function mainThreadDecoder(): Decoder {
  return { where: "main", decode: async (bytes) => decodeMessage(bytes), close() {} };
}

export function createDecoder(prefer: "worker" | "main"): Decoder {
  if (prefer === "main" || typeof Worker === "undefined") return mainThreadDecoder();
  let worker: Worker;
  try {
    worker = new Worker(new URL("./decodeWorker.ts", import.meta.url), {
      type: "module",
      name: "depthroom-review-decode",
    });
  } catch {
    return mainThreadDecoder();
  }
  let nextId = 0;
  let fallback: Decoder | undefined;
  const waiting = new Map<number, { resolve: (m: LogMessage) => void; reject: (e: Error) => void }>();
  worker.onmessage = (event: MessageEvent<DecodeReply>) => {
    const reply = event.data;
    const entry = waiting.get(reply.id);
    if (!entry) return;
    waiting.delete(reply.id);
    if ("error" in reply) entry.reject(new Error(reply.error));
    else {
      try {
        entry.resolve(fromPlain(reply.message));
      } catch (error) {
        entry.reject(error instanceof Error ? error : new Error(String(error)));
      }
    }
  };
  worker.onerror = (event) => {
    // A worker that cannot start: decode on the page from now on (and what was waiting).
    event.preventDefault();
    worker.terminate();
    fallback = mainThreadDecoder();
    for (const [, entry] of waiting) entry.reject(new Error("decode worker failed"));
    waiting.clear();
  };
  return {
    get where() {
      return fallback ? "main" : "worker";
    },
    decode(bytes) {
      if (fallback) return fallback.decode(bytes);
      const id = nextId++;
      const copy = bytes.slice();
      return new Promise<LogMessage>((resolve, reject) => {
        waiting.set(id, { resolve, reject });
        worker.postMessage({ id, bytes: copy } satisfies DecodeRequest, [copy.buffer]);
      });
    },
    close() {
      worker.terminate();
      for (const [, entry] of waiting) entry.reject(new Error("decoder closed"));
      waiting.clear();
    },
  };
}
