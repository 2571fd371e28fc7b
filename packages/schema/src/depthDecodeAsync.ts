import { MED_DEFLATE_IMPLEMENTATION, medStageOneBound, withInflatedPayload } from "./depthCodec.ts";
import { MAX_PIXELS } from "./depthImage.ts";
import { DecodeError } from "./errors.ts";
import { floatStageOneBound } from "./floatDepthCodec.ts";
import { decodeMessage, type LogMessage, readEnvelope } from "./message.ts";

/*
 * Decoding with the browser's native DEFLATE: `DecompressionStream("deflate-raw")` is asynchronous, the
 * wire decoder is not, so a MED-deflate depth payload is inflated first, then the message is decoded
 * synchronously with those stage-1 bytes (depthCodec.ts `withInflatedPayload`); float-deflate (encoding 3)
 * likewise. Everything else, and
 * every runtime without DecompressionStream or with Node's zlib, takes `decodeMessage` as is.
 */

const ENCODING_MED = 2;
const ENCODING_FLOAT_DEFLATE = 3;
const FLAG_DEPTH_RANGE = 1;

/**
 * The DEFLATE payload view of a MED-deflate or float-deflate DepthImage message and the most stage-1
 * bytes it may inflate to, or undefined (other kinds and encodings).
 */
export function medPayloadOf(
  bytes: Uint8Array,
):
  | { payload: Uint8Array; pixelCount: number; encoding: "med" | "float-deflate"; stageOneBound: number }
  | undefined {
  let envelope: ReturnType<typeof readEnvelope>;
  try {
    envelope = readEnvelope(bytes);
  } catch {
    return undefined; // decodeMessage says why
  }
  if (envelope.kind !== "DepthImage") return undefined;
  const at = envelope.bodyOffset;
  // width u32, height u32, datatype u8, colormap u8, encoding u8, flags u8, 3 x f64, [2 x f64], u32 length
  if (bytes.length < at + 12) return undefined;
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const pixelCount = view.getUint32(at, true) * view.getUint32(at + 4, true);
  const encoding = bytes[at + 10];
  if (encoding !== ENCODING_MED && encoding !== ENCODING_FLOAT_DEFLATE) return undefined;
  if (pixelCount < 1 || pixelCount > MAX_PIXELS) return undefined;
  const lengthAt = at + 12 + 24 + ((bytes[at + 11] as number) & FLAG_DEPTH_RANGE ? 16 : 0);
  if (bytes.length < lengthAt + 4) return undefined;
  const length = view.getUint32(lengthAt, true);
  if (bytes.length < lengthAt + 4 + length) return undefined;
  return {
    payload: bytes.subarray(lengthAt + 4, lengthAt + 4 + length),
    pixelCount,
    encoding: encoding === ENCODING_MED ? "med" : "float-deflate",
    stageOneBound: encoding === ENCODING_MED ? medStageOneBound(pixelCount) : floatStageOneBound(pixelCount),
  };
}

/** True when `decodeMessageAsync` would inflate natively (a browser, a MED- or float-deflate message). */
export function decodesNativelyAsync(bytes: Uint8Array): boolean {
  return (
    MED_DEFLATE_IMPLEMENTATION === "fflate" &&
    typeof DecompressionStream === "function" &&
    medPayloadOf(bytes) !== undefined
  );
}

/** Raw DEFLATE through `DecompressionStream`, refused (DecodeError) past `maxBytes` or when corrupt. */
export async function inflateRawNative(
  bytes: Uint8Array,
  maxBytes: number,
  field = "med",
): Promise<Uint8Array> {
  const chunks: Uint8Array[] = [];
  let total = 0;
  try {
    const input = new Blob([bytes as Uint8Array<ArrayBuffer>]).stream();
    const reader = input.pipeThrough(new DecompressionStream("deflate-raw")).getReader();
    for (;;) {
      const { done, value } = await reader.read();
      if (done) break;
      total += value.byteLength;
      if (total > maxBytes) {
        await reader.cancel();
        throw new DecodeError("corrupt-payload", field, `inflates past ${maxBytes} bytes`);
      }
      chunks.push(value);
    }
  } catch (error) {
    if (error instanceof DecodeError) throw error;
    throw new DecodeError("corrupt-payload", field, `bad DEFLATE stream: ${(error as Error).message}`);
  }
  if (chunks.length === 1) return chunks[0] as Uint8Array;
  const out = new Uint8Array(total);
  let o = 0;
  for (const chunk of chunks) {
    out.set(chunk, o);
    o += chunk.byteLength;
  }
  return out;
}

/**
 * `decodeMessage`, with a MED-deflate depth payload inflated natively when `decodesNativelyAsync` says so.
 * Throws (rejects with) `DecodeError` only, as `decodeMessage` does.
 */
export async function decodeMessageAsync(bytes: Uint8Array): Promise<LogMessage> {
  const med = decodesNativelyAsync(bytes) ? medPayloadOf(bytes) : undefined;
  if (!med) return decodeMessage(bytes);
  const stageOne = await inflateRawNative(med.payload, med.stageOneBound, med.encoding);
  return withInflatedPayload(med.payload, stageOne, () => decodeMessage(bytes));
}
