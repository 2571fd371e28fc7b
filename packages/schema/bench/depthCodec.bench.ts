/**
 * The lossless depth codecs beside RVL and plain deflate-1 / inflate, measured in the same run: on the
 * shipped real U16 frames (TUM Kinect v1, Azure Kinect ToF), MED-deflate (depthCodec.ts) and up-zstd
 * (upZstdCodec.ts: JS stage 1 + zstd-1 in WASM to encode, zstd + the unpredict loop in WASM to decode;
 * U16 only, so absent from the F32 sets); on F32 depth
 * (a generated sequence in metres, and the shipped frames converted to metres with NaN holes, as a ROS
 * 32FC1 driver publishes them), float-deflate (floatDepthCodec.ts). Prints ratio, encode and decode
 * MB/s in Node (raw depth bytes per CPU second, one thread, the median round), decode ms per frame in
 * Chromium's dedicated worker (playwright-core + DEPTHROOM_CHROMIUM or /usr/bin/chromium) through the
 * viewer's own functions (RVL in JS; the DEFLATE stage by fflate in JS, as decodeMessage does there,
 * and by DecompressionStream("deflate-raw") for comparison), MED's stages alone in both (the profile's
 * split: predictor vs entropy stage), then each goal of issue 19 as met or MISSED. Codecs run interleaved round by round, so the ratios between them hold under load.
 * Run: `npm run bench -w @depthroom/schema`. BENCH_NO_BROWSER=1 skips the Chromium part.
 */
import { loadavg } from "node:os";
import { deflateRawSync, inflateRawSync } from "node:zlib";
import { build } from "esbuild";
import { chromium } from "playwright-core";
import {
  deflateRaw,
  MED_DEFLATE_IMPLEMENTATION,
  medDecode,
  medEncode,
  medInflate,
  medInflateJs,
  medPredict,
  medUnpredict,
} from "../src/depthCodec.ts";
import { floatDecode, floatEncode } from "../src/floatDepthCodec.ts";
import { rvlDecode, rvlEncode } from "../src/rvl.ts";
import { loadUpZstdDecoder, loadUpZstdEncoder, upZstdDecode, upZstdEncode } from "../src/upZstdCodec.ts";
import { generatedFloatSequence } from "../testing/floatSequence.ts";
import { loadSampleSets } from "../testing/samples.ts";

await Promise.all([loadUpZstdEncoder(), loadUpZstdDecoder()]);

const MIN_SECONDS = 1.5;
const WARM_UP_SECONDS = 0.5;

/**
 * CPU time of this process in ms (user + system). Node's rounds are timed by it, not by the wall clock:
 * the calls are synchronous on this thread, so on a quiet box the two agree, and on a loaded one (five
 * writers on two cores) the CPU time leaves out the time spent waiting for a core, which the wall clock
 * counted and which swung a codec's figure by 2x between runs. (Chromium's worker has no such clock.)
 */
function cpuMs(): number {
  const { user, system } = process.cpuUsage();
  return (user + system) / 1000;
}

/**
 * Median CPU ms per round of each of `fns` (each round runs every fn over the `count` frames, one after
 * the other, for MIN_SECONDS in all), so all of them see the same load on a shared machine; the
 * ratios between them are the figures to trust, the absolute ones move with the load.
 */
function interleaved(count: number, fns: ((i: number) => unknown)[]): number[] {
  // Warm up by time, not by count: on a loaded box the optimising compiler runs late, and a codec
  // measured before it did looked up to 2x slower than the same code measured after.
  const warm = performance.now();
  do for (const fn of fns) for (let i = 0; i < count; i++) fn(i);
  while (performance.now() - warm < WARM_UP_SECONDS * 1000);
  const rounds: number[][] = fns.map(() => []);
  const start = performance.now();
  do {
    fns.forEach((fn, k) => {
      const t = cpuMs();
      for (let i = 0; i < count; i++) fn(i);
      rounds[k]!.push(cpuMs() - t);
    });
  } while (performance.now() - start < MIN_SECONDS * 1000);
  return rounds.map((r) => r.sort((x, y) => x - y)[r.length >> 1] as number);
}

const bytesOf = (f: ArrayBufferView) => new Uint8Array(f.buffer, f.byteOffset, f.byteLength);
const same = (a: ArrayBufferView, b: ArrayBufferView) =>
  Buffer.from(bytesOf(a)).equals(Buffer.from(bytesOf(b)));

