import { DecodeError, ValidationError } from "./errors.ts";
import { UP_ESC_UNPREDICT_WASM_BASE64 } from "./wasm/upEscUnpredictWasm.ts";
import { ZSTD_DECODER_WASM_BASE64 } from "./wasm/zstdDecoderWasm.ts";

/*
 * up-zstd ("up-zstd" on the wire, encoding id 4): lossless 16-bit depth, about 2.5x RVL's ratio on
 * Kinect v1 depth and 1.2x on time-of-flight depth, and unlike MED-deflate it decodes faster than RVL
 * in a browser worker (see bench/depthCodec.bench.ts and docs/research-zstd.md).
 *
 * Stage 1 ("up-esc"): each pixel's residual from the pixel above (the left one in the first row),
 * zigzagged, one byte when < 255 else 255 and the 16-bit value (PROTOCOL.md). Its inverse has no
 * left-neighbour chain after the first row, so it runs as a tight loop; stage 2 is one zstd frame.
 *
 * Both stages run in WebAssembly. The decoder is npm zstddec's 54 KB zstd decoder, embedded as base64
 * by wasm/build.ts (the viewer's CSP refuses zstddec's own fetch of a data: URL). It is instantiated
 * synchronously on first use where the platform compiles it at once: Node, workers, and the main
 * thread of the Debian Chromium 156 the tests run (54 KB compiled synchronously, reviewer 06:45). Where
 * a platform refuses synchronous compilation (older Chromium: 4 KB on a page's main thread), decoding
 * throws DecodeError "codec-not-loaded" until `loadUpZstdDecoder()` has finished; callers wait for it
 * (only unit tests that make `WebAssembly.Module` refuse exercise that wait). The encoder (@bokuweb/zstd-wasm, for producers in Node) loads
 * only asynchronously: `await loadUpZstdEncoder()`, before which encoding throws ValidationError.
 *
 * Decoding runs in the decoder's own memory: the payload is copied in, `ZSTD_decompress` writes the
 * stage-1 bytes there and the hand-written loop of wasm/upEscUnpredict.wat rebuilds the pixels there,
 * then one copy out. Hostile bytes: the payload must be exactly one zstd frame (zstdFrameExtent), its
 * declared content size is checked against its blocks' bound and
 * [pixels, 3 x pixels] before anything is allocated for it, `ZSTD_decompress` gets exactly that
 * capacity, `ZSTD_isError` is checked, and the loop bounds-checks every read and returns the bytes it
 * read, which must be all of them (every refusal: DecodeError "corrupt-payload").
 */

const FIELD = "up-zstd";

/** The most stage-1 bytes `pixelCount` pixels can take: every residual escaped. */
export function upEscStageOneBound(pixelCount: number): number {
  return 3 * pixelCount;
}

let scratch = new Uint8Array(0);

/**
 * Stage 1 only (exported for tests and the bench): the up-esc bytes before zstd, as a view of a scratch
 * buffer that the next call overwrites (copy it to keep it; the scratch keeps 3 x the largest frame's
 * pixels).
 */
export function upEscPredict(input: Uint16Array, width: number): Uint8Array {
  const n = input.length;
  const bound = upEscStageOneBound(n);
  if (scratch.length < bound) scratch = new Uint8Array(bound);
  const out = scratch;
  let o = 0;
  // First row: the left pixel (0 before pixel 0); other rows: the pixel above. The residual's write is
  // spelt out in both loops: one shared function measured 1.15x (TUM) to 1.6x (Azure) slower here.
  const firstRow = Math.min(width, n);
  let left = 0;
  for (let i = 0; i < firstRow; i++) {
    const v = input[i] as number;
    const r = ((v - left) << 16) >> 16; // the difference modulo 2^16, as signed 16-bit
    const z = ((r << 1) ^ (r >> 15)) & 0xffff;
    left = v;
    if (z < 255) out[o++] = z;
    else {
      out[o] = 255;
      out[o + 1] = z & 255;
      out[o + 2] = z >> 8;
      o += 3;
    }
  }
  for (let i = firstRow; i < n; i++) {
    const r = (((input[i] as number) - (input[i - width] as number)) << 16) >> 16;
    const z = ((r << 1) ^ (r >> 15)) & 0xffff;
    if (z < 255) out[o++] = z;
    else {
      out[o] = 255;
      out[o + 1] = z & 255;
      out[o + 2] = z >> 8;
      o += 3;
    }
  }
  return out.subarray(0, o);
}

