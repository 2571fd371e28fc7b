/**
 * MED-deflate (depthCodec.ts) beside RVL and plain deflate-1 / inflate, measured in the same run, on the
 * shipped real frames (TUM Kinect v1, Azure Kinect ToF) and on a generated float32 sequence: ratio,
 * encode and decode MB/s in Node (of raw depth, one thread), then decode MB/s in Chromium's dedicated
 * worker (playwright-core + DEPTHROOM_CHROMIUM or /usr/bin/chromium): RVL (JS), MED with fflate (JS,
 * synchronous) and MED with DecompressionStream("deflate-raw") (native, asynchronous).
 * Run: `npm run bench -w @depthroom/schema`. BENCH_NO_BROWSER=1 skips the Chromium part.
 */
import { deflateRawSync, inflateRawSync } from "node:zlib";
import { build } from "esbuild";
import { chromium } from "playwright-core";
import { MED_DEFLATE_IMPLEMENTATION, medDecode, medEncode } from "../src/depthCodec.ts";
import { rvlDecode, rvlEncode } from "../src/rvl.ts";
import { loadSampleSets } from "../testing/samples.ts";

const MIN_SECONDS = 0.5;

function throughput(rawBytes: number, count: number, fn: (i: number) => void): number {
  for (let i = 0; i < count * 3; i++) fn(i % count); // warm up
  let rounds = 0;
  const start = process.hrtime.bigint();
  let elapsed = 0;
  do {
    for (let i = 0; i < count; i++) fn(i);
    rounds++;
    elapsed = Number(process.hrtime.bigint() - start) / 1e9;
  } while (elapsed < MIN_SECONDS);
  return (rawBytes * rounds) / elapsed / 1e6;
}

const bytesOf = (f: ArrayBufferView) => new Uint8Array(f.buffer, f.byteOffset, f.byteLength);

/** A generated float32 depth sequence (metres): a tilted floor and a moving box, 10 % invalid (NaN). */
function floatSequence(): { width: number; data: Float32Array }[] {
  const width = 320;
  const height = 240;
  const frames: { width: number; data: Float32Array }[] = [];
  let seed = 7;
  const random = () => {
    seed = (seed * 1103515245 + 12345) & 0x7fffffff;
    return seed / 0x7fffffff;
  };
  for (let f = 0; f < 6; f++) {
    const data = new Float32Array(width * height);
    for (let y = 0; y < height; y++) {
      for (let x = 0; x < width; x++) {
        const inBox = Math.abs(x - 100 - 20 * f) < 40 && Math.abs(y - 120) < 50;
        const depth = inBox ? 1.2 + 0.001 * x : 4 - (3 * y) / height;
        data[y * width + x] = random() < 0.1 ? Number.NaN : depth + 0.002 * (random() - 0.5);
      }
    }
    frames.push({ width, data });
  }
  return frames;
}

interface Row {
  set: string;
  codec: string;
  ratio: number;
  encode: number;
  decode: number;
}
const rows: Row[] = [];
const browserFrames: { set: string; pixels: number; width: number; rvl: number[][]; med: number[][] }[] = [];

for (const set of loadSampleSets()) {
  const frames = set.frames.map((f) => f.depth);
  const widths = set.frames.map((f) => f.width);
  const n = frames.length;
  const rawBytes = frames.reduce((sum, f) => sum + f.byteLength, 0);
  const ratio = (encoded: Uint8Array[]) => rawBytes / encoded.reduce((s, b) => s + b.length, 0);

  const rvl = frames.map((f) => rvlEncode(f));
  rows.push({
    set: set.name,
    codec: "RVL (JS)",
    ratio: ratio(rvl),
    encode: throughput(rawBytes, n, (i) => rvlEncode(frames[i]!)),
    decode: throughput(rawBytes, n, (i) => rvlDecode(rvl[i]!, frames[i]!.length)),
  });
  const deflated = frames.map((f) => deflateRawSync(bytesOf(f), { level: 1 }));
  rows.push({
    set: set.name,
    codec: "deflate-1 / inflate (zlib)",
    ratio: ratio(deflated),
    encode: throughput(rawBytes, n, (i) => deflateRawSync(bytesOf(frames[i]!), { level: 1 })),
    decode: throughput(rawBytes, n, (i) => inflateRawSync(deflated[i]!)),
  });
  const med = frames.map((f, i) => medEncode(f, widths[i]!));
  for (let i = 0; i < n; i++) {
    const back = medDecode(med[i]!, frames[i]!.length, widths[i]!);
    if (!Buffer.from(back.buffer).equals(Buffer.from(bytesOf(frames[i]!)))) {
      throw new Error(`${set.name} frame ${i}: MED-deflate round trip is not bit-exact`);
    }
  }
  rows.push({
    set: set.name,
    codec: `MED-deflate (${MED_DEFLATE_IMPLEMENTATION})`,
    ratio: ratio(med),
    encode: throughput(rawBytes, n, (i) => medEncode(frames[i]!, widths[i]!)),
    decode: throughput(rawBytes, n, (i) => medDecode(med[i]!, frames[i]!.length, widths[i]!)),
  });
  browserFrames.push({
    set: set.name,
    pixels: frames[0]!.length,
    width: widths[0]!,
    rvl: rvl.map((b) => Array.from(b)),
    med: med.map((b) => Array.from(b)),
  });
}