type Kind = "U16" | "F32";
interface Set {
  name: string;
  kind: Kind;
  frames: readonly { width: number; depth: Uint16Array | Float32Array }[];
}
const sets: Set[] = [];
const real = loadSampleSets();
for (const s of real) sets.push({ name: s.name, kind: "U16", frames: s.frames });
sets.push({ name: "generated F32 320x240 (m)", kind: "F32", frames: generatedFloatSequence() });
for (const s of real) {
  sets.push({
    name: `${s.name.split(" (")[0]} as F32 m`,
    kind: "F32",
    frames: s.frames.map((f) => ({
      width: f.width,
      depth: Float32Array.from(f.depth, (v) => (v === 0 ? Number.NaN : v / s.unitsPerMetre)),
    })),
  });
}

interface Row {
  set: string;
  codec: string;
  ratio: number;
  encode: number;
  decode: number;
}
const rows: Row[] = [];
/** Per U16 set: ms per frame of RVL and of each MED stage alone (see the table's header). */
const splits: string[][] = [];
/** What the Chromium worker decodes, per set (numbers, since they cross page.evaluate as JSON). */
const browserSets: {
  set: string;
  kind: Kind;
  pixels: number;
  width: number;
  baseline: number[][];
  codec: number[][];
  /** up-zstd payloads and deflate-1 of the raw pixels (U16 sets only: F32's baseline is the latter). */
  up: number[][];
  deflated: number[][];
}[] = [];

for (const set of sets) {
  const frames = set.frames;
  const n = frames.length;
  const rawBytes = frames.reduce((sum, f) => sum + f.depth.byteLength, 0);
  const ratio = (encoded: Uint8Array[]) => rawBytes / encoded.reduce((s, b) => s + b.length, 0);
  const deflated = frames.map((f) => deflateRawSync(bytesOf(f.depth), { level: 1 }));
  const u16 = frames.map((f) => f.depth as Uint16Array);
  const rvl = set.kind === "U16" ? u16.map((f) => rvlEncode(f)) : [];
  const encode =
    set.kind === "U16"
      ? (i: number) => medEncode(frames[i]!.depth as Uint16Array, frames[i]!.width)
      : (i: number) => floatEncode(frames[i]!.depth as Float32Array, frames[i]!.width);
  const decode =
    set.kind === "U16"
      ? (bytes: Uint8Array, i: number) => medDecode(bytes, frames[i]!.depth.length, frames[i]!.width)
      : (bytes: Uint8Array, i: number) => floatDecode(bytes, frames[i]!.depth.length, frames[i]!.width);
  const encoded = frames.map((_, i) => encode(i));
  const up = set.kind === "U16" ? u16.map((f, i) => upZstdEncode(f, frames[i]!.width).slice()) : [];
  for (let i = 0; i < up.length; i++) {
    if (!same(upZstdDecode(up[i]!, frames[i]!.depth.length, frames[i]!.width), frames[i]!.depth)) {
      throw new Error(`${set.name} frame ${i}: the up-zstd round trip is not bit-exact`);
    }
  }
  for (let i = 0; i < n; i++) {
    if (!same(decode(encoded[i]!, i), frames[i]!.depth)) {
      throw new Error(`${set.name} frame ${i}: the round trip is not bit-exact`);
    }
  }
  const codecs = [
    ...(set.kind === "U16"
      ? [
          {
            codec: "RVL (JS)",
            payloads: rvl,
            encode: (i: number) => rvlEncode(u16[i]!),
            decode: (i: number) => rvlDecode(rvl[i]!, u16[i]!.length),
          },
        ]
      : []),
    {
      codec: "deflate-1 / inflate (zlib)",
      payloads: deflated,
      encode: (i: number) => deflateRawSync(bytesOf(frames[i]!.depth), { level: 1 }),
      decode: (i: number) => inflateRawSync(deflated[i]!),
    },
    {
      codec: `${set.kind === "U16" ? "MED-deflate" : "float-deflate"} (${MED_DEFLATE_IMPLEMENTATION})`,
      payloads: encoded,
      encode,
      decode: (i: number) => decode(encoded[i]!, i),
    },
    ...(set.kind === "U16"
      ? [
          {
            codec: "up-zstd (zstd-1, WASM)",
            payloads: up,
            encode: (i: number) => upZstdEncode(u16[i]!, frames[i]!.width),
            decode: (i: number) => upZstdDecode(up[i]!, u16[i]!.length, frames[i]!.width),
          },
        ]
      : []),
  ];
  const encodeMs = interleaved(
    n,
    codecs.map((c) => c.encode),
  );
  const decodeMs = interleaved(
    n,
    codecs.map((c) => c.decode),
  );
  codecs.forEach((c, k) => {
    rows.push({
      set: set.name,
      codec: c.codec,
      ratio: ratio(c.payloads),
      encode: rawBytes / encodeMs[k]! / 1000,
      decode: rawBytes / decodeMs[k]! / 1000,
    });
  });
  if (set.kind === "U16") {
    // Where MED's time goes: each stage alone, beside RVL, interleaved like the codecs above.
    const stageOnes = u16.map((f, i) => medPredict(f, frames[i]!.width).slice());
    const px = u16[0]!.length;
    const stageMs = interleaved(n, [
      (i) => rvlEncode(u16[i]!),
      (i) => medPredict(u16[i]!, frames[i]!.width),
      (i) => deflateRaw(stageOnes[i]!),
      (i) => rvlDecode(rvl[i]!, px),
      (i) => medInflate(encoded[i]!, px),
      (i) => medInflateJs(encoded[i]!, px),
      (i) => medUnpredict(stageOnes[i]!, px, frames[i]!.width),
    ]);
    splits.push([set.name, ...stageMs.map((ms) => (ms / n).toFixed(2))]);
  }
  const baseline: Uint8Array[] = set.kind === "U16" ? rvl : deflated.map((b) => new Uint8Array(b));
  browserSets.push({
    set: set.name,
    kind: set.kind,
    pixels: frames[0]!.depth.length,
    width: frames[0]!.width,
    baseline: baseline.map((b) => Array.from(b)),
    codec: encoded.map((b) => Array.from(b)),
    up: up.map((b) => Array.from(b)),
    deflated: set.kind === "U16" ? deflated.map((b) => Array.from(b)) : [],
  });
}

