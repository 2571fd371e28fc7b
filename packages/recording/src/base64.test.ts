import { describe, expect, it } from "vitest";
import { base64Decode, base64EncodeAscii } from "./base64.ts";

describe("base64", () => {
  it("matches Node's encoder and decodes back, for every length remainder", () => {
    for (const n of [0, 1, 2, 3, 4, 5, 255, 256, 257, 1000]) {
      const bytes = Uint8Array.from({ length: n }, (_, i) => (i * 37 + n) & 0xff);
      const text = new TextDecoder().decode(base64EncodeAscii(bytes));
      expect(text).toBe(Buffer.from(bytes).toString("base64"));
      expect(Buffer.compare(base64Decode(text), bytes)).toBe(0);
    }
  });

  it("refuses characters outside the alphabet", () => {
    expect(() => base64Decode("AA*A")).toThrow(/bad base64 character at 2/);
  });
});
