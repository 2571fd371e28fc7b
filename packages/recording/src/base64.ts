/*
 * Base64 (RFC 4648) over typed arrays: fast in Node and browsers alike (btoa/atob go through a
 * character-per-byte string and are ~10x slower on 600 KB images).
 */
const ALPHABET = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
const ENCODE = new TextEncoder().encode(ALPHABET);
const DECODE = new Int16Array(256).fill(-1);
for (let i = 0; i < ENCODE.length; i++) DECODE[ENCODE[i] as number] = i;
DECODE[0x2d] = 62; // "-" (base64url)
DECODE[0x5f] = 63; // "_"

/** The base64 text of `bytes`, as ASCII bytes. */
export function base64EncodeAscii(bytes: Uint8Array): Uint8Array {
  const n = bytes.length;
  const out = new Uint8Array(Math.ceil(n / 3) * 4);
  let o = 0;
  let i = 0;
  for (; i + 2 < n; i += 3) {
    const v = ((bytes[i] as number) << 16) | ((bytes[i + 1] as number) << 8) | (bytes[i + 2] as number);
    out[o++] = ENCODE[v >> 18] as number;
    out[o++] = ENCODE[(v >> 12) & 63] as number;
    out[o++] = ENCODE[(v >> 6) & 63] as number;
    out[o++] = ENCODE[v & 63] as number;
  }
  if (i < n) {
    const v = ((bytes[i] as number) << 16) | (i + 1 < n ? (bytes[i + 1] as number) << 8 : 0);
    out[o++] = ENCODE[v >> 18] as number;
    out[o++] = ENCODE[(v >> 12) & 63] as number;
    out[o++] = i + 1 < n ? (ENCODE[(v >> 6) & 63] as number) : 0x3d;
    out[o++] = 0x3d;
  }
  return out;
}

/** Bytes of base64 text (padding optional, whitespace not allowed); throws `Error` on a bad character. */
export function base64Decode(text: string): Uint8Array {
  const ascii = new TextEncoder().encode(text);
  let end = ascii.length;
  while (end > 0 && ascii[end - 1] === 0x3d) end--;
  const out = new Uint8Array(Math.floor((end * 3) / 4));
  let o = 0;
  let acc = 0;
  let bits = 0;
  for (let i = 0; i < end; i++) {
    const v = DECODE[ascii[i] as number] as number;
    if (v < 0) throw new Error(`bad base64 character at ${i}`);
    acc = ((acc << 6) | v) & 0xffffff;
    bits += 6;
    if (bits >= 8) {
      bits -= 8;
      out[o++] = (acc >> bits) & 0xff;
    }
  }
  return o === out.length ? out : out.subarray(0, o);
}