// ---- encoder ---------------------------------------------------------------------------------------

/** The zstd level the encoder uses (not wire format: any level decodes the same). */
export const UP_ZSTD_LEVEL = 1;

let compressZstd: ((bytes: Uint8Array, level: number) => Uint8Array) | undefined;
let encoderLoading: Promise<void> | undefined;

/** Loads the zstd encoder (once; later calls return the same promise). Needed by `upZstdEncode`. */
export function loadUpZstdEncoder(): Promise<void> {
  encoderLoading ??= import("@bokuweb/zstd-wasm").then(async (zstd) => {
    await zstd.init();
    compressZstd = zstd.compress;
  });
  return encoderLoading;
}

/** Whether `upZstdEncode` can run now (its loader has finished). */
export function upZstdEncoderLoaded(): boolean {
  return compressZstd !== undefined;
}

/** Encodes U16 depth (row-major, `width` pixels a row) as an up-zstd payload. */
export function upZstdEncode(input: Uint16Array, width: number): Uint8Array {
  if (!compressZstd) {
    throw new ValidationError(
      "DepthImage.encoding",
      "up-zstd: the encoder is not loaded (await loadUpZstdEncoder())",
    );
  }
  return compressZstd(upEscPredict(input, width), UP_ZSTD_LEVEL);
}

// ---- decoder ---------------------------------------------------------------------------------------

/** What upZstdDecode uses of the zstd decoder (its exports as zstddec's emscripten build names them). */
interface ZstdDecoderExports {
  readonly memory: WebAssembly.Memory;
  malloc(size: number): number;
  free(pointer: number): void;
  ZSTD_findDecompressedSize(src: number, size: number): bigint;
  ZSTD_decompress(dst: number, capacity: number, src: number, size: number): number;
  ZSTD_isError(code: number): number;
}

interface LoadedDecoder {
  readonly zstd: ZstdDecoderExports;
  readonly unpredict: (s: number, length: number, out: number, pixels: number, width: number) => number;
  /** Buffers kept across frames in the decoder's memory: [pointer, bytes] each. */
  readonly buffers: { src: [number, number]; stage: [number, number]; out: [number, number] };
}

let decoder: LoadedDecoder | undefined;
let decoderLoading: Promise<void> | undefined;

const fromBase64 = (base64: string) => Uint8Array.from(atob(base64), (c) => c.charCodeAt(0));

/** The zstd decoder's one import: told of memory growth (upZstdDecode takes `memory.buffer` afresh). */
const ZSTD_IMPORTS = { env: { emscripten_notify_memory_growth: () => {} } };

/** The decoder around an instantiated zstd decoder: the unpredict loop joins its memory. */
function wrap(instance: WebAssembly.Instance): LoadedDecoder {
  const zstd = instance.exports as unknown as ZstdDecoderExports;
  // A few hundred bytes: synchronous compilation is allowed everywhere (also a page's main thread).
  const loop = new WebAssembly.Instance(new WebAssembly.Module(fromBase64(UP_ESC_UNPREDICT_WASM_BASE64)), {
    env: { memory: zstd.memory },
  });
  return {
    zstd,
    unpredict: loop.exports.unpredictUpEsc as LoadedDecoder["unpredict"],
    buffers: { src: [0, 0], stage: [0, 0], out: [0, 0] },
  };
}

const instantiateAsync = () =>
  WebAssembly.instantiate(fromBase64(ZSTD_DECODER_WASM_BASE64), ZSTD_IMPORTS).then(({ instance }) =>
    wrap(instance),
  );

/** Loads the zstd decoder and the unpredict loop (once; later calls return the same promise). */
export function loadUpZstdDecoder(): Promise<void> {
  decoderLoading ??= decoder
    ? Promise.resolve()
    : instantiateAsync().then((loaded) => {
        decoder ??= loaded;
      });
  return decoderLoading;
}

let synchronousRefused = false;

/**
 * The decoder, instantiated synchronously on first use where the platform allows it (Node and workers
 * compile any size at once, so a Node subscriber or export needs no loader call). Where a platform
 * refuses synchronous compilation (older Chromium: 4 KB on a page's main thread), its asynchronous
 * loader starts and this frame is "codec-not-loaded".
 */
