import { MAX_MESSAGE_BYTES } from "@depthroom/schema";

/*
 * A producer sends the same header again and again: the same kind, flags, entity path and timeline
 * names, only the timeline values (and the body) change. `RepeatedHeader` remembers the last header
 * that `readEnvelope` (schema message.ts, the one reader of the grammar) accepted, and recognises a
 * message whose header is those bytes with other i64 values and whose `body.length` holds: what the
 * relay read of the first, it knows of this one, without decoding strings, BigInts or building a key.
 * Anything else goes through `readEnvelope` again (and is remembered if accepted). An i64 value is
 * never refused by `readEnvelope`, and the body length is checked as it checks it, so a message taken
 * here is one `readEnvelope` accepts, with the same kind, entity path and flags.
 *
 * Header layout (PROTOCOL.md, little-endian): magic(4) version kind kindVersion flags, u16 path length +
 * path, u8 timeline count, per timeline u8 name length + name, u8 kind, i64 value; then u32 body length.
 */
interface Remembered<T> {
  /** A copy of the header, up to its body length. */
  readonly header: Uint8Array;
  /** Offsets of the header's i64 values (8 bytes each, skipped in the comparison). */
  readonly values: readonly number[];
  readonly value: T;
}

export class RepeatedHeader<T> {
  /** The last headers remembered, at most `capacity` (one per entity a producer sends, typically). */
  readonly #remembered: Remembered<T>[] = [];

  constructor(readonly capacity = 8) {}

  /** What was remembered with a message whose header this one repeats, or undefined. */
  match(bytes: Uint8Array): T | undefined {
    if (bytes.length > MAX_MESSAGE_BYTES) return undefined;
    for (const remembered of this.#remembered) {
      if (repeats(bytes, remembered)) return remembered.value;
    }
    return undefined;
  }

  /** Remember `bytes`' header (a message `readEnvelope` accepted) with what was read of it. */
  remember(bytes: Uint8Array, value: T): void {
    const values: number[] = [];
    let at = 8;
    const pathLength = (bytes[at] as number) | ((bytes[at + 1] as number) << 8);
    at += 2 + pathLength;
    const timelines = bytes[at++] as number;
    for (let i = 0; i < timelines; i++) {
      at += 1 + (bytes[at] as number) + 1;
      values.push(at);
      at += 8;
    }
    if (at + 4 > bytes.length) return;
    if (this.#remembered.length >= this.capacity) this.#remembered.shift();
    this.#remembered.push({ header: bytes.slice(0, at), values, value });
  }
}

/** Whether `bytes` has `remembered`'s header but for its i64 values, and a body of the length it says. */
function repeats(bytes: Uint8Array, { header, values }: Remembered<unknown>): boolean {
  const end = header.length;
  if (bytes.length < end + 4) return false;
  let at = 0;
  for (const value of values) {
    for (; at < value; at++) if (bytes[at] !== header[at]) return false;
    at = value + 8;
  }
  for (; at < end; at++) if (bytes[at] !== header[at]) return false;
  const bodyLength =
    ((bytes[end] as number) |
      ((bytes[end + 1] as number) << 8) |
      ((bytes[end + 2] as number) << 16) |
      ((bytes[end + 3] as number) << 24)) >>>
    0;
  return bodyLength === bytes.length - end - 4;
}
