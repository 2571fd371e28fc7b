import { createHash } from "node:crypto";
import { readdirSync, writeFileSync } from "node:fs";
import {
  type Archetype,
  arrayFromBytes,
  type Datatype,
  type DepthArray,
  type DepthEncoding,
  DepthImage,
  type DistortionModel,
  EncodedImage,
  ERROR_CODES,
  encodeMessage,
  FRAME_CREDITS,
  Image,
  loadUpZstdEncoder,
  medEncode,
  Pinhole,
  RELAY_PROTOCOL_VERSION,
  rvlEncode,
  type TimePoint,
  Transform3D,
  upZstdEncode,
} from "@depthroom/schema";
import { loadPng16 } from "@depthroom/schema/testing";

await loadUpZstdEncoder(); // up-zstd's encoder is WebAssembly, loaded before the first encode

/*
 * Golden bytes for the Python client, written by the TypeScript encoder. Each case names its input in
 * the Python API's words (`cases.json`: entity, times, archetype kwargs; depth pixels as little-endian
 * base64) and the bytes `encodeMessage` gives for it (`<name>.bin`). `samples.json` holds the SHA-256 of
 * `rvlEncode` on every shipped real frame in data/samples. packages/python/tests/test_golden.py encodes
 * the same inputs in Python and compares; golden.test.ts (vitest) regenerates all of this in memory and
 * compares it with the committed files (codes.json: which error codes a client retries after), so they cannot drift from the TypeScript side.
 *
 *   node --import tsx packages/python/tests/golden/generate.ts     (rewrites the files here)
 *   npx biome check --write packages/python/tests/golden           (formats the JSON)
 */

export interface GoldenCase {
  readonly name: string;
  readonly entity: string;
  readonly static?: boolean;
  /** value as a decimal string (64-bit). */
  readonly timelines: readonly { timeline: string; kind: "sequence" | "timestamp"; value: string }[];
  readonly encoding?: DepthEncoding;
  readonly archetype:
    | {
        kind: "DepthImage";
        /** numpy dtype string, little-endian. */
        dtype: string;
        shape: [number, number];
        /** base64 of the little-endian pixels, row-major. */
        data: string;
        meter?: number;
        colormap?: string;
        depth_range?: [number, number];
        point_fill_ratio?: number;
        draw_order?: number;
      }
    | {
        kind: "Pinhole";
        focal_length?: number | [number, number];
        principal_point?: [number, number];
        width?: number;
        height?: number;
        /** Row-major 3x3, as Rerun's Python takes it. */
        image_from_camera?: number[][];
        camera_xyz?: string;
        image_plane_distance?: number;
        /** (model, coefficients), ROS names and D order. */
        distortion?: [DistortionModel, number[]];
      }
    | {
        kind: "Transform3D";
        translation?: [number, number, number];
        quaternion?: [number, number, number, number];
      }
    | {
        kind: "Image";
        /** "<u1" or "<u2"; shape [height, width, channels]. */
        dtype: string;
        shape: [number, number, number];
        data: string;
        color_model?: string;
        opacity?: number;
        draw_order?: number;
      }
    | { kind: "EncodedImage"; contents: string; media_type?: string; opacity?: number; draw_order?: number };
}

const DTYPES: Record<Datatype, string> = {
  U8: "<u1",
  I8: "<i1",
  U16: "<u2",
  I16: "<i2",
  U32: "<u4",
  I32: "<i4",
  U64: "<u8",
  I64: "<i8",
  F16: "<f2",
  F32: "<f4",
  F64: "<f8",
};