function decoderNow(): LoadedDecoder | undefined {
  if (decoder || synchronousRefused) return decoder;
  decoder = instantiateNow();
  // Its failure shows as codec-not-loaded on later frames.
  if (!decoder) loadUpZstdDecoder().catch(() => {});
  return decoder;
}

/** A fresh decoder compiled synchronously, or undefined (remembered) where the platform refuses that. */
function instantiateNow(): LoadedDecoder | undefined {
  if (synchronousRefused) return undefined;
  try {
    const module = new WebAssembly.Module(fromBase64(ZSTD_DECODER_WASM_BASE64));
    return wrap(new WebAssembly.Instance(module, ZSTD_IMPORTS));
  } catch {
    synchronousRefused = true;
    return undefined;
  }
}

/** Whether `upZstdDecode` can run now (its loader has finished). */
export function upZstdDecoderLoaded(): boolean {
  return decoder !== undefined;
}

/** A buffer of at least `size` bytes in the decoder's memory, reused across frames. */
function reserve(d: LoadedDecoder, which: keyof LoadedDecoder["buffers"], size: number): number {
  const slot = d.buffers[which];
  if (slot[1] >= size && slot[0] !== 0) return slot[0];
  if (slot[0] !== 0) d.zstd.free(slot[0]);
  const want = Math.max(size, 64);
  const pointer = d.zstd.malloc(want);
  slot[0] = pointer;
  slot[1] = pointer === 0 ? 0 : want;
  if (pointer === 0) throw new DecodeError("too-large", FIELD, `no memory for ${size} bytes`);
  return pointer;
}

/**
 * Decodes an up-zstd payload into `pixelCount` U16 pixels of rows `width` wide; throws DecodeError
 * ("corrupt-payload", or "codec-not-loaded" before `loadUpZstdDecoder()` has finished).
 */
export function upZstdDecode(payload: Uint8Array, pixelCount: number, width: number): Uint16Array {
  const d = decoderNow();
  if (!d) {
    throw new DecodeError("codec-not-loaded", FIELD, "the decoder is not loaded (await loadUpZstdDecoder())");
  }
  try {
    return decodeLoaded(d, payload, pixelCount, width);
  } catch (error) {
    if (error instanceof DecodeError) throw error;
    // A trap or a failed memory growth inside the WebAssembly (none is expected: the loop checks its
    // bounds and zstd its input), still reported as bad bytes, never as another exception.
    throw new DecodeError("corrupt-payload", FIELD, `${(error as Error).message}`);
  } finally {
    retireIfLarge(d);
  }
}

/**
 * The most WebAssembly memory the decoder keeps between frames. A WebAssembly memory never shrinks, so
 * one large frame (a valid 1 KB payload of 2^25 zero pixels takes 32 MiB of stage 1 and 64 MiB of
 * output in it) would otherwise stay in every viewer's worker for good; a VGA frame needs under 2 MiB.
 */
export const UP_ZSTD_DECODER_MEMORY_BOUND = 64 * 2 ** 20;

let replacing = false;

/**
 * Replaces a decoder whose memory grew past the bound with a fresh one, so the old memory can be
 * collected: at once where compilation is synchronous (Node, workers: about a millisecond); where the
 * platform refuses that, a fresh one loads asynchronously (`loadUpZstdDecoder()` resolves when it is
 * in place) and this one decodes meanwhile, so no frame waits.
 */
function retireIfLarge(d: LoadedDecoder): void {
  if (d.zstd.memory.buffer.byteLength <= UP_ZSTD_DECODER_MEMORY_BOUND || decoder !== d || replacing) return;
  const fresh = instantiateNow();
  if (fresh) {
    decoder = fresh;
    return;
  }
  replacing = true;
  decoderLoading = instantiateAsync()
    .then(
      (loaded) => {
        if (decoder === d) decoder = loaded;
      },
      () => {}, // keep this one
    )
    .finally(() => {
      replacing = false;
    });
}

/** The bytes of WebAssembly memory the decoder holds now (0 when none is instantiated): for tests. */
export function upZstdDecoderMemoryBytes(): number {
  return decoder ? decoder.zstd.memory.buffer.byteLength : 0;
}