function print(title: string, header: string[], table: string[][]): void {
  const all = [header, ...table];
  const widths = header.map((_, c) => Math.max(...all.map((r) => r[c]!.length)));
  console.log(`\n${title}`);
  for (const r of all) {
    console.log(r.map((cell, c) => (c < 2 ? cell.padEnd(widths[c]!) : cell.padStart(widths[c]!))).join("  "));
  }
}
const load = () =>
  `load average ${loadavg()
    .map((l) => l.toFixed(1))
    .join(" ")}`;
const fmt = (v: number, digits = 0) => (Number.isNaN(v) ? "-" : v.toFixed(digits));
const baselineOf = (set: string) =>
  rows.find((o) => o.set === set && o.codec.startsWith("RVL")) ??
  rows.find((o) => o.set === set && o.codec.startsWith("deflate"));
print(
  `Depth codecs in Node (MB/s of raw depth per CPU second, one thread, median round, codecs interleaved; ${load()})`,
  ["set", "codec", "ratio", "x baseline", "encode MB/s", "decode MB/s"],
  rows.map((r) => [
    r.set,
    r.codec,
    fmt(r.ratio, 2),
    fmt(r.ratio / baselineOf(r.set)!.ratio, 2),
    fmt(r.encode),
    fmt(r.decode),
  ]),
);
console.log("(x baseline: against RVL for U16 sets, against deflate-1 for F32 sets)");
print(
  `MED-deflate's stages alone in Node (median CPU ms per frame, interleaved with RVL; ${load()})`,
  [
    "set",
    "RVL encode",
    "MED predict",
    "deflate (level 1)",
    "RVL decode",
    "inflate (zlib)",
    "inflate (fflate)",
    "MED unpredict",
  ],
  splits,
);

