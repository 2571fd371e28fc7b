import { beforeAll, describe, expect, it } from "vitest";
import { seededRandom } from "../testing/fuzzPayloads.ts";
import { DepthImage, MAX_PIXELS } from "./depthImage.ts";
import { EncodedImage } from "./encodedImage.ts";
import { DecodeError } from "./errors.ts";
import { Image } from "./image.ts";
import { decodeMessage, encodeMessage, type LogMessage } from "./message.ts";
import { Pinhole } from "./pinhole.ts";
import { Transform3D } from "./transform3d.ts";
import { loadUpZstdDecoder, loadUpZstdEncoder } from "./upZstdCodec.ts";

// Seeded fuzzing of the decoder: every input is either decoded or refused with a DecodeError, never
// another exception, and nothing is allocated beyond what the (capped) header declares.

function validMessages(random: () => number): Uint8Array[] {
  const out: Uint8Array[] = [];
  for (let i = 0; i < 12; i++) {
    const width = 1 + Math.floor(random() * 40);
    const height = 1 + Math.floor(random() * 30);
    const depth = Uint16Array.from({ length: width * height }, () =>
      random() < 0.25 ? 0 : Math.floor(random() * 65536),
    );
    const message: LogMessage = {
      entityPath: `world/cam${i}/depth`,
      timelines: [{ timeline: "frame", kind: "sequence", value: BigInt(i) }],
      archetype: new DepthImage(depth, { width, height, depthRange: i % 2 ? [0, 5000] : undefined }),
    };
    out.push(encodeMessage(message), encodeMessage(message, { depthEncoding: "raw" }));
    // The compressed depth encodings too: MED-deflate (2), up-zstd (4) and float-deflate (3) of the same
    // pixels.
    const metres = Float32Array.from(depth, (v) => (v === 0 ? Number.NaN : v / 1000));
    out.push(
      encodeMessage(message, { depthEncoding: "med" }),
      encodeMessage(message, { depthEncoding: "up-zstd" }),
      encodeMessage(
        { ...message, archetype: new DepthImage(metres, { width, height }) },
        { depthEncoding: "float-deflate" },
      ),
    );
    out.push(
      encodeMessage({
        entityPath: `world/cam${i}`,
        timelines: [],
        static: true,
        archetype: Pinhole.fromFocalLength({ width, height, focalLength: 100 + i }),
      }),
      encodeMessage({
        entityPath: `world/lens${i}`,
        timelines: [],
        static: true,
        archetype: Pinhole.fromFocalLength({
          width,
          height,
          focalLength: [100 + i, 90 + i],
          distortion:
            i % 2
              ? { model: "rational_polynomial", coefficients: [0.1, -0.2, 0.001, 0.002, 0.03, 0.2, 0.01, 0] }
              : { model: "kannala_brandt", coefficients: [0.05, -0.01, 0.004, -0.0008] },
        }),
      }),
      encodeMessage({
        entityPath: `world/cam${i}`,
        timelines: [{ timeline: "t", kind: "timestamp", value: 123n }],
        archetype: new Transform3D({ translation: [i, 0, 0] }),
      }),
      encodeMessage({
        entityPath: `f/${i}`,
        timelines: [],
        archetype: new DepthImage(
          Float32Array.from({ length: width * height }, () => random()),
          { width, height },
        ),
      }),
      encodeMessage({
        entityPath: `world/cam${i}/color`,
        timelines: [{ timeline: "frame", kind: "sequence", value: BigInt(i) }],
        archetype: new Image(
          Uint8Array.from({ length: width * height * 3 }, () => Math.floor(random() * 256)),
          { width, height, colorModel: i % 2 ? "RGB" : "BGR" },
        ),
      }),
      encodeMessage({
        entityPath: `world/cam${i}/color`,
        timelines: [],
        archetype: new EncodedImage(
          Uint8Array.from([0xff, 0xd8, 0xff, 0xe0, ...Array.from({ length: 40 }, () => random() * 256)]),
        ),
      }),
    );
  }
  return out;
}

function decodeOrDecodeError(bytes: Uint8Array): "ok" | "refused" {
  try {
    decodeMessage(bytes);
    return "ok";
  } catch (error) {
    if (error instanceof DecodeError) return "refused";
    throw new Error(
      `non-DecodeError for input ${Buffer.from(bytes.subarray(0, 64)).toString("hex")}: ${error}`,
    );
  }
}

const u32At = (bytes: Uint8Array, offset: number, value: number) =>
  new DataView(bytes.buffer, bytes.byteOffset).setUint32(offset, value, true);
const f64At = (bytes: Uint8Array, offset: number, value: number) =>
  new DataView(bytes.buffer, bytes.byteOffset).setFloat64(offset, value, true);

