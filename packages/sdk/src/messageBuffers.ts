/**
 * The producer's frame messages, written into buffers it reuses instead of a new frame-sized buffer per
 * `log()` (a fresh one is zero-filled memory the system must map in, then garbage to collect). A buffer
 * comes back with `give` once its message is done with (acknowledged, refused or dropped: the socket
 * copied it long before, as it masks it into its own write). Each taken buffer has room to spare (RVL
 * sizes vary by frame); at most `keep` free buffers are kept, so memory stays bounded when frames shrink
 * or the producer idles.
 */
export class MessageBuffers {
  private readonly free: ArrayBuffer[] = [];

  constructor(private readonly keep: number) {}

  /** A view of `length` bytes over a free buffer that holds them, else over a new one (a quarter spare). */
  readonly take = (length: number): Uint8Array => {
    for (let i = this.free.length - 1; i >= 0; i--) {
      const buffer = this.free[i] as ArrayBuffer;
      if (buffer.byteLength >= length) {
        this.free.splice(i, 1);
        return new Uint8Array(buffer, 0, length);
      }
    }
    const capacity = Math.ceil((length * 1.25) / SPARE_ROUNDING) * SPARE_ROUNDING;
    return new Uint8Array(new ArrayBuffer(capacity), 0, length);
  };

  /** `bytes` (from `take`) is done with: its buffer may be taken again. */
  give(bytes: Uint8Array): void {
    const buffer = bytes.buffer as ArrayBuffer;
    if (this.free.includes(buffer)) return; // given twice: kept once, never handed out twice
    if (this.free.length >= this.keep) this.free.shift(); // the oldest goes to the garbage collector
    this.free.push(buffer);
  }

  /** Free buffers kept. */
  get size(): number {
    return this.free.length;
  }
}

const SPARE_ROUNDING = 4096;