/** 4 x 3 pixels with zeros (no depth), extremes of the type, and for floats NaN, a subnormal and -0. */
function pixels(datatype: Datatype): DepthArray {
  switch (datatype) {
    case "U8":
      return Uint8Array.from([0, 1, 2, 255, 0, 0, 128, 127, 3, 0, 254, 9]);
    case "I8":
      return Int8Array.from([0, -1, 127, -128, 0, 5, -5, 0, 64, -64, 1, 0]);
    case "U16":
      return Uint16Array.from([0, 0, 1000, 1001, 999, 65535, 0, 1, 40000, 40007, 0, 0]);
    case "I16":
      return Int16Array.from([0, -32768, 32767, 1, -1, 0, 500, -500, 0, 0, 7, -7]);
    case "U32":
      return Uint32Array.from([0, 4294967295, 1, 0, 100000, 2, 3, 0, 7, 8, 9, 10]);
    case "I32":
      return Int32Array.from([0, -2147483648, 2147483647, -1, 1, 0, 5, 6, 7, 8, 9, 0]);
    case "U64":
      return BigUint64Array.from([0n, (1n << 64n) - 1n, 1n, 1n << 40n, 0n, 5n, 6n, 7n, 8n, 9n, 10n, 0n]);
    case "I64":
      return BigInt64Array.from([0n, -(1n << 63n), (1n << 63n) - 1n, -1n, 1n, 0n, 5n, 6n, 7n, 8n, 9n, 0n]);
    case "F16":
      // Half-float bits: 0, 1.0, -2.0, 65504, NaN, smallest subnormal, -0, 0.5, 1000, 0.1 (rounded), 3.0, inf.
      return Uint16Array.from([
        0, 0x3c00, 0xc000, 0x7bff, 0x7e00, 0x0001, 0x8000, 0x3800, 0x63d0, 0x2e66, 0x4200, 0x7c00,
      ]);
    case "F32":
      return Float32Array.from([0, Number.NaN, 1.5, -0, 1e-40, 3.4e38, 0.1, 2.25, 0, 7, 8, 1 / 3]);
    case "F64":
      return Float64Array.from([0, Number.NaN, 1.5, -0, 5e-324, 1.7e308, 0.1, 2.25, 0, 7, 8, 1 / 3]);
  }
}

/** 6x5 F32 metres with NaN holes and the special bit patterns float-deflate keeps exactly. */
function floatHoles(): Float32Array {
  const out = new Float32Array(6 * 5);
  for (let i = 0; i < out.length; i++) out[i] = 1.25 + 0.01 * (i % 6) + 0.003 * Math.floor(i / 6);
  for (const i of [0, 7, 8, 20, 29]) out[i] = Number.NaN; // holes (0x7fc00000)
  const bits = new Uint32Array(out.buffer);
  bits[3] = 0x7fc00001; // a NaN with another payload: a value, not a hole
  bits[10] = 0x80000000; // -0
  bits[14] = 0x7f800000; // +inf
  bits[15] = 0x00000001; // the smallest denormal
  bits[22] = 0xff7fffff; // the most negative finite float
  return out;
}

/**
 * 9 x 7 U16 depth for MED-deflate and up-zstd: holes of every shape (a hole column, a hole row, single
 * holes, a row starting on a hole), all three MED cases (c above, below and between a and b), residuals
 * past 2^15 (wrapping; up-zstd's escapes) and a smooth ramp.
 */
function medHoles(): Uint16Array {
  const out = new Uint16Array(9 * 7);
  for (let y = 0; y < 7; y++) {
    for (let x = 0; x < 9; x++) out[y * 9 + x] = 1000 + 37 * x + 101 * y + ((x * y * 7919) % 13);
  }
  for (let y = 0; y < 7; y++) out[y * 9 + 4] = 0; // a hole column
  out.fill(0, 3 * 9, 4 * 9); // a hole row
  out[5 * 9] = 0; // a row starting on a hole
  out[6 * 9 + 7] = 0;
  out[1 * 9 + 1] = 65535; // big jumps: residuals wrap modulo 2^16
  out[1 * 9 + 2] = 1;
  out[2 * 9 + 6] = 40000;
  out[6 * 9 + 8] = 7;
  return out;
}

const base64 = (data: DepthArray | Uint8Array) =>
  Buffer.from(data.buffer, data.byteOffset, data.byteLength).toString("base64");

const FRAME_AND_CAPTURE = [
  { timeline: "frame", kind: "sequence", value: "42" },
  { timeline: "capture", kind: "timestamp", value: "1732000000123456789" },
] as const;