describe("decoder fuzzing (seeded)", () => {
  beforeAll(() => Promise.all([loadUpZstdEncoder(), loadUpZstdDecoder()]));
  it("refuses thousands of truncated, bit-flipped and overwritten messages with DecodeError only", () => {
    const random = seededRandom(20261124);
    const corpus = validMessages(random);
    const outcomes = { ok: 0, refused: 0 };
    for (let round = 0; round < 5000; round++) {
      const original = corpus[Math.floor(random() * corpus.length)] as Uint8Array;
      let bytes = original.slice();
      const mutation = round % 4;
      if (mutation === 0) {
        bytes = bytes.subarray(0, Math.floor(random() * bytes.length));
      } else if (mutation === 1) {
        const flips = 1 + Math.floor(random() * 8);
        for (let f = 0; f < flips; f++) {
          const at = Math.floor(random() * bytes.length);
          bytes[at] = (bytes[at] as number) ^ (1 << Math.floor(random() * 8));
        }
      } else if (mutation === 2) {
        // Overwrite a run in the first 100 bytes (the header and fields) with random bytes.
        const at = Math.floor(random() * Math.min(100, bytes.length));
        for (let k = at; k < Math.min(bytes.length, at + 1 + Math.floor(random() * 8)); k++) {
          bytes[k] = Math.floor(random() * 256);
        }
      } else {
        // Random garbage, sometimes with a valid-looking prefix.
        const garbage = Uint8Array.from({ length: Math.floor(random() * 200) }, () =>
          Math.floor(random() * 256),
        );
        if (random() < 0.5) garbage.set(original.subarray(0, Math.min(garbage.length, 12)));
        bytes = garbage;
      }
      outcomes[decodeOrDecodeError(bytes)]++;
    }
    expect(outcomes.refused).toBeGreaterThan(3000);
    expect(outcomes.ok + outcomes.refused).toBe(5000);
  });

  it("refuses hostile headers before allocating", () => {
    const base = encodeMessage({
      entityPath: "d",
      timelines: [],
      archetype: new DepthImage(Uint16Array.of(1, 2, 3, 4), { width: 2, height: 2 }),
    });
    // Layout: 8 header bytes, u16 path length + "d" (3), u8 timeline count (1), u32 body length (4) -> body at 16.
    const body = 16;
    const hostile: [string, (b: Uint8Array) => void][] = [
      [
        "huge width x height",
        (b) => {
          u32At(b, body, 16384);
          u32At(b, body + 4, 16384);
        },
      ],
      ["width 0xffffffff ('negative')", (b) => u32At(b, body, 0xffffffff)],
      ["zero height", (b) => u32At(b, body + 4, 0)],
      ["payload length 0xffffffff", (b) => u32At(b, body + 36, 0xffffffff)],
      ["NaN meter", (b) => f64At(b, body + 12, Number.NaN)],
      ["negative meter", (b) => f64At(b, body + 12, -1)],
      ["body length beyond the message", (b) => u32At(b, 12, 0x7fffffff)],
      ["entity path length beyond the message", (b) => new DataView(b.buffer).setUint16(8, 60000, true)],
      ["255 timelines", (b) => (b[11] = 255)],
      ["wrong magic", (b) => (b[0] = 0)],
      ["wrong version", (b) => (b[4] = 2)],
    ];
    for (const [name, mutate] of hostile) {
      const bytes = base.slice();
      mutate(bytes);
      const before = process.memoryUsage().arrayBuffers;
      expect(decodeOrDecodeError(bytes), name).toBe("refused");
      expect(process.memoryUsage().arrayBuffers - before, name).toBeLessThan(1 << 20);
    }
    expect(16384 * 16384).toBeGreaterThan(MAX_PIXELS);
  });

  it("refuses hostile image headers before allocating", () => {
    const base = encodeMessage({
      entityPath: "d",
      timelines: [],
      archetype: new Image(Uint8Array.of(1, 2, 3, 4), { width: 2, height: 2, colorModel: "L" }),
    });
    const body = 16;
    const hostile: [string, (b: Uint8Array) => void][] = [
      [
        "huge width x height",
        (b) => {
          u32At(b, body, 16384);
          u32At(b, body + 4, 16384);
        },
      ],
      ["RGBA claimed over L bytes", (b) => (b[body + 8] = 3)],
      [
        "16-bit RGB",
        (b) => {
          b[body + 8] = 2;
          b[body + 9] = 8;
        },
      ],
      ["unknown colour model", (b) => (b[body + 8] = 9)],
      ["payload length 0xffffffff", (b) => u32At(b, body + 27, 0xffffffff)],
      ["opacity 2", (b) => f64At(b, body + 11, 2)],
    ];
    for (const [name, mutate] of hostile) {
      const bytes = base.slice();
      mutate(bytes);
      const before = process.memoryUsage().arrayBuffers;
      expect(decodeOrDecodeError(bytes), name).toBe("refused");
      expect(process.memoryUsage().arrayBuffers - before, name).toBeLessThan(1 << 20);
    }
  });

  it("refuses a pinhole with NaN intrinsics", () => {
    const bytes = encodeMessage({
      entityPath: "c",
      timelines: [],
      archetype: Pinhole.fromFocalLength({ width: 10, height: 10, focalLength: 5 }),
    });
    // header 8 + path (2 + 1) + timelines (1) + body length (4) = 16: fx is the first f64 of the body.
    f64At(bytes, 16, Number.NaN);
    expect(() => decodeMessage(bytes)).toThrow(DecodeError);
  });
});
