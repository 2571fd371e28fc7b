import { DecodeError } from "./errors.ts";

const utf8Encoder = new TextEncoder();
const utf8Decoder = new TextDecoder("utf-8", { fatal: true });

/**
 * A growable little-endian byte writer. `write*` functions of each codec append to it; `finish()`
 * returns the written bytes in a buffer of their own, exactly their size. A frame's pixels go in last
 * through `payload()`, by reference, so they are copied once (into that result) rather than into this
 * buffer and out of it again.
 */
export class Encoder {
  private buf: Uint8Array;
  private view: DataView;
  /** Written bytes in `buf`; the payload, if any, follows them. */
  pos = 0;
  private tail: Uint8Array | undefined;

  constructor(initialCapacity = 256) {
    this.buf = new Uint8Array(initialCapacity);
    this.view = new DataView(this.buf.buffer);
  }

  private ensure(extra: number): void {
    if (this.tail) throw new RangeError("nothing may follow a payload");
    const needed = this.pos + extra;
    if (needed <= this.buf.length) return;
    let capacity = this.buf.length * 2;
    while (capacity < needed) capacity *= 2;
    const next = new Uint8Array(capacity);
    next.set(this.buf.subarray(0, this.pos));
    this.buf = next;
    this.view = new DataView(next.buffer);
  }

  u8(v: number): void {
    this.ensure(1);
    this.view.setUint8(this.pos, v);
    this.pos += 1;
  }
  u16(v: number): void {
    this.ensure(2);
    this.view.setUint16(this.pos, v, true);
    this.pos += 2;
  }
  u32(v: number): void {
    this.ensure(4);
    this.view.setUint32(this.pos, v, true);
    this.pos += 4;
  }
  i64(v: bigint): void {
    this.ensure(8);
    this.view.setBigInt64(this.pos, v, true);
    this.pos += 8;
  }
  f32(v: number): void {
    this.ensure(4);
    this.view.setFloat32(this.pos, v, true);
    this.pos += 4;
  }
  f64(v: number): void {
    this.ensure(8);
    this.view.setFloat64(this.pos, v, true);
    this.pos += 8;
  }
  bytes(v: Uint8Array): void {
    this.ensure(v.length);
    this.buf.set(v, this.pos);
    this.pos += v.length;
  }
  /** A u16 byte length then the UTF-8 bytes. */
  string16(v: string): void {
    const b = utf8Encoder.encode(v);
    this.u16(b.length);
    this.bytes(b);
  }
  /** A u8 byte length then the UTF-8 bytes. */
  string8(v: string): void {
    const b = utf8Encoder.encode(v);
    if (b.length > 255) throw new RangeError("string longer than 255 bytes");
    this.u8(b.length);
    this.bytes(b);
  }
  /**
   * The last field: `v` is kept by reference and copied once, by `finish()`. It must not change
   * before then, and nothing may be written after it.
   */
  payload(v: Uint8Array): void {
    this.ensure(0);
    this.tail = v;
  }
  /** Overwrite 4 bytes written earlier at `at` (a length known only once what follows is written). */
  setU32(at: number, v: number): void {
    if (at + 4 > this.pos) throw new RangeError(`setU32 at ${at}: only ${this.pos} bytes written`);
    this.view.setUint32(at, v, true);
  }
  /** Bytes written so far, the payload included. */
  get length(): number {
    return this.pos + (this.tail?.length ?? 0);
  }
  /**
   * The written bytes and the payload, in a new buffer of exactly their size, or in what `output` gives
   * for that size (a view of a reused buffer: the caller's, who must not reuse it while it is in use).
   */
  finish(output?: (length: number) => Uint8Array): Uint8Array {
    const length = this.length;
    const out = output ? output(length) : new Uint8Array(length);
    if (out.length !== length) throw new RangeError(`output gave ${out.length} bytes for ${length}`);
    out.set(this.buf.subarray(0, this.pos));
    if (this.tail) out.set(this.tail, this.pos);
    return out;
  }
  /** Start over, keeping the buffer (an encoder reused per message allocates only when it grows). */
  reset(): void {
    this.pos = 0;
    this.tail = undefined;
  }
}

/** A bounds-checked little-endian reader: running past the end throws `DecodeError("truncated")`. */
export class Decoder {
  private readonly view: DataView;
  pos: number;

  constructor(
    readonly bytes: Uint8Array,
    offset = 0,
  ) {
    this.view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
    this.pos = offset;
  }

  get remaining(): number {
    return this.bytes.length - this.pos;
  }

  private need(n: number, field: string): void {
    if (this.pos + n > this.bytes.length) {
      throw new DecodeError("truncated", field, `needs ${n} bytes, ${this.remaining} left`);
    }
  }

  u8(field: string): number {
    this.need(1, field);
    return this.view.getUint8(this.pos++);
  }
  u16(field: string): number {
    this.need(2, field);
    const v = this.view.getUint16(this.pos, true);
    this.pos += 2;
    return v;
  }
  u32(field: string): number {
    this.need(4, field);
    const v = this.view.getUint32(this.pos, true);
    this.pos += 4;
    return v;
  }
  i64(field: string): bigint {
    this.need(8, field);
    const v = this.view.getBigInt64(this.pos, true);
    this.pos += 8;
    return v;
  }
  f32(field: string): number {
    this.need(4, field);
    const v = this.view.getFloat32(this.pos, true);
    this.pos += 4;
    return v;
  }
  f64(field: string): number {
    this.need(8, field);
    const v = this.view.getFloat64(this.pos, true);
    this.pos += 8;
    return v;
  }
  /** A view of the next `n` bytes (no copy). */
  bytesView(n: number, field: string): Uint8Array {
    this.need(n, field);
    const v = this.bytes.subarray(this.pos, this.pos + n);
    this.pos += n;
    return v;
  }
  private utf8(n: number, field: string): string {
    const b = this.bytesView(n, field);
    try {
      return utf8Decoder.decode(b);
    } catch {
      throw new DecodeError("invalid-field", field, "not valid UTF-8");
    }
  }
  string16(field: string): string {
    return this.utf8(this.u16(field), field);
  }
  string8(field: string): string {
    return this.utf8(this.u8(field), field);
  }
}
