import { describe, expect, it } from "vitest";
import { DepthImage, type DepthImageOptions } from "./depthImage.ts";
import { DecodeError, ValidationError } from "./errors.ts";
import { Image } from "./image.ts";
import { decodeMessage, encodeMessage, readEnvelope } from "./message.ts";

/*
 * A DepthImage's rules are written once (depthImage.ts): the constructor checks them through zod, the
 * decoder calls them on every frame without zod. Each bad value here is refused by both, naming the
 * same field; where zod's own number check does not come first (finite values), with the same words.
 */

const WIDTH = 4;
const HEIGHT = 3;
const good: DepthImageOptions = { width: WIDTH, height: HEIGHT, depthRange: [1, 2] };

/** Body offsets of the f64 fields (PROTOCOL.md: u32 width, u32 height, 4 x u8, then f64s). */
const F64_AT = { meter: 12, pointFillRatio: 20, drawOrder: 28, rangeMin: 36, rangeMax: 44 } as const;

function message(): Uint8Array {
  const image = new DepthImage(new Uint16Array(WIDTH * HEIGHT), good);
  return encodeMessage({ entityPath: "d", timelines: [], archetype: image }, { depthEncoding: "raw" });
}

function decodeRefusal(patch: (body: DataView) => void): DecodeError {
  const bytes = message();
  const { bodyOffset } = readEnvelope(bytes);
  patch(new DataView(bytes.buffer, bytes.byteOffset + bodyOffset));
  try {
    decodeMessage(bytes);
  } catch (error) {
    expect(error).toBeInstanceOf(DecodeError);
    return error as DecodeError;
  }
  throw new Error("decoded");
}

function constructorRefusal(options: Partial<DepthImageOptions>): { field: string; message: string } {
  const o = { ...good, ...options } as DepthImageOptions;
  try {
    new DepthImage(new Uint16Array(Math.max(0, o.width * o.height) || 1), o);
  } catch (error) {
    expect(error).toBeInstanceOf(ValidationError);
    return { field: (error as ValidationError).field, message: (error as ValidationError).message };
  }
  throw new Error("constructed");
}

describe("DepthImage rules: the constructor (zod) and the decoder refuse alike", () => {
  const f64 = (at: number, v: number) => (body: DataView) => body.setFloat64(at, v, true);
  const cases: [string, Partial<DepthImageOptions>, (body: DataView) => void, boolean][] = [
    ["meter 0", { meter: 0 }, f64(F64_AT.meter, 0), true],
    ["meter -1", { meter: -1 }, f64(F64_AT.meter, -1), true],
    [
      "meter infinite",
      { meter: Number.POSITIVE_INFINITY },
      f64(F64_AT.meter, Number.POSITIVE_INFINITY),
      false,
    ],
    ["pointFillRatio -0.5", { pointFillRatio: -0.5 }, f64(F64_AT.pointFillRatio, -0.5), true],
    ["drawOrder NaN", { drawOrder: Number.NaN }, f64(F64_AT.drawOrder, Number.NaN), false],
    ["depthRange min > max", { depthRange: [3, 2] }, f64(F64_AT.rangeMin, 3), true],
    ["depthRange not finite", { depthRange: [1, Number.NaN] }, f64(F64_AT.rangeMax, Number.NaN), false],
    ["width 0", { width: 0 }, (body) => body.setUint32(0, 0, true), true],
    ["height 16385", { height: 16385 }, (body) => body.setUint32(4, 16385, true), true],
    [
      "8192 x 4097",
      { width: 8192, height: 4097 },
      (body) => {
        body.setUint32(0, 8192, true);
        body.setUint32(4, 4097, true);
      },
      true,
    ],
  ];
  for (const [name, options, patch, sameWords] of cases) {
    it(name, () => {
      const decoded = decodeRefusal(patch);
      const constructed = constructorRefusal(options);
      if (sameWords) {
        expect(decoded.field).toBe(constructed.field);
        expect(decoded.message).toBe(`${constructed.message} (${decoded.problem})`);
      } else {
        // zod's own check of a number comes first, naming the tuple's element (depthRange.1).
        expect(constructed.field.startsWith(decoded.field)).toBe(true);
      }
    });
  }

  it("Image: opacity and draw order refused alike by its constructor and its decoder", () => {
    const image = new Image(new Uint8Array(WIDTH * HEIGHT), {
      width: WIDTH,
      height: HEIGHT,
      colorModel: "L",
    });
    // Image body: u32 width, u32 height, u8 colorModel, u8 datatype, u8 flags, f64 opacity, f64 drawOrder.
    for (const [field, at, value] of [
      ["opacity", 11, 1.5],
      ["drawOrder", 19, Number.POSITIVE_INFINITY],
    ] as const) {
      const bytes = encodeMessage({ entityPath: "c", timelines: [], archetype: image });
      new DataView(bytes.buffer, readEnvelope(bytes).bodyOffset).setFloat64(at, value, true);
      expect(() => decodeMessage(bytes)).toThrow(`Image.${field}`);
      expect(
        () => new Image(image.data, { width: WIDTH, height: HEIGHT, colorModel: "L", [field]: value }),
      ).toThrow(`Image.${field}`);
    }
    const opacity = encodeMessage({ entityPath: "c", timelines: [], archetype: image });
    new DataView(opacity.buffer, readEnvelope(opacity).bodyOffset).setFloat64(11, 1.5, true);
    expect(() => decodeMessage(opacity)).toThrow("Image.opacity: 1.5 is not in 0..1 (invalid-field)");
    expect(
      () => new Image(image.data, { width: WIDTH, height: HEIGHT, colorModel: "L", opacity: 1.5 }),
    ).toThrow("Image.opacity: 1.5 is not in 0..1");
  });

  it("accepts what both accept: the untouched message round-trips", () => {
    expect((decodeMessage(message()).archetype as DepthImage).depthRange).toEqual([1, 2]);
  });
});