/** A zstd block regenerates at most this many bytes (RFC 8878 Block_Maximum_Size). */
const ZSTD_BLOCK_MAX = 128 * 1024;

/**
 * The zstd frame (RFC 8878 3.1.1) that `bytes` starts with: its length, walking its block headers as
 * ZSTD_findFrameCompressedSize does (which zstddec does not export), and the most content its blocks
 * can regenerate (raw and RLE blocks their size, compressed ones at most 128 KB); undefined if `bytes`
 * does not start with one (a skippable frame included) or it is cut short. zstd checks the rest.
 */
export function zstdFrameExtent(bytes: Uint8Array): { length: number; contentBound: number } | undefined {
  if (bytes.length < 6 || bytes[0] !== 0x28 || bytes[1] !== 0xb5 || bytes[2] !== 0x2f || bytes[3] !== 0xfd) {
    return undefined;
  }
  const descriptor = bytes[4] as number;
  const singleSegment = (descriptor >> 5) & 1;
  const contentSizeBytes = [singleSegment, 2, 4, 8][descriptor >> 6] as number;
  const dictionaryBytes = [0, 1, 2, 4][descriptor & 3] as number;
  let p = 5 + (1 - singleSegment) + dictionaryBytes + contentSizeBytes;
  let contentBound = 0;
  for (;;) {
    if (p + 3 > bytes.length) return undefined;
    const header = (bytes[p] as number) | ((bytes[p + 1] as number) << 8) | ((bytes[p + 2] as number) << 16);
    const type = (header >> 1) & 3; // raw, RLE, compressed, reserved
    const size = header >>> 3;
    if (type === 3) return undefined;
    p += 3 + (type === 1 ? 1 : size);
    contentBound += type === 2 ? ZSTD_BLOCK_MAX : Math.min(size, ZSTD_BLOCK_MAX);
    if (header & 1) break; // the last block
  }
  p += (descriptor >> 2) & 1 ? 4 : 0; // the content checksum
  return p > bytes.length ? undefined : { length: p, contentBound };
}

function decodeLoaded(d: LoadedDecoder, payload: Uint8Array, pixelCount: number, width: number): Uint16Array {
  const frame = zstdFrameExtent(payload);
  if (frame?.length !== payload.length) {
    throw new DecodeError(
      "corrupt-payload",
      FIELD,
      frame ? `${payload.length - frame.length} bytes after the zstd frame` : "not a whole zstd frame",
    );
  }
  const { zstd } = d;
  const src = reserve(d, "src", payload.length);
  new Uint8Array(zstd.memory.buffer).set(payload, src);
  const declared = zstd.ZSTD_findDecompressedSize(src, payload.length); // -1n unknown, -2n error
  if (declared < BigInt(pixelCount) || declared > BigInt(upEscStageOneBound(pixelCount))) {
    throw new DecodeError(
      "corrupt-payload",
      FIELD,
      declared < 0n
        ? `not a zstd frame with its content size (${declared === -1n ? "unknown" : "invalid"})`
        : `content of ${declared} bytes, ${pixelCount} pixels take ${pixelCount}..${upEscStageOneBound(pixelCount)}`,
    );
  }
  const size = Number(declared);
  if (size > frame.contentBound) {
    // Refused before reserving memory for it: a few bytes cannot claim megabytes.
    throw new DecodeError(
      "corrupt-payload",
      FIELD,
      `content of ${size} bytes from blocks giving ${frame.contentBound} at most`,
    );
  }
  const stage = reserve(d, "stage", size);
  const out = reserve(d, "out", 2 * pixelCount);
  const written = zstd.ZSTD_decompress(stage, size, src, payload.length);
  if (zstd.ZSTD_isError(written)) throw new DecodeError("corrupt-payload", FIELD, "invalid zstd frame");
  if (written !== size) {
    throw new DecodeError("corrupt-payload", FIELD, `${written} bytes of content, the frame said ${size}`);
  }
  const read = d.unpredict(stage, size, out, pixelCount, width);
  if (read !== size) {
    throw new DecodeError(
      "corrupt-payload",
      FIELD,
      read < 0
        ? `stage 1 ends before pixel ${pixelCount}`
        : `${size - read} stage-1 bytes after the last pixel`,
    );
  }
  return new Uint16Array(zstd.memory.buffer, out, pixelCount).slice();
}
