import { DecodeError, medDecode, medEncode } from "@depthroom/schema";

/*
 * depthCodec.ts's MED-deflate over cases read from stdin, for the Python decoder's cross-check. One JSON
 * line per case in, one line out:
 *   {"width": w, "pixels": "<base64 u16>"}              -> {"med": "<base64 of medEncode>"}
 *   {"width": w, "count": n, "med": "<base64 payload>"} -> {"ok": "<base64 u16>"} or {"error": "<problem>"}
 */
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
  const c = JSON.parse(line) as { width: number; pixels?: string; count?: number; med?: string };
  if (c.pixels !== undefined) {
    const bytes = new Uint8Array(Buffer.from(c.pixels, "base64"));
    const pixels = new Uint16Array(bytes.buffer, bytes.byteOffset, bytes.byteLength / 2);
    process.stdout.write(`${JSON.stringify({ med: base64(medEncode(pixels, c.width)) })}\n`);
    continue;
  }
  try {
    const out = medDecode(new Uint8Array(Buffer.from(c.med as string, "base64")), c.count as number, c.width);
    process.stdout.write(`${JSON.stringify({ ok: base64(out) })}\n`);
  } catch (error) {
    if (!(error instanceof DecodeError)) throw error;
    process.stdout.write(`${JSON.stringify({ error: error.problem })}\n`);
  }
}