export function goldenCases(): GoldenCase[] {
  const cases: GoldenCase[] = [];
  for (const datatype of Object.keys(DTYPES) as Datatype[]) {
    const data = base64(pixels(datatype));
    const base = {
      kind: "DepthImage" as const,
      dtype: DTYPES[datatype],
      shape: [3, 4] as [number, number],
      data,
    };
    cases.push({
      name: `depth-${datatype}-defaults`,
      entity: "world/camera/depth",
      timelines: [...FRAME_AND_CAPTURE],
      archetype: base,
    });
    cases.push({
      name: `depth-${datatype}-options`,
      entity: "/world/rig/cam0/depth",
      timelines: [{ timeline: "frame", kind: "sequence", value: "-3" }],
      archetype: {
        ...base,
        meter: 5000,
        colormap: "magma",
        depth_range: [0.5, 4000],
        point_fill_ratio: 0.3,
        draw_order: 3.25,
      },
    });
  }
  cases.push({
    name: "depth-U16-raw",
    entity: "world/camera/depth",
    timelines: [...FRAME_AND_CAPTURE],
    encoding: "raw",
    archetype: { kind: "DepthImage", dtype: "<u2", shape: [3, 4], data: base64(pixels("U16")) },
  });
  cases.push({
    name: "depth-U16-all-zero",
    entity: "a",
    timelines: [],
    archetype: { kind: "DepthImage", dtype: "<u2", shape: [2, 3], data: base64(new Uint16Array(6)) },
  });
  cases.push({
    name: "depth-U16-no-zero",
    entity: "a",
    timelines: [],
    archetype: {
      kind: "DepthImage",
      dtype: "<u2",
      shape: [1, 5],
      data: base64(Uint16Array.from([65535, 0xffff, 1, 65535, 2])),
    },
  });
  // The two lossless U16 codecs beside RVL, each on the 3x4 pixels and on the 9x7 image with holes.
  for (const encoding of ["med", "up-zstd"] as const) {
    cases.push({
      name: `depth-U16-${encoding}`,
      entity: "world/camera/depth",
      timelines: [...FRAME_AND_CAPTURE],
      encoding,
      archetype: { kind: "DepthImage", dtype: "<u2", shape: [3, 4], data: base64(pixels("U16")) },
    });
    cases.push({
      name: `depth-U16-${encoding}-holes`,
      entity: "a",
      timelines: [],
      encoding,
      archetype: { kind: "DepthImage", dtype: "<u2", shape: [7, 9], data: base64(medHoles()) },
    });
  }
  cases.push({
    name: "depth-F32-float-deflate",
    entity: "a",
    timelines: [],
    encoding: "float-deflate",
    archetype: { kind: "DepthImage", dtype: "<f4", shape: [5, 6], data: base64(floatHoles()) },
  });
  cases.push({
    name: "pinhole-focal-scalar",
    entity: "world/camera",
    static: true,
    timelines: [],
    archetype: { kind: "Pinhole", focal_length: 525, width: 640, height: 480 },
  });
  cases.push({
    name: "pinhole-focal-pair-principal-point",
    entity: "world/camera",
    timelines: [{ timeline: "frame", kind: "sequence", value: "7" }],
    archetype: {
      kind: "Pinhole",
      focal_length: [612.5, 611.25],
      principal_point: [318.75, 241.5],
      width: 848,
      height: 480,
      camera_xyz: "RUB",
      image_plane_distance: 0.25,
    },
  });
  cases.push({
    name: "pinhole-image-from-camera",
    entity: "world/camera",
    static: true,
    timelines: [],
    archetype: {
      kind: "Pinhole",
      image_from_camera: [
        [520.5, 0, 319.5],
        [0, 521.25, 239.5],
        [0, 0, 1],
      ],
    },
  });
  cases.push({
    name: "pinhole-distortion-fisheye",
    entity: "world/camera",
    static: true,
    timelines: [],
    archetype: {
      kind: "Pinhole",
      focal_length: [600, 500],
      principal_point: [337.5, 214.25],
      width: 640,
      height: 480,
      distortion: ["kannala_brandt", [0.05, -0.01, 0.004, -0.0008]],
    },
  });
  cases.push({
    name: "transform-default",
    entity: "world/camera",
    timelines: [{ timeline: "frame", kind: "sequence", value: "0" }],
    archetype: { kind: "Transform3D" },
  });
  cases.push({
    name: "transform-unnormalized",
    entity: "world/rig/cam1",
    static: true,
    timelines: [],
    archetype: { kind: "Transform3D", translation: [0.1, -2, 1e-9], quaternion: [1, 2, 3, 4] },
  });
  cases.push({
    name: "transform-unit",
    entity: "world/rig/cam1",
    timelines: [{ timeline: "capture", kind: "timestamp", value: "-9223372036854775808" }],
    archetype: {
      kind: "Transform3D",
      translation: [0, 0, 1],
      quaternion: [0, 0, Math.SQRT1_2, Math.SQRT1_2],
    },
  });
  const rgb = Uint8Array.from({ length: 3 * 2 * 3 }, (_, i) => (i * 37) % 256);
  cases.push({
    name: "image-RGB-defaults",
    entity: "world/camera/rgb",
    timelines: [...FRAME_AND_CAPTURE],
    archetype: { kind: "Image", dtype: "<u1", shape: [2, 3, 3], data: base64(rgb) },
  });
  cases.push({
    name: "image-BGRA-options",
    entity: "world/camera/rgb",
    timelines: [{ timeline: "frame", kind: "sequence", value: "1" }],
    archetype: {
      kind: "Image",
      dtype: "<u1",
      shape: [2, 2, 4],
      data: base64(Uint8Array.from({ length: 16 }, (_, i) => 255 - i * 13)),
      color_model: "BGRA",
      opacity: 0.5,
      draw_order: 4,
    },
  });
  cases.push({
    name: "image-L-U16",
    entity: "world/ir",
    timelines: [],
    archetype: {
      kind: "Image",
      dtype: "<u2",
      shape: [2, 2, 1],
      data: base64(Uint16Array.from([0, 1, 65535, 4096])),
    },
  });
  const png = Uint8Array.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a, 0, 0, 0, 13, 73, 72, 68, 82]);
  cases.push({
    name: "encoded-image-png",
    entity: "world/camera/rgb",
    timelines: [...FRAME_AND_CAPTURE],
    archetype: { kind: "EncodedImage", contents: base64(png) },
  });
  cases.push({
    name: "encoded-image-jpeg-options",
    entity: "world/camera/rgb",
    static: true,
    timelines: [],
    archetype: {
      kind: "EncodedImage",
      contents: base64(Uint8Array.from([0xff, 0xd8, 0xff, 0xe0, 1, 2, 3])),
      media_type: "image/jpeg",
      opacity: 0.25,
      draw_order: -3,
    },
  });
  return cases;
}

