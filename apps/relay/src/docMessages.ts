import * as decoding from "lib0/decoding";
import * as encoding from "lib0/encoding";
import * as Y from "yjs";

/*
 * y-websocket messages as the relay sees them, before they reach @y/websocket-server: every message is
 * parsed completely here (a malformed one never touches a document), and classified so the relay can
 * tell document writes from reads. Grammar (y-protocols): varUint type, then
 *   0 sync:      varUint step (0 = step 1: varUint8Array state vector; 1 = step 2, 2 = update: varUint8Array update)
 *   1 awareness: varUint8Array { varUint count, count x (varUint client, varUint clock, varString JSON) }
 *   2 auth, 3 query-awareness: not accepted from clients.
 */

export type DocMessage =
  | { readonly type: "sync-step1" }
  | { readonly type: "sync-step2" | "update"; readonly update: Uint8Array }
  | { readonly type: "awareness" };

export type DocMessageCheck =
  | { readonly ok: true; readonly message: DocMessage }
  | { readonly ok: false; readonly reason: string };

const MESSAGE_SYNC = 0;
const MESSAGE_AWARENESS = 1;
const MESSAGE_AUTH = 2;

export function readDocMessage(bytes: Uint8Array): DocMessageCheck {
  try {
    const decoder = decoding.createDecoder(bytes);
    const type = decoding.readVarUint(decoder);
    let message: DocMessage;
    if (type === MESSAGE_SYNC) {
      const step = decoding.readVarUint(decoder);
      const payload = decoding.readVarUint8Array(decoder);
      if (step === 0) {
        Y.decodeStateVector(payload);
        message = { type: "sync-step1" };
      } else if (step === 1 || step === 2) {
        Y.decodeUpdate(payload);
        message = { type: step === 1 ? "sync-step2" : "update", update: payload };
      } else {
        return { ok: false, reason: `unknown sync step ${step}` };
      }
    } else if (type === MESSAGE_AWARENESS) {
      readAwarenessUpdate(decoding.readVarUint8Array(decoder));
      message = { type: "awareness" };
    } else {
      return { ok: false, reason: `message type ${type} is not accepted from clients` };
    }
    if (decoding.hasContent(decoder)) return { ok: false, reason: "trailing bytes" };
    return { ok: true, message };
  } catch (error) {
    return { ok: false, reason: error instanceof Error ? error.message : String(error) };
  }
}

function readAwarenessUpdate(update: Uint8Array): void {
  const decoder = decoding.createDecoder(update);
  const count = decoding.readVarUint(decoder);
  for (let i = 0; i < count; i++) {
    decoding.readVarUint(decoder);
    decoding.readVarUint(decoder);
    const state: unknown = JSON.parse(decoding.readVarString(decoder));
    if (state !== null && typeof state !== "object")
      throw new TypeError("awareness state must be an object or null");
  }
  if (decoding.hasContent(decoder)) throw new TypeError("trailing bytes in awareness update");
}

/**
 * Whether applying `update` would change `doc`: it holds a struct the doc lacks, or deletes something
 * the doc has not deleted. A read-only client's sync step 2 usually changes nothing (it echoes what
 * it got from us); anything else is a write.
 */
export function updateChangesDoc(doc: Y.Doc, update: Uint8Array): boolean {
  const { structs, ds } = Y.decodeUpdate(update);
  const stateVector = Y.decodeStateVector(Y.encodeStateVector(doc));
  for (const struct of structs) {
    if (struct instanceof Y.Skip) continue;
    if (struct.id.clock + struct.length > (stateVector.get(struct.id.client) ?? 0)) return true;
  }
  if (ds.clients.size === 0) return false;
  const known = Y.createDeleteSetFromStructStore(doc.store);
  for (const [client, items] of ds.clients) {
    const deleted = known.clients.get(client) ?? [];
    for (const item of items) {
      if (item.len > 0 && !covered(deleted, item.clock, item.len)) return true;
    }
  }
  return false;
}

/** `ranges` is sorted and merged (as createDeleteSetFromStructStore returns it). */
function covered(ranges: readonly { clock: number; len: number }[], clock: number, len: number): boolean {
  let lo = 0;
  let hi = ranges.length - 1;
  while (lo <= hi) {
    const mid = (lo + hi) >> 1;
    const range = ranges[mid] as { clock: number; len: number };
    if (clock < range.clock) hi = mid - 1;
    else if (clock >= range.clock + range.len) lo = mid + 1;
    else return clock + len <= range.clock + range.len;
  }
  return false;
}

/** y-protocols' auth message "permission denied": y-websocket clients log the reason and stay connected. */
export function permissionDeniedMessage(reason: string): Uint8Array {
  const encoder = encoding.createEncoder();
  encoding.writeVarUint(encoder, MESSAGE_AUTH);
  encoding.writeVarUint(encoder, 0);
  encoding.writeVarString(encoder, reason);
  return encoding.toUint8Array(encoder);
}
