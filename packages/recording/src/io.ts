import { RecordingError } from "./errors.ts";

/**
 * Random-access bytes: a file, a Blob, an in-memory buffer. The same shape as `@mcap/core`'s
 * `IReadable`, so a source passes straight to its readers. `read` may return a view that the caller
 * must not mutate; it must return exactly `size` bytes or reject.
 */
export interface RecordingSource {
  size(): Promise<bigint>;
  read(offset: bigint, size: bigint): Promise<Uint8Array>;
}

/**
 * Where a writer's bytes go, in order. `write` may be synchronous or return a promise; the writer
 * never calls it again before the previous call settled, and never mutates bytes it has passed.
 */
export interface RecordingSink {
  write(bytes: Uint8Array): void | Promise<void>;
}

/** `[start, end)` of a read of `size` bytes at `offset` from `total` bytes; a `RecordingError` if outside. */
function readRange(offset: bigint, size: bigint, total: number): [number, number] {
  const start = Number(offset);
  const end = start + Number(size);
  if (start < 0 || end > total) {
    throw new RecordingError("io", `read ${start}..${end} is outside the ${total} bytes`);
  }
  return [start, end];
}

/** A source over bytes in memory. */
export function bytesSource(bytes: Uint8Array): RecordingSource {
  return {
    size: async () => BigInt(bytes.byteLength),
    read: async (offset, size) => bytes.subarray(...readRange(offset, size, bytes.byteLength)),
  };
}

/** A source over a Blob or File (browser uploads; Node 20 has Blob too). */
export function blobSource(blob: Blob): RecordingSource {
  return {
    size: async () => BigInt(blob.size),
    read: async (offset, size) =>
      new Uint8Array(await blob.slice(...readRange(offset, size, blob.size)).arrayBuffer()),
  };
}

/** A sink that keeps everything in memory; `bytes()` joins what was written. */
export interface MemorySink extends RecordingSink {
  bytes(): Uint8Array;
  readonly length: number;
}

export function memorySink(): MemorySink {
  const parts: Uint8Array[] = [];
  let length = 0;
  return {
    write(bytes) {
      parts.push(bytes.slice());
      length += bytes.byteLength;
    },
    get length() {
      return length;
    },
    bytes() {
      const out = new Uint8Array(length);
      let at = 0;
      for (const part of parts) {
        out.set(part, at);
        at += part.byteLength;
      }
      parts.length = 0;
      parts.push(out);
      return out;
    },
  };
}

/**
 * Reads a source through a read-ahead window, so sequential scans of small records do not turn into
 * one `read` call per record. Returned views are valid until the next call.
 */
export class WindowedReader {
  #window: Uint8Array = new Uint8Array(0);
  #windowStart = 0;
  constructor(
    readonly source: RecordingSource,
    readonly size: number,
    readonly windowBytes = 4 << 20,
  ) {}

  /** `length` bytes at `offset`, or fewer if the source ends first. */
  async read(offset: number, length: number): Promise<Uint8Array> {
    const end = Math.min(offset + length, this.size);
    if (offset >= this.#windowStart && end <= this.#windowStart + this.#window.byteLength) {
      return this.#window.subarray(offset - this.#windowStart, end - this.#windowStart);
    }
    if (end <= offset) return new Uint8Array(0);
    const fetchEnd = Math.min(this.size, Math.max(end, offset + this.windowBytes));
    try {
      this.#window = await this.source.read(BigInt(offset), BigInt(fetchEnd - offset));
    } catch (error) {
      throw new RecordingError("io", `reading bytes ${offset}..${fetchEnd}: ${String(error)}`, {
        cause: error,
      });
    }
    this.#windowStart = offset;
    return this.#window.subarray(0, end - offset);
  }
}