const DATATYPE_OF_DTYPE = Object.fromEntries(Object.entries(DTYPES).map(([k, v]) => [v, k])) as Record<
  string,
  Datatype
>;

/** The TypeScript archetype a case describes. */
function archetypeOf(c: GoldenCase): Archetype {
  const a = c.archetype;
  switch (a.kind) {
    case "DepthImage": {
      const datatype = DATATYPE_OF_DTYPE[a.dtype] as Datatype;
      return new DepthImage(arrayFromBytes(datatype, Buffer.from(a.data, "base64")), {
        width: a.shape[1],
        height: a.shape[0],
        datatype,
        ...(a.meter !== undefined ? { meter: a.meter } : {}),
        ...(a.colormap !== undefined ? { colormap: a.colormap as DepthImage["colormap"] } : {}),
        ...(a.depth_range !== undefined ? { depthRange: a.depth_range } : {}),
        ...(a.point_fill_ratio !== undefined ? { pointFillRatio: a.point_fill_ratio } : {}),
        ...(a.draw_order !== undefined ? { drawOrder: a.draw_order } : {}),
      });
    }
    case "Pinhole": {
      const common = {
        ...(a.camera_xyz !== undefined ? { cameraXyz: a.camera_xyz } : {}),
        ...(a.image_plane_distance !== undefined ? { imagePlaneDistance: a.image_plane_distance } : {}),
        ...(a.distortion ? { distortion: { model: a.distortion[0], coefficients: a.distortion[1] } } : {}),
      };
      if (a.image_from_camera) {
        const m = a.image_from_camera;
        const columnMajor = [0, 1, 2].flatMap((col) => m.map((row) => row[col] as number));
        return new Pinhole({ imageFromCamera: columnMajor, ...common });
      }
      if (a.width === undefined || a.height === undefined || a.focal_length === undefined) {
        throw new Error(`${c.name}: a Pinhole case needs width, height and focal_length`);
      }
      return Pinhole.fromFocalLength({
        width: a.width,
        height: a.height,
        focalLength: a.focal_length,
        ...(a.principal_point ? { principalPoint: a.principal_point } : {}),
        ...common,
      });
    }
    case "Transform3D":
      return new Transform3D({
        ...(a.translation ? { translation: a.translation } : {}),
        ...(a.quaternion ? { rotation: a.quaternion } : {}),
      });
    case "Image": {
      const bytes = new Uint8Array(Buffer.from(a.data, "base64")).buffer;
      const data = a.dtype === "<u2" ? new Uint16Array(bytes) : new Uint8Array(bytes);
      const byChannels: Record<number, string> = { 1: "L", 3: "RGB", 4: "RGBA" };
      const channelsModel = a.color_model ?? byChannels[a.shape[2]];
      return new Image(data, {
        width: a.shape[1],
        height: a.shape[0],
        colorModel: channelsModel as Image["colorModel"],
        ...(a.opacity !== undefined ? { opacity: a.opacity } : {}),
        ...(a.draw_order !== undefined ? { drawOrder: a.draw_order } : {}),
      });
    }
    case "EncodedImage":
      return new EncodedImage(new Uint8Array(Buffer.from(a.contents, "base64")), {
        ...(a.media_type !== undefined ? { mediaType: a.media_type as EncodedImage["mediaType"] } : {}),
        ...(a.opacity !== undefined ? { opacity: a.opacity } : {}),
        ...(a.draw_order !== undefined ? { drawOrder: a.draw_order } : {}),
      });
  }
}

