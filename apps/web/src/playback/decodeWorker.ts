import { decodeMessage } from "@depthroom/schema";
import { toPlain } from "../stream/transfer.ts";
import type { DecodeReply, DecodeRequest } from "./decoder.ts";

/*
 * The review room's decode worker: wire bytes in, a decoded message out (RVL decoded off the page's
 * main thread), posted as plain fields with the pixels transferred, like the live frame worker's.
 */

interface WorkerScope {
  postMessage(message: DecodeReply, transfer?: Transferable[]): void;
  onmessage: ((event: MessageEvent<DecodeRequest>) => void) | null;
}
const scope = self as unknown as WorkerScope;

scope.onmessage = (event) => {
  const { id, bytes } = event.data;
  try {
    const { plain, transfer } = toPlain(decodeMessage(bytes));
    scope.postMessage({ id, message: plain }, transfer);
  } catch (error) {
    scope.postMessage({ id, error: error instanceof Error ? error.message : String(error) });
  }
};
