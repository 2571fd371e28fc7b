import { describe, expect, it } from "vitest";
import { DATATYPES, type Datatype, type DepthArray } from "./datatypes.ts";
import { DepthImage } from "./depthImage.ts";
import { EncodedImage } from "./encodedImage.ts";
import { DecodeError, ValidationError } from "./errors.ts";
import { Image } from "./image.ts";
import { decodeMessage, encodeMessage, isFrameKind, type LogMessage, readEnvelope } from "./message.ts";
import { Pinhole } from "./pinhole.ts";
import { Transform3D } from "./transform3d.ts";

const hex = (bytes: Uint8Array) => Buffer.from(bytes).toString("hex");

function arrayOf(datatype: Datatype, n: number): DepthArray {
  const values = Array.from({ length: n }, (_, i) => (i % 4 === 0 ? 0 : i + 1));
  switch (datatype) {
    case "U8":
      return Uint8Array.from(values);
    case "I8":
      return Int8Array.from(values, (v) => -v % 128);
    case "U16":
    case "F16":
      return Uint16Array.from(values);
    case "I16":
      return Int16Array.from(values, (v) => -v);
    case "U32":
      return Uint32Array.from(values, (v) => v * 100_000);
    case "I32":
      return Int32Array.from(values, (v) => -v * 100_000);
    case "U64":
      return BigUint64Array.from(values, (v) => BigInt(v) << 40n);
    case "I64":
      return BigInt64Array.from(values, (v) => -(BigInt(v) << 40n));
    case "F32":
      return Float32Array.from(values, (v) => (v === 0 ? Number.NaN : v / 7));
    case "F64":
      return Float64Array.from(values, (v) => v / 7);
  }
}

