/// <reference path="./lz4js.d.ts" />
import { decompress as zstdDecompress } from "fzstd";
import lz4 from "lz4js";
import { RecordingError } from "./errors.ts";

/*
 * Chunk compression, pure JS so it runs in Node and the browser. Reading: lz4 (frame format, lz4js)
 * and zstd (fzstd). Writing: none by default (RVL depth is already compressed about 3.4x; lz4 on top
 * gains little and costs CPU on the relay's hot path), lz4 on request.
 */
export type ChunkCompression = "" | "lz4";

/** The largest chunk any reader here will inflate (a header claiming more is corrupt). */
export const MAX_CHUNK_BYTES = 1 << 30;

export function decompressChunk(compression: string, data: Uint8Array, uncompressedSize: bigint): Uint8Array {
  if (uncompressedSize > BigInt(MAX_CHUNK_BYTES)) {
    throw new RecordingError(
      "corrupt",
      `chunk claims ${uncompressedSize} bytes, more than ${MAX_CHUNK_BYTES}`,
    );
  }
  const size = Number(uncompressedSize);
  let out: Uint8Array;
  try {
    switch (compression) {
      case "":
        return data;
      case "lz4":
        out = lz4.decompress(data, size);
        break;
      case "zstd":
        out = zstdDecompress(data, new Uint8Array(size));
        break;
      default:
        throw new RecordingError("corrupt", `unsupported chunk compression "${compression}"`);
    }
  } catch (error) {
    if (error instanceof RecordingError) throw error;
    throw new RecordingError("corrupt", `${compression} chunk does not decompress: ${String(error)}`, {
      cause: error,
    });
  }
  if (out.byteLength !== size) {
    throw new RecordingError(
      "corrupt",
      `${compression} chunk decompressed to ${out.byteLength} bytes, its header says ${size}`,
    );
  }
  return out;
}

export function compressChunk(compression: ChunkCompression, data: Uint8Array): Uint8Array {
  return compression === "lz4" ? lz4.compress(data) : data;
}

/** For `@mcap/core` readers. */
export const decompressHandlers = {
  lz4: (data: Uint8Array, size: bigint) => decompressChunk("lz4", data, size),
  zstd: (data: Uint8Array, size: bigint) => decompressChunk("zstd", data, size),
};
