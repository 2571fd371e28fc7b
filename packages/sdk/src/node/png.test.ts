import { readFileSync } from "node:fs";
import { encode } from "fast-png";
import { describe, expect, it } from "vitest";
import { decodeDepthPng, readPngHeader } from "./png.ts";

const sample = new URL("../../../../data/samples/azure-kinect/TestVector0_Room0.png", import.meta.url);

describe("depth PNGs", () => {
  it("decodes a real 16-bit sample", () => {
    const png = decodeDepthPng(readFileSync(sample), "room.png");
    expect([png.width, png.height]).toEqual([320, 288]);
    expect(png.data).toBeInstanceOf(Uint16Array);
    expect(Math.max(...png.data)).toBeGreaterThan(1000);
  });

  it("round-trips 16-bit values exactly (big-endian in the file)", () => {
    const data = new Uint16Array([0, 1, 256, 65535, 5000, 12345]);
    const bytes = encode({ width: 3, height: 2, data, depth: 16, channels: 1 });
    expect(readPngHeader(bytes, "x")).toEqual({ width: 3, height: 2, bitDepth: 16, colorType: 0 });
    expect(decodeDepthPng(bytes, "x").data).toEqual(data);
  });

  it("refuses 8-bit and colour PNGs, and non-PNGs, naming the file", () => {
    const grey8 = encode({ width: 2, height: 2, data: new Uint8Array(4), depth: 8, channels: 1 });
    const rgb16 = encode({ width: 2, height: 2, data: new Uint16Array(12), depth: 16, channels: 3 });
    expect(() => decodeDepthPng(grey8, "a.png")).toThrow(
      "a.png: 8-bit greyscale PNG, expected 16-bit single-channel depth (8-bit images hold no metric depth)",
    );
    expect(() => decodeDepthPng(rgb16, "b.png")).toThrow(
      "b.png: 16-bit RGB PNG, expected 16-bit single-channel depth (is this a colour image?)",
    );
    expect(() => decodeDepthPng(new TextEncoder().encode("not a png at all, no no no"), "c.png")).toThrow(
      "c.png: not a PNG file",
    );
  });
});