describe("wire messages", () => {
  it.each(Object.keys(DATATYPES) as Datatype[])("round-trips a %s depth image unchanged", (datatype) => {
    const message: LogMessage = {
      entityPath: "world/rig/cam0/depth",
      timelines: [
        { timeline: "frame", kind: "sequence", value: 42n },
        { timeline: "capture_time", kind: "timestamp", value: 1_732_000_000_123_456_789n },
      ],
      archetype: new DepthImage(arrayOf(datatype, 12), {
        width: 4,
        height: 3,
        datatype,
        colormap: "magma",
        depthRange: [0.5, 4000],
        pointFillRatio: 0.3,
        drawOrder: 3.25,
      }),
    };
    expect(decodeMessage(encodeMessage(message))).toEqual(message);
    expect(decodeMessage(encodeMessage(message, { depthEncoding: "raw" }))).toEqual(message);
  });

  it("applies Rerun's defaults: meter 1000 for integers and 1 for floats, turbo, fill 1, draw order -20", () => {
    const int = new DepthImage(new Uint16Array(4), { width: 2, height: 2 });
    const float = new DepthImage(new Float32Array(4), { width: 2, height: 2 });
    expect([int.meter, float.meter]).toEqual([1000, 1]);
    expect([int.colormap, int.pointFillRatio, int.drawOrder, int.depthRange]).toEqual([
      "turbo",
      1,
      -20,
      undefined,
    ]);
  });

  it("round-trips Pinhole and Transform3D, static and with timelines", () => {
    const messages: LogMessage[] = [
      {
        entityPath: "world/cam",
        timelines: [],
        static: true,
        archetype: Pinhole.fromIntrinsics({
          fx: 525,
          fy: 526,
          cx: 319.5,
          cy: 239.5,
          width: 640,
          height: 480,
          cameraXyz: "RUB",
        }),
      },
      {
        entityPath: "world/cam",
        timelines: [{ timeline: "frame", kind: "sequence", value: -1n }],
        archetype: new Transform3D({ translation: [1, 2, 3], rotation: [0, 0, Math.SQRT1_2, Math.SQRT1_2] }),
      },
    ];
    for (const m of messages) expect(decodeMessage(encodeMessage(m))).toEqual(m);
  });

  it.each([
    ["L", "U8", Uint8Array.from({ length: 12 }, (_, i) => i * 20)],
    ["RGB", "U8", Uint8Array.from({ length: 36 }, (_, i) => i * 7)],
    ["RGBA", "U8", Uint8Array.from({ length: 48 }, (_, i) => 255 - i)],
    ["BGR", "U8", Uint8Array.from({ length: 36 }, (_, i) => i)],
    ["BGRA", "U8", Uint8Array.from({ length: 48 }, (_, i) => i * 5)],
    ["L", "U16", Uint16Array.from({ length: 12 }, (_, i) => i * 5000)],
  ] as const)("round-trips a %s %s image unchanged", (colorModel, datatype, data) => {
    const message: LogMessage = {
      entityPath: "world/rig/cam0/color",
      timelines: [{ timeline: "frame", kind: "sequence", value: 3n }],
      archetype: new Image(data, { width: 4, height: 3, colorModel, datatype, opacity: 0.5, drawOrder: 2 }),
    };
    expect(decodeMessage(encodeMessage(message))).toEqual(message);
  });

  it("round-trips JPEG and PNG encoded images, guessing the media type from the bytes", () => {
    const png = Uint8Array.of(0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a, 1, 2, 3);
    const jpeg = Uint8Array.of(0xff, 0xd8, 0xff, 0xdb, 9, 9);
    for (const blob of [png, jpeg]) {
      const message: LogMessage = {
        entityPath: "cam/color",
        timelines: [{ timeline: "capture_time", kind: "timestamp", value: 5n }],
        archetype: new EncodedImage(blob),
      };
      expect(decodeMessage(encodeMessage(message))).toEqual(message);
    }
    expect([new EncodedImage(png).mediaType, new EncodedImage(jpeg).mediaType]).toEqual([
      "image/png",
      "image/jpeg",
    ]);
  });

  it("applies Rerun's image defaults (opacity 1, draw order -10) and names bad image fields", () => {
    const img = new Image(new Uint8Array(12), { width: 2, height: 2, colorModel: "RGB" });
    expect([img.opacity, img.drawOrder, img.datatype, img.channels]).toEqual([1, -10, "U8", 3]);
    expect(() => new Image(new Uint8Array(11), { width: 2, height: 2, colorModel: "RGB" })).toThrow(
      /Image.data/,
    );
    expect(() => new Image(new Uint16Array(12), { width: 2, height: 2, colorModel: "RGB" })).toThrow(
      /Image.datatype/,
    );
    expect(() => new Image(new Uint8Array(4), { width: 2, height: 2, colorModel: "HSV" as never })).toThrow(
      /Image.colorModel/,
    );
    expect(() => new Image(new Uint8Array(4), { width: 2, height: 2, colorModel: "L", opacity: 2 })).toThrow(
      /Image.opacity/,
    );
    expect(() => new EncodedImage(Uint8Array.of(1, 2, 3))).toThrow(/EncodedImage.blob/);
    expect(() => new EncodedImage(Uint8Array.of(0xff, 0xd8, 0xff), { mediaType: "image/png" })).toThrow(
      /EncodedImage.mediaType/,
    );
  });

  it("counts depth and colour images as frames, Pinhole and Transform3D as state", () => {
    expect(
      (["DepthImage", "Image", "EncodedImage", "Pinhole", "Transform3D"] as const).map(isFrameKind),
    ).toEqual([true, true, true, false, false]);
  });

  it("reads the envelope without the body", () => {
    const bytes = encodeMessage({
      entityPath: "a/b",
      timelines: [{ timeline: "frame", kind: "sequence", value: 7n }],
      archetype: new DepthImage(new Uint16Array(16), { width: 4, height: 4 }),
    });
    // Corrupt the body (an unknown datatype id): the envelope still reads, the full decode refuses.
    const damaged = bytes.slice();
    damaged[readEnvelope(bytes).bodyOffset + 8] = 0xee;
    expect(() => decodeMessage(damaged)).toThrow(/DepthImage.datatype/);
    const envelope = readEnvelope(damaged);
    expect(envelope).toMatchObject({
      kind: "DepthImage",
      entityPath: "a/b",
      static: false,
      protocolVersion: 1,
    });
    expect(envelope.timelines).toEqual([{ timeline: "frame", kind: "sequence", value: 7n }]);
    expect(envelope.bodyOffset + envelope.bodyLength).toBe(bytes.length);
  });

  it("refuses invalid archetypes with a ValidationError naming the field", () => {
    expect(() => new DepthImage(new Uint16Array(5), { width: 2, height: 2 })).toThrow(/DepthImage.data/);
    expect(() => new DepthImage(new Uint16Array(4), { width: 2, height: 2, meter: 0 })).toThrow(
      /DepthImage.meter/,
    );
    expect(() => new DepthImage(new Float32Array(4), { width: 2, height: 2, datatype: "U16" })).toThrow(
      ValidationError,
    );
    expect(() => Pinhole.fromFocalLength({ width: 10, height: 10, focalLength: Number.NaN })).toThrow(
      /Pinhole.imageFromCamera/,
    );
    expect(() => Pinhole.fromFocalLength({ width: 10, height: 10, focalLength: 0 })).toThrow(/focal/);
    expect(() => new Transform3D({ rotation: [0, 0, 0, 0] })).toThrow(/Transform3D.rotation/);
  });
});

