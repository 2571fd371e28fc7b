import { readdirSync, readFileSync } from "node:fs";
import { crc32, deflateSync } from "node:zlib";
import { decode, encode } from "fast-png";
import { describe, expect, it } from "vitest";
import { decodePng16, png16Stats } from "./png16.ts";

const samples = new URL("../../../../data/samples/", import.meta.url);
const files = [
  new URL("tum-fr2/depth/TUM_depth.png", samples),
  ...readdirSync(new URL("azure-kinect/", samples))
    .filter((f) => f.endsWith(".png"))
    .map((f) => new URL(`azure-kinect/${f}`, samples)),
];

function chunk(type: string, data: Uint8Array): Buffer {
  const head = Buffer.alloc(8);
  head.writeUInt32BE(data.length, 0);
  head.write(type, 4, "latin1");
  const crc = Buffer.alloc(4);
  crc.writeUInt32BE(crc32(Buffer.concat([head.subarray(4), data])), 0);
  return Buffer.concat([head, data, crc]);
}

/** A 16-bit grey PNG whose rows use the given filter types over arbitrary filtered bytes. */
function pngWithFilters(width: number, height: number, filters: number[], seed: number): Uint8Array {
  const ihdr = Buffer.alloc(13);
  ihdr.writeUInt32BE(width, 0);
  ihdr.writeUInt32BE(height, 4);
  ihdr[8] = 16;
  const raw = Buffer.alloc((width * 2 + 1) * height);
  let x = seed;
  for (let y = 0; y < height; y++) {
    raw[y * (width * 2 + 1)] = filters[y % filters.length] as number;
    for (let i = 1; i <= width * 2; i++) {
      x = (x * 1103515245 + 12345) >>> 0;
      raw[y * (width * 2 + 1) + i] = x >>> 24;
    }
  }
  return Buffer.concat([
    Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]),
    chunk("IHDR", ihdr),
    chunk("IDAT", deflateSync(raw)),
    chunk("IEND", new Uint8Array(0)),
  ]);
}

function same(a: Uint16Array, b: Uint16Array): boolean {
  return (
    Buffer.compare(
      Buffer.from(a.buffer, a.byteOffset, a.byteLength),
      Buffer.from(b.buffer, b.byteOffset, b.byteLength),
    ) === 0
  );
}

describe("decodePng16 (native zlib fast path)", () => {
  it("decodes the shipped samples exactly as fast-png does, without falling back", () => {
    const before = png16Stats.fallbacks;
    for (const file of files) {
      const bytes = new Uint8Array(readFileSync(file));
      const reference = decode(bytes);
      expect(
        same(decodePng16(bytes, reference.width, reference.height), reference.data as Uint16Array),
        String(file),
      ).toBe(true);
    }
    expect(png16Stats.fallbacks).toBe(before);
  });

  it("undoes every row filter (none, sub, up, average, paeth) as fast-png does", () => {
    const before = png16Stats.fallbacks;
    const bytes = pngWithFilters(37, 23, [0, 1, 2, 3, 4, 4, 3, 2, 1], 7);
    const reference = decode(bytes);
    expect(same(decodePng16(bytes, 37, 23), reference.data as Uint16Array)).toBe(true);
    expect(png16Stats.fallbacks).toBe(before);
  });

  it("hands interlaced PNGs to fast-png and counts it; refuses an unknown filter", () => {
    const before = png16Stats.fallbacks;
    const pixels = Uint16Array.from({ length: 64 }, (_, i) => i * 1000);
    const interlaced = encode(
      { width: 8, height: 8, data: pixels, depth: 16, channels: 1 },
      { interlace: "Adam7" },
    );
    expect(interlaced[28]).toBe(1);
    expect(same(decodePng16(interlaced, 8, 8), pixels)).toBe(true);
    expect(png16Stats.fallbacks).toBe(before + 1);
    expect(() => decodePng16(pngWithFilters(4, 4, [9], 1), 4, 4)).toThrow();
  });
});
