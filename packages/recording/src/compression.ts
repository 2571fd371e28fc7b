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

/** The largest chunk any reader here will inflate (a header claiming more is refused). */
export const MAX_CHUNK_BYTES = 256 * 1024 * 1024;
/** Chunks up to this size inflate whatever their ratio (zeros compress very well). */
export const RATIO_FREE_CHUNK_BYTES = 16 * 1024 * 1024;
/** Larger chunks may inflate to at most this many times their compressed size (decompression bombs). */
export const MAX_CHUNK_RATIO = 1000;
/** The most records one chunk may hold (a million empty records take seconds to walk). */
export const MAX_RECORDS_PER_CHUNK = 100_000;

/**
 * Inflate a chunk. Refused before any allocation (`RecordingError` `corrupt`): a declared size over
 * MAX_CHUNK_BYTES, or over RATIO_FREE_CHUNK_BYTES and MAX_CHUNK_RATIO times the compressed bytes.
 */
export function decompressChunk(compression: string, data: Uint8Array, uncompressedSize: bigint): Uint8Array {
  if (uncompressedSize > BigInt(MAX_CHUNK_BYTES)) {
    throw new RecordingError(
      "corrupt",
      `chunk claims ${uncompressedSize} bytes, more than ${MAX_CHUNK_BYTES}`,
    );
  }
  if (
    compression !== "" &&
    uncompressedSize > BigInt(RATIO_FREE_CHUNK_BYTES) &&
    uncompressedSize > BigInt(data.byteLength) * BigInt(MAX_CHUNK_RATIO)
  ) {
    throw new RecordingError(
      "corrupt",
      `${compression} chunk of ${data.byteLength} bytes would inflate to ${uncompressedSize}, more than ${MAX_CHUNK_RATIO} times its size (refused as a decompression bomb)`,
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