/* Chromium: the same payloads decoded in a dedicated worker. */
const workerSource = `
import { inflateRawJs, medStageOneBound, medUnpredict } from "./src/depthCodec.ts";
import { floatStageOneBound, floatUnpredict } from "./src/floatDepthCodec.ts";
import { rvlDecode } from "./src/rvl.ts";
import { loadUpZstdDecoder, upZstdDecode } from "./src/upZstdCodec.ts";
/*
 * DecompressionStream, for comparison (the viewer inflates with fflate, synchronously): one write, the
 * chunks read straight into a buffer sized to the bound (no Blob, no Response: those hops cost more than
 * the inflate itself here).
 */
let nativeOut = new Uint8Array(0);
async function inflateRawNative(bytes, bound) {
  if (nativeOut.length < bound) nativeOut = new Uint8Array(bound);
  const stream = new DecompressionStream("deflate-raw");
  const writer = stream.writable.getWriter();
  writer.write(bytes);
  writer.close();
  const reader = stream.readable.getReader();
  let length = 0;
  for (;;) {
    const { done, value } = await reader.read();
    if (done) return nativeOut.subarray(0, length);
    if (length + value.length > bound) throw new Error("past the bound");
    nativeOut.set(value, length);
    length += value.length;
  }
}
/* Median ms per frame of each decoder, interleaved round by round (as in Node) so all see the same load. */
async function msPerFrame(count, fns) {
  const warm = performance.now();
  do for (const fn of fns) for (let i = 0; i < count; i++) await fn(i);
  while (performance.now() - warm < ${WARM_UP_SECONDS * 1000});
  const rounds = fns.map(() => []);
  const start = performance.now();
  do {
    for (let k = 0; k < fns.length; k++) {
      const t = performance.now();
      for (let i = 0; i < count; i++) await fns[k](i);
      rounds[k].push((performance.now() - t) / count);
    }
  } while (performance.now() - start < ${MIN_SECONDS * 1000});
  return rounds.map((r) => r.sort((a, b) => a - b)[r.length >> 1]);
}
self.onmessage = async ({ data: set }) => {
  const baseline = set.baseline.map((a) => Uint8Array.from(a));
  const codec = set.codec.map((a) => Uint8Array.from(a));
  const n = codec.length;
  const px = set.pixels;
  const bound = set.kind === "U16" ? medStageOneBound(px) : floatStageOneBound(px);
  const unpredict = set.kind === "U16" ? medUnpredict : floatUnpredict;
  const stageOnes = codec.map((b) => inflateRawJs(b, bound, "bench").slice());
  await loadUpZstdDecoder();
  const up = set.up.map((a) => Uint8Array.from(a));
  const deflated = set.deflated.map((a) => Uint8Array.from(a));
  const u16Only =
    up.length > 0
      ? [(i) => upZstdDecode(up[i], px, set.width), (i) => inflateRawJs(deflated[i], px * 2, "bench")]
      : [];
  const [baselineMs, js, native, inflateJs, inflateNative, unpredictOnly, upZstd, inflateRaw] = await msPerFrame(n, [
    set.kind === "U16" ? (i) => rvlDecode(baseline[i], px) : (i) => inflateRawJs(baseline[i], px * 4, "bench"),
    (i) => unpredict(inflateRawJs(codec[i], bound, "bench"), px, set.width),
    async (i) => unpredict(await inflateRawNative(codec[i], bound), px, set.width),
    (i) => inflateRawJs(codec[i], bound, "bench"),
    (i) => inflateRawNative(codec[i], bound),
    (i) => unpredict(stageOnes[i], px, set.width),
    ...u16Only,
  ]);
  self.postMessage({ baseline: baselineMs, js, native, inflateJs, inflateNative, unpredictOnly, upZstd, inflateRaw });
};
`;

type Browser = {
  baseline: number;
  js: number;
  native: number;
  inflateJs: number;
  inflateNative: number;
  unpredictOnly: number;
  /** up-zstd's decode (U16 sets only). */
  upZstd?: number;
  /** fflate's inflate of deflate-1 of the raw pixels (U16 sets only). */
  inflateRaw?: number;
};
const browserResults = new Map<string, Browser>();
if (!process.env.BENCH_NO_BROWSER) {
  const bundle = await build({
    stdin: { contents: workerSource, resolveDir: new URL("..", import.meta.url).pathname, loader: "js" },
    bundle: true,
    format: "iife",
    external: ["@bokuweb/zstd-wasm"], // the encoder's (dynamic) import: the worker only decodes
    write: false,
    logLevel: "silent",
  });
  const code = bundle.outputFiles[0]!.text;
  const browser = await chromium.launch({
    executablePath: process.env.DEPTHROOM_CHROMIUM ?? "/usr/bin/chromium",
    args: ["--headless", "--no-sandbox"],
  });
  try {
    const page = await browser.newPage();
    const table: string[][] = [];
    for (const set of browserSets) {
      const result = (await page.evaluate(
        ([source, frames]) =>
          new Promise((resolve, reject) => {
            const worker = new Worker(URL.createObjectURL(new Blob([source], { type: "text/javascript" })));
            worker.onmessage = (e) => {
              resolve(e.data);
              worker.terminate();
            };
            worker.onerror = (e) => reject(new Error(e.message));
            worker.postMessage(frames);
          }),
        [code, set] as const,
      )) as Browser;
      browserResults.set(set.set, result);
      const mbps = (ms: number) => ((set.pixels * (set.kind === "U16" ? 2 : 4)) / ms / 1000).toFixed(0);
      const row = (name: string, ms: number) => [set.set, name, ms.toFixed(2), mbps(ms)];
      const codec = set.kind === "U16" ? "MED-deflate" : "float-deflate";
      table.push(row(set.kind === "U16" ? "RVL (JS)" : "inflate (fflate)", result.baseline));
      table.push(row(`${codec}, fflate (JS, sync: the viewer's path)`, result.js));
      table.push(row(`${codec}, DecompressionStream (async, comparison)`, result.native));
      table.push(row(`  its inflate alone, fflate`, result.inflateJs));
      table.push(row(`  its inflate alone, DecompressionStream`, result.inflateNative));
      table.push(
        row(`  its ${set.kind === "U16" ? "unpredict" : "float unpredict"} alone`, result.unpredictOnly),
      );
      if (result.upZstd !== undefined) table.push(row("up-zstd (zstd + unpredict in WASM)", result.upZstd));
      if (result.inflateRaw !== undefined)
        table.push(row("inflate (fflate) of deflate-1", result.inflateRaw));
    }
    print(
      `Decode in Chromium ${browser.version()}'s dedicated worker (median ms per frame, interleaved; ${load()})`,
      ["set", "decoder", "ms/frame", "MB/s"],
      table,
    );
  } finally {
    await browser.close();
  }
}

