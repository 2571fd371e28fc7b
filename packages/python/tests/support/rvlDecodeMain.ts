import { DecodeError, rvlDecode } from "@depthroom/schema";

/*
 * rvlDecode over streams read from stdin, for the Python decoder's cross-check:
 *   one JSON line per case {"pixels": n, "words": "<base64>"} in, one line out per case:
 *   {"ok": "<base64 of the u16 pixels>"} or {"error": "corrupt-payload"} (a DecodeError's problem).
 */
const input = await new Promise<string>((resolve) => {
  let text = "";
  process.stdin.on("data", (chunk) => {
    text += chunk;
  });
  process.stdin.on("end", () => resolve(text));
});
for (const line of input.split("\n").filter(Boolean)) {
  const { pixels, words } = JSON.parse(line) as { pixels: number; words: string };
  try {
    const out = rvlDecode(new Uint8Array(Buffer.from(words, "base64")), pixels);
    process.stdout.write(
      `${JSON.stringify({ ok: Buffer.from(out.buffer, out.byteOffset, out.byteLength).toString("base64") })}\n`,
    );
  } catch (error) {
    if (!(error instanceof DecodeError)) throw error;
    process.stdout.write(`${JSON.stringify({ error: error.problem })}\n`);
  }
}
