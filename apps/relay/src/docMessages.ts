import * as decoding from "lib0/decoding";
import * as encoding from "lib0/encoding";
import * as Y from "yjs";

/*
 * y-websocket messages as the relay sees them, before they reach @y/websocket-server: every message is
 * parsed completely here (a malformed one never touches a document), and classified so the relay can
 * tell document writes from reads. Grammar (y-protocols): varUint type, then
 *   0 sync:      varUint step (0 = step 1: varUint8Array state vector; 1 = step 2, 2 = update: varUint8Array update)
 *   1 awareness: varUint8Array { varUint count, count x (varUint client, varUint clock, varString JSON) }
 *                (a state is a JSON object, or null when the client left)
 *   2 auth, 3 query-awareness: not accepted from clients.
 */

/** One entry of an awareness update: a Yjs clientID's state (null: the client left) at its clock. */
export interface AwarenessEntry {
  readonly clientID: number;
  readonly clock: number;
  /** The state as sent (forwarded verbatim when the relay keeps the entry); "" when oversized. */
  readonly json: string;
  readonly state: unknown;
  /** Its JSON was longer than the bound given to `readDocMessage`: skipped, never decoded or parsed. */
  readonly oversized?: true;
}

export type DocMessage =
  | { readonly type: "sync-step1" }
  | { readonly type: "sync-step2" | "update"; readonly update: Uint8Array }
  | { readonly type: "awareness"; readonly entries: readonly AwarenessEntry[] };

export type DocMessageCheck =
  | { readonly ok: true; readonly message: DocMessage }
  | { readonly ok: false; readonly reason: string };

const MESSAGE_SYNC = 0;
const MESSAGE_AWARENESS = 1;
const MESSAGE_AUTH = 2;

/** The message type (sync 0, awareness 1, ...) read from the first byte(s), without parsing the rest. */
export function peekDocMessageType(bytes: Uint8Array): number | undefined {
  try {
    return decoding.readVarUint(decoding.createDecoder(bytes));
  } catch {
    return undefined;
  }
}

export const MESSAGE_AWARENESS_TYPE = 1;

/**
 * Parse and check a client's message. Awareness states longer than `maxAwarenessStateBytes` (UTF-8
 * bytes, as declared in the framing) are skipped unread and returned `oversized`.
 */
export function readDocMessage(
  bytes: Uint8Array,
  maxAwarenessStateBytes = Number.POSITIVE_INFINITY,
): DocMessageCheck {
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
      message = {
        type: "awareness",
        entries: readAwarenessUpdate(decoding.readVarUint8Array(decoder), maxAwarenessStateBytes),
      };
    } else {
      return { ok: false, reason: `message type ${type} is not accepted from clients` };
    }
    if (decoding.hasContent(decoder)) return { ok: false, reason: "trailing bytes" };
    return { ok: true, message };
  } catch (error) {
    return { ok: false, reason: error instanceof Error ? error.message : String(error) };
  }
}

function readAwarenessUpdate(update: Uint8Array, maxStateBytes: number): AwarenessEntry[] {
  const decoder = decoding.createDecoder(update);
  const count = decoding.readVarUint(decoder);
  const entries: AwarenessEntry[] = [];
  for (let i = 0; i < count; i++) {
    const clientID = decoding.readVarUint(decoder);
    const clock = decoding.readVarUint(decoder);
    // varString = varUint byte length + UTF-8: the length decides before any byte is decoded.
    const start = decoder.pos;
    const length = decoding.readVarUint(decoder);
    if (decoder.pos + length > update.byteLength) throw new RangeError("awareness state past the end");
    if (length > maxStateBytes) {
      decoder.pos += length;
      entries.push({ clientID, clock, json: "", state: undefined, oversized: true });
      continue;
    }
    decoder.pos = start;
    const json = decoding.readVarString(decoder);
    const state: unknown = JSON.parse(json);
    if (state !== null && typeof state !== "object")
      throw new TypeError("awareness state must be an object or null");
    entries.push({ clientID, clock, json, state });
  }
  if (decoding.hasContent(decoder)) throw new TypeError("trailing bytes in awareness update");
  return entries;
}

/** A y-websocket awareness message carrying `entries` (y-protocols' encodeAwarenessUpdate layout). */
export function awarenessMessage(entries: readonly AwarenessEntry[]): Uint8Array {
  const inner = encoding.createEncoder();
  encoding.writeVarUint(inner, entries.length);
  for (const entry of entries) {
    encoding.writeVarUint(inner, entry.clientID);
    encoding.writeVarUint(inner, entry.clock);
    encoding.writeVarString(inner, entry.json);
  }
  const encoder = encoding.createEncoder();
  encoding.writeVarUint(encoder, MESSAGE_AWARENESS);
  encoding.writeVarUint8Array(encoder, encoding.toUint8Array(inner));
  return encoding.toUint8Array(encoder);
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