/* The goals of issue 19, each met or MISSED with the measured ratio. */
const goals: string[][] = [];
const goal = (what: string, value: number, target: number, unit = "x") =>
  goals.push([what, `${value.toFixed(2)}${unit}`, `>= ${target}${unit}`, value >= target ? "met" : "MISSED"]);
for (const s of real) {
  const med = rows.find((r) => r.set === s.name && r.codec.startsWith("MED"))!;
  const rvl = rows.find((r) => r.set === s.name && r.codec.startsWith("RVL"))!;
  const deflate = rows.find((r) => r.set === s.name && r.codec.startsWith("deflate"))!;
  goal(`${s.name}: ratio vs RVL`, med.ratio / rvl.ratio, s.name.includes("Kinect v1") ? 1.6 : 1.1);
  goal(`${s.name}: ratio vs deflate-1`, med.ratio / deflate.ratio, 1);
  goal(`${s.name}: Node encode MB/s`, med.encode, 200, " MB/s");
  goals.push([
    `${s.name}: Node encode, MED / RVL speed (same run)`,
    `${(med.encode / rvl.encode).toFixed(2)}x`,
    "-",
    "info",
  ]);
  goals.push([
    `${s.name}: Node decode, MED / RVL speed (same run)`,
    `${(med.decode / rvl.decode).toFixed(2)}x`,
    "-",
    "info",
  ]);
  const b = browserResults.get(s.name);
  if (b) {
    goal(`${s.name}: worker decode, RVL ms / MED ms (fflate, the viewer's path)`, b.baseline / b.js, 1);
    goals.push([
      `${s.name}: worker decode, RVL ms / MED ms (DecompressionStream)`,
      `${(b.baseline / b.native).toFixed(2)}x`,
      "-",
      "info",
    ]);
  }
}
for (const s of real) {
  const up = rows.find((r) => r.set === s.name && r.codec.startsWith("up-zstd"))!;
  const rvl = rows.find((r) => r.set === s.name && r.codec.startsWith("RVL"))!;
  const deflate = rows.find((r) => r.set === s.name && r.codec.startsWith("deflate"))!;
  const med = rows.find((r) => r.set === s.name && r.codec.startsWith("MED"))!;
  goal(`${s.name}: up-zstd ratio vs RVL`, up.ratio / rvl.ratio, s.name.includes("Kinect v1") ? 1.6 : 1.1);
  goal(`${s.name}: up-zstd ratio vs deflate-1`, up.ratio / deflate.ratio, 1);
  goal(`${s.name}: up-zstd Node encode MB/s`, up.encode, 200, " MB/s");
  goals.push([
    `${s.name}: up-zstd ratio vs MED-deflate`,
    `${(up.ratio / med.ratio).toFixed(2)}x`,
    "-",
    "info",
  ]);
  goals.push([
    `${s.name}: Node decode, up-zstd / RVL speed (same run)`,
    `${(up.decode / rvl.decode).toFixed(2)}x`,
    "-",
    "info",
  ]);
  const b = browserResults.get(s.name);
  if (b?.upZstd !== undefined) {
    goal(`${s.name}: worker decode, RVL ms / up-zstd ms`, b.baseline / b.upZstd, 1);
  }
}
goals.push(["F32 sets: up-zstd", "U16 only", "-", "n/a"]);
for (const set of sets.filter((s) => s.kind === "F32")) {
  const codec = rows.find((r) => r.set === set.name && r.codec.startsWith("float"))!;
  const deflate = rows.find((r) => r.set === set.name && r.codec.startsWith("deflate"))!;
  goal(`${set.name}: float-deflate ratio vs deflate-1`, codec.ratio / deflate.ratio, 1);
}
print(`Goals (issue 19; ${load()})`, ["goal", "measured", "target", "result"], goals);