describe("golden bytes (PROTOCOL.md)", () => {
  // These bytes are the protocol: if this test fails, either the change is a bug or the protocol
  // version must go up and PROTOCOL.md must say what changed.
  it("Pinhole, static", () => {
    const bytes = encodeMessage({
      entityPath: "cam",
      timelines: [],
      static: true,
      archetype: Pinhole.fromIntrinsics({ fx: 2, fy: 2, cx: 1, cy: 1 }),
    });
    expect(hex(bytes)).toBe(
      "44505448" +
        "01" +
        "02" +
        "01" +
        "01" +
        "0300" +
        "63616d" +
        "00" +
        "4c000000" +
        "0000000000000040" +
        "0000000000000000".repeat(3) +
        "0000000000000040" +
        "0000000000000000" +
        "000000000000f03f" +
        "000000000000f03f" +
        "000000000000f03f" +
        "030205" +
        "00",
    );
  });

  it("Pinhole with lens distortion: body version 2, flags bit 2, model, count, coefficients", () => {
    const bytes = encodeMessage({
      entityPath: "cam",
      timelines: [],
      static: true,
      archetype: Pinhole.fromIntrinsics({
        fx: 2,
        fy: 2,
        cx: 1,
        cy: 1,
        distortion: { model: "plumb_bob", coefficients: [-0.5, 0.25, 0, 0, 0] },
      }),
    });
    expect(hex(bytes)).toBe(
      "44505448" +
        "01" +
        "02" +
        "02" +
        "01" +
        "0300" +
        "63616d" +
        "00" +
        "76000000" +
        "0000000000000040" +
        "0000000000000000".repeat(3) +
        "0000000000000040" +
        "0000000000000000" +
        "000000000000f03f" +
        "000000000000f03f" +
        "000000000000f03f" +
        "030205" +
        "04" +
        "01" +
        "05" +
        "000000000000e0bf" +
        "000000000000d03f" +
        "0000000000000000".repeat(3),
    );
  });

  it("Image 2 x 1 RGB, and EncodedImage PNG", () => {
    const image = encodeMessage({
      entityPath: "c",
      timelines: [],
      archetype: new Image(Uint8Array.of(255, 0, 0, 0, 0, 255), { width: 2, height: 1, colorModel: "RGB" }),
    });
    expect(hex(image)).toBe(
      "44505448" +
        "01" +
        "04" +
        "01" +
        "00" +
        "0100" +
        "63" +
        "00" +
        "25000000" +
        "02000000" +
        "01000000" +
        "02" +
        "06" +
        "00" +
        "000000000000f03f" +
        "00000000000024c0" +
        "06000000" +
        "ff00000000ff",
    );
    const encoded = encodeMessage({
      entityPath: "c",
      timelines: [],
      archetype: new EncodedImage(Uint8Array.of(0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a)),
    });
    expect(hex(encoded)).toBe(
      "44505448" +
        "01" +
        "05" +
        "01" +
        "00" +
        "0100" +
        "63" +
        "00" +
        "1e000000" +
        "02" +
        "00" +
        "000000000000f03f" +
        "00000000000024c0" +
        "08000000" +
        "89504e470d0a1a0a",
    );
  });

  it("DepthImage 2 x 2 U16, raw and RVL", () => {
    const message: LogMessage = {
      entityPath: "d",
      timelines: [{ timeline: "frame", kind: "sequence", value: 1n }],
      archetype: new DepthImage(Uint16Array.of(0, 0, 5, 6), { width: 2, height: 2 }),
    };
    const header =
      "44505448" +
      "01" +
      "01" +
      "01" +
      "00" +
      "0100" +
      "64" +
      "01" +
      "056672616d65" +
      "01" +
      "0100000000000000";
    const fields = "02000000" + "02000000" + "08" + "05";
    const numbers = "00" + "0000000000408f40" + "000000000000f03f" + "00000000000034c0";
    expect(hex(encodeMessage(message, { depthEncoding: "raw" }))).toBe(
      `${header}30000000${fields}00${numbers}080000000000000005000600`,
    );
    expect(hex(encodeMessage(message))).toBe(`${header}2c000000${fields}01${numbers}040000000020a122`);
  });
});

describe("bad bytes", () => {
  const good = encodeMessage({
    entityPath: "x",
    timelines: [],
    archetype: new DepthImage(Uint16Array.of(1, 2, 3, 4), { width: 2, height: 2 }),
  });
  it.each([
    ["empty", new Uint8Array(0), "truncated"],
    ["wrong magic", Uint8Array.from([0x50, ...good.subarray(1)]), "bad-magic"],
    [
      "wrong version",
      Uint8Array.from([...good.subarray(0, 4), 9, ...good.subarray(5)]),
      "unsupported-version",
    ],
    ["unknown kind", Uint8Array.from([...good.subarray(0, 5), 99, ...good.subarray(6)]), "unknown-kind"],
    ["truncated body", good.subarray(0, good.length - 3), "truncated"],
    ["trailing bytes", Uint8Array.from([...good, 0]), "trailing-bytes"],
  ])("%s -> DecodeError(%s)", (_name, bytes, problem) => {
    const error = (() => {
      try {
        decodeMessage(bytes as Uint8Array);
      } catch (e) {
        return e;
      }
    })();
    expect(error).toBeInstanceOf(DecodeError);
    expect((error as DecodeError).problem).toBe(problem);
  });
});
