import {
  DecodeError,
  loadUpZstdDecoder,
  loadUpZstdEncoder,
  medDecode,
  medEncode,
  upZstdDecode,
  upZstdEncode,
} from "@depthroom/schema";

/*
 * The schema's U16 depth codecs, MED-deflate (depthCodec.ts) and up-zstd (upZstdCodec.ts), over cases
 * read from stdin, for the Python decoders' cross-checks. One JSON line per case in, one line out:
 *   {"encoding": e, "width": w, "pixels": "<base64 u16>"}                -> {"payload": "<base64>"}
 *   {"encoding": e, "width": w, "count": n, "payload": "<base64>"}      -> {"ok": "<base64 u16>"} or
 *                                                                         {"error": "<problem>"}
 * e is "med" or "up-zstd".
 */
await Promise.all([loadUpZstdEncoder(), loadUpZstdDecoder()]);
const CODECS = {
  med: { encode: medEncode, decode: medDecode },
  "up-zstd": { encode: upZstdEncode, decode: upZstdDecode },
};
const input = await new Promise<string>((resolve) => {
  let text = "";
  process.stdin.on("data", (chunk) => {
    text += chunk;
  });
  process.stdin.on("end", () => resolve(text));
});
const base64 = (a: Uint8Array | Uint16Array) =>
  Buffer.from(a.buffer, a.byteOffset, a.byteLength).toString("base64");
for (const line of input.split("\n").filter(Boolean)) {
  const c = JSON.parse(line) as {
    encoding: keyof typeof CODECS;
    width: number;
    pixels?: string;
    count?: number;
    payload?: string;
  };
  const codec = CODECS[c.encoding];
  if (!codec) throw new Error(`unknown encoding ${c.encoding}`);
  if (c.pixels !== undefined) {
    const bytes = new Uint8Array(Buffer.from(c.pixels, "base64"));
    const pixels = new Uint16Array(bytes.buffer, bytes.byteOffset, bytes.byteLength / 2);
    process.stdout.write(`${JSON.stringify({ payload: base64(codec.encode(pixels, c.width)) })}\n`);
    continue;
  }
  try {
    const out = codec.decode(
      new Uint8Array(Buffer.from(c.payload as string, "base64")),
      c.count as number,
      c.width,
    );
    process.stdout.write(`${JSON.stringify({ ok: base64(out) })}\n`);
  } catch (error) {
    if (!(error instanceof DecodeError)) throw error;
    process.stdout.write(`${JSON.stringify({ error: error.problem })}\n`);
  }
}