{
  const frames = floatSequence();
  const rawBytes = frames.reduce((s, f) => s + f.data.byteLength, 0);
  const deflated = frames.map((f) => deflateRawSync(bytesOf(f.data), { level: 1 }));
  rows.push({
    set: "generated float32 320x240",
    codec: "raw",
    ratio: 1,
    encode: Number.NaN,
    decode: Number.NaN,
  });
  rows.push({
    set: "generated float32 320x240",
    codec: "deflate-1 / inflate (zlib)",
    ratio: rawBytes / deflated.reduce((s, b) => s + b.length, 0),
    encode: throughput(rawBytes, frames.length, (i) =>
      deflateRawSync(bytesOf(frames[i]!.data), { level: 1 }),
    ),
    decode: throughput(rawBytes, frames.length, (i) => inflateRawSync(deflated[i]!)),
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
const fmt = (v: number, digits = 0) => (Number.isNaN(v) ? "-" : v.toFixed(digits));
print(
  "Depth codecs on data/samples in Node (MB/s of raw depth, one thread)",
  ["set", "codec", "ratio", "x RVL", "encode MB/s", "decode MB/s"],
  rows.map((r) => {
    const rvl = rows.find((o) => o.set === r.set && o.codec.startsWith("RVL"));
    return [
      r.set,
      r.codec,
      fmt(r.ratio, 2),
      rvl ? fmt(r.ratio / rvl.ratio, 2) : "-",
      fmt(r.encode),
      fmt(r.decode),
    ];
  }),
);
console.log(
  "goals (issue 19): MED ratio >= 1.6x RVL on Kinect v1, >= 1.1x on ToF, >= deflate-1's; encode >= 200 MB/s",
);
console.log("float32: MED-deflate carries U16 only; float depth goes raw (or as U16 millimetres).");

/* Chromium: the same payloads decoded in a dedicated worker. */
const workerSource = `
import { medInflateJs, medUnpredict } from "./src/depthCodec.ts";
import { rvlDecode } from "./src/rvl.ts";
async function inflateNative(bytes) {
  const stream = new Blob([bytes]).stream().pipeThrough(new DecompressionStream("deflate-raw"));
  return new Uint8Array(await new Response(stream).arrayBuffer());
}
async function rate(rawBytes, count, fn) {
  for (let i = 0; i < count * 3; i++) await fn(i % count);
  let rounds = 0;
  const start = performance.now();
  let elapsed = 0;
  do {
    for (let i = 0; i < count; i++) await fn(i);
    rounds++;
    elapsed = (performance.now() - start) / 1000;
  } while (elapsed < ${MIN_SECONDS});
  return { mbps: (rawBytes * rounds) / elapsed / 1e6, msPerFrame: (elapsed * 1000) / (rounds * count) };
}
self.onmessage = async ({ data: set }) => {
  const rvl = set.rvl.map((a) => Uint8Array.from(a));
  const med = set.med.map((a) => Uint8Array.from(a));
  const n = rvl.length;
  const rawBytes = set.pixels * 2 * n;
  const result = {
    rvl: await rate(rawBytes, n, (i) => rvlDecode(rvl[i], set.pixels)),
    medJs: await rate(rawBytes, n, (i) => medUnpredict(medInflateJs(med[i], set.pixels), set.pixels, set.width)),
    medNative: await rate(rawBytes, n, async (i) =>
      medUnpredict(await inflateNative(med[i]), set.pixels, set.width),
    ),
  };
  self.postMessage(result);
};
`;

if (!process.env.BENCH_NO_BROWSER) {
  const bundle = await build({
    stdin: { contents: workerSource, resolveDir: new URL("..", import.meta.url).pathname, loader: "js" },
    bundle: true,
    format: "iife",
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
    for (const set of browserFrames) {
      type Rate = { mbps: number; msPerFrame: number };
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
      )) as { rvl: Rate; medJs: Rate; medNative: Rate };
      const row = (name: string, r: Rate) => [set.set, name, r.mbps.toFixed(0), r.msPerFrame.toFixed(2)];
      table.push(row("RVL (JS)", result.rvl));
      table.push(row("MED-deflate, fflate (JS, sync)", result.medJs));
      table.push(row("MED-deflate, DecompressionStream (async)", result.medNative));
    }
    print(
      `Decode in Chromium ${browser.version()}'s dedicated worker (MB/s of raw depth)`,
      ["set", "decoder", "MB/s", "ms/frame"],
      table,
    );
  } finally {
    await browser.close();
  }
}