export function goldenBytes(c: GoldenCase): Uint8Array {
  const timelines: TimePoint[] = c.timelines.map((t) => ({ ...t, value: BigInt(t.value) }));
  return encodeMessage(
    { entityPath: c.entity, timelines, static: c.static === true, archetype: archetypeOf(c) },
    c.encoding ? { depthEncoding: c.encoding } : {},
  );
}

const samplesDir = new URL("../../../../data/samples/", import.meta.url);

/** `data/samples/...png` -> SHA-256 (hex) of rvlEncode of its pixels, for every shipped frame. */
export function sampleRvlDigests(): Record<string, string> {
  const out: Record<string, string> = {};
  for (const folder of ["azure-kinect", "tum-fr2/depth"]) {
    for (const file of readdirSync(new URL(`${folder}/`, samplesDir))
      .filter((f) => f.endsWith(".png"))
      .sort()) {
      const { depth } = loadPng16(new URL(`${folder}/${file}`, samplesDir));
      out[`${folder}/${file}`] = createHash("sha256").update(rvlEncode(depth)).digest("hex");
    }
  }
  return out;
}

/**
 * Shipped frames whose payloads are committed as `<encoding>-<name>.bin` (the raw payload, without the
 * message): MED-deflate (`medEncode`) and up-zstd (`upZstdEncode`), as the SDK streams them.
 */
export const SAMPLE_PAYLOADS: Record<string, string> = {
  tum: "tum-fr2/depth/TUM_depth.png",
  "azure-room0": "azure-kinect/TestVector0_Room0.png",
};
export const PAYLOAD_ENCODINGS = ["med", "up-zstd"] as const;

/** A shipped frame's payload in `encoding`, as the SDK streams it (`depthEncoding: "med"` / "up-zstd"). */
export function samplePayload(encoding: (typeof PAYLOAD_ENCODINGS)[number], sample: string): Uint8Array {
  const { depth, width } = loadPng16(new URL(sample, samplesDir));
  return encoding === "med" ? medEncode(depth, width) : upZstdEncode(depth, width);
}

/** Every error code and whether a client retries after it (the Python client's PERMANENT_CODES). */
export function codesJson(): Record<string, boolean> {
  return Object.fromEntries(Object.entries(ERROR_CODES).map(([code, rule]) => [code, rule.retry]));
}

/** The socket protocol's constants the Python client repeats (connection.py). */
export function protocolJson(): { relayProtocolVersion: number; frameCredits: number } {
  return { relayProtocolVersion: RELAY_PROTOCOL_VERSION, frameCredits: FRAME_CREDITS };
}

export const goldenDir = new URL("./", import.meta.url);

/** The JSON files as plain data (the test compares parsed JSON: formatting is biome's business). */
export function casesJson(): unknown {
  return JSON.parse(JSON.stringify(goldenCases()));
}

export function samplesJson(): unknown {
  return sampleRvlDigests();
}

if (import.meta.url === `file://${process.argv[1]}`) {
  writeFileSync(new URL("cases.json", goldenDir), `${JSON.stringify(casesJson(), null, 2)}\n`);
  writeFileSync(new URL("samples.json", goldenDir), `${JSON.stringify(samplesJson(), null, 2)}\n`);
  writeFileSync(new URL("codes.json", goldenDir), `${JSON.stringify(codesJson(), null, 2)}\n`);
  writeFileSync(new URL("protocol.json", goldenDir), `${JSON.stringify(protocolJson(), null, 2)}\n`);
  for (const c of goldenCases()) writeFileSync(new URL(`${c.name}.bin`, goldenDir), goldenBytes(c));
  for (const encoding of PAYLOAD_ENCODINGS) {
    for (const [name, sample] of Object.entries(SAMPLE_PAYLOADS)) {
      writeFileSync(new URL(`${encoding}-${name}.bin`, goldenDir), samplePayload(encoding, sample));
    }
  }
  process.stdout.write(
    `wrote ${goldenCases().length} golden messages and samples.json to ${goldenDir.pathname}\n`,
  );
}
