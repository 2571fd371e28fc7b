import {
  type DepthArray,
  type DepthEncoding,
  DepthImage,
  EncodedImage,
  encodeMessage,
  Image,
  type LogMessage,
  loadUpZstdEncoder,
  Pinhole,
  Transform3D,
} from "@depthroom/schema";
import { connect } from "@depthroom/sdk";
import { messageJson } from "./messageJson.ts";

/*
 * A TypeScript producer for the Python tests:
 *   produceMain.ts <publish link>
 * Logs a Pinhole (static), a Transform3D, a 5 x 4 depth image of every datatype (one entity each,
 * extremes, zeros, NaN and -0 among the pixels), the U16 one again as MED-deflate and as up-zstd, an
 * RGBA Image and a JPEG EncodedImage, flushes, prints each logged message as one JSON line (the two
 * re-encoded ones with `wire_bytes`: the length of their message in that encoding)
 * (as the relay will hand it on) and exits.
 */
const link = process.argv[2] as string;
const n = 20;
const ramp = (f: (i: number) => number) => Array.from({ length: n }, (_, i) => f(i));
const images: Record<string, { data: DepthArray; datatype?: "F16" }> = {
  U8: { data: Uint8Array.from(ramp((i) => (i % 3 === 0 ? 0 : 255 - i))) },
  I8: { data: Int8Array.from(ramp((i) => (i % 2 ? -128 + i : 127 - i))) },
  U16: { data: Uint16Array.from(ramp((i) => (i % 4 === 0 ? 0 : 65535 - i * 997))) },
  I16: { data: Int16Array.from(ramp((i) => (i % 2 ? -32768 + i : 32767 - i))) },
  U32: { data: Uint32Array.from(ramp((i) => (i === 3 ? 0 : 4294967295 - i * 123456789))) },
  I32: { data: Int32Array.from(ramp((i) => (i % 2 ? -2147483648 + i : 2147483647 - i))) },
  U64: {
    data: BigUint64Array.from(
      ramp((i) => i),
      (i) => (1n << 64n) - 1n - BigInt(i) * 1000003n,
    ),
  },
  I64: {
    data: BigInt64Array.from(
      ramp((i) => i),
      (i) => (i % 2 ? -(1n << 63n) : (1n << 63n) - 1n) - BigInt(i),
    ),
  },
  F16: {
    data: Uint16Array.from(ramp((i) => [0, 0x3c00, 0x7e00, 0x8000, 0x7bff, 0x0001][i % 6] as number)),
    datatype: "F16",
  },
  F32: { data: Float32Array.from(ramp((i) => [0, Number.NaN, -0, 1e-42, 3.4e38, 0.1][i % 6] as number)) },
  F64: { data: Float64Array.from(ramp((i) => [0, Number.NaN, -0, 5e-324, 1.7e308, 1 / 3][i % 6] as number)) },
};

const rec = await connect({ link });
const logged: (LogMessage & { encoding?: DepthEncoding })[] = [];
const pinhole = Pinhole.fromFocalLength({
  width: 5,
  height: 4,
  focalLength: [4.5, 4.25],
  principalPoint: [2.5, 1.75],
});
rec.log("world/camera", pinhole, { static: true });
logged.push({ entityPath: "world/camera", timelines: [], static: true, archetype: pinhole });
rec.setTime("frame", 7);
rec.setTime("capture", 1_732_000_000_123_456_789n);
const transform = new Transform3D({ translation: [0.5, -1, 2], rotation: [0, 0.6, 0, 0.8] });
rec.log("world/rig", transform);
const timelines = [
  { timeline: "frame", kind: "sequence" as const, value: 7n },
  { timeline: "capture", kind: "timestamp" as const, value: 1_732_000_000_123_456_789n },
];
logged.push({ entityPath: "world/rig", timelines, archetype: transform });
for (const [name, { data, datatype }] of Object.entries(images)) {
  const image = new DepthImage(data, {
    width: 5,
    height: 4,
    ...(datatype ? { datatype } : {}),
    colormap: "viridis",
    depthRange: [1, 4000],
    pointFillRatio: 0.5,
  });
  rec.log(`world/camera/${name}`, image);
  logged.push({ entityPath: `world/camera/${name}`, timelines, archetype: image });
}
// The U16 pixels again, sent as MED-deflate (encoding 2, what `depthroom stream` picks with auto).
const med = new DepthImage(images.U16?.data as Uint16Array, { width: 5, height: 4, depthRange: [1, 4000] });
rec.log("world/camera/U16-med", med, { encoding: "med" });
logged.push({ entityPath: "world/camera/U16-med", timelines, archetype: med, encoding: "med" });
// And as up-zstd (encoding 4); its encoder is WebAssembly, loaded first.
await loadUpZstdEncoder();
rec.log("world/camera/U16-up-zstd", med, { encoding: "up-zstd" });
logged.push({ entityPath: "world/camera/U16-up-zstd", timelines, archetype: med, encoding: "up-zstd" });
const rgba = new Image(
  Uint8Array.from({ length: 5 * 4 * 4 }, (_, i) => (i * 29) % 256),
  {
    width: 5,
    height: 4,
    colorModel: "RGBA",
    opacity: 0.75,
  },
);
rec.log("world/camera/rgba", rgba);
logged.push({ entityPath: "world/camera/rgba", timelines, archetype: rgba });
const jpeg = new EncodedImage(Uint8Array.from([0xff, 0xd8, 0xff, 0xdb, 9, 8, 7]), { drawOrder: 1 });
rec.log("world/camera/jpeg", jpeg);
logged.push({ entityPath: "world/camera/jpeg", timelines, archetype: jpeg });
await rec.flush();
if (rec.stats.rejected !== 0) throw new Error(`the relay rejected ${rec.stats.rejected} messages`);
for (const { encoding, ...message } of logged) {
  const wire = encoding ? { wire_bytes: encodeMessage(message, { depthEncoding: encoding }).length } : {};
  process.stdout.write(`${JSON.stringify({ ...messageJson(message), ...wire })}\n`);
}
await rec.close();
process.exit(0);
