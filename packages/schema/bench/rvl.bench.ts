/**
 * RVL encode/decode speed and ratio on the shipped real frames, beside Node's zlib deflate level 1
 * measured in the same run. Run: `npm run bench -w @depthroom/schema` (or the root `npm run bench`).
 */
import { deflateSync, inflateSync } from "node:zlib";
import { rvlDecode, rvlEncode } from "../src/rvl.ts";
import { loadSampleSets } from "../testing/samples.ts";

const MIN_SECONDS = 0.5;

/** CPU seconds of this process (user + system): on a loaded machine the wall clock also counts the
 * time spent waiting for a core (see depthCodec.bench.ts); the calls timed here are synchronous. */
function cpuSeconds(): number {
  const { user, system } = process.cpuUsage();
  return (user + system) / 1e6;
}

/** Megabytes of raw depth per CPU second for `fn` over `frames`, timed for at least MIN_SECONDS. */
function throughput(frames: readonly Uint16Array[], fn: (i: number) => void): number {
  for (let i = 0; i < frames.length * 3; i++) fn(i % frames.length); // warm up
  const rawBytes = frames.reduce((sum, f) => sum + f.byteLength, 0);
  let rounds = 0;
  const start = cpuSeconds();
  let elapsed = 0;
  do {
    for (let i = 0; i < frames.length; i++) fn(i);
    rounds++;
    elapsed = cpuSeconds() - start;
  } while (elapsed < MIN_SECONDS);
  return (rawBytes * rounds) / elapsed / 1e6;
}

const rows: string[][] = [["set", "codec", "ratio", "encode MB/s", "decode MB/s"]];
for (const set of loadSampleSets()) {
  const frames = set.frames.map((f) => f.depth);
  const rawBytes = frames.reduce((sum, f) => sum + f.byteLength, 0);
  const bytesOf = (f: Uint16Array) => new Uint8Array(f.buffer, f.byteOffset, f.byteLength);

  const rvl = frames.map((f) => rvlEncode(f));
  const rvlRatio = rawBytes / rvl.reduce((s, b) => s + b.length, 0);
  const rvlEnc = throughput(frames, (i) => rvlEncode(frames[i] as Uint16Array));
  const rvlDec = throughput(frames, (i) =>
    rvlDecode(rvl[i] as Uint8Array, (frames[i] as Uint16Array).length),
  );

  const deflated = frames.map((f) => deflateSync(bytesOf(f), { level: 1 }));
  const deflateRatio = rawBytes / deflated.reduce((s, b) => s + b.length, 0);
  const deflateEnc = throughput(frames, (i) => deflateSync(bytesOf(frames[i] as Uint16Array), { level: 1 }));
  const deflateDec = throughput(frames, (i) => inflateSync(deflated[i] as Buffer));

  rows.push([set.name, "RVL (ours, JS)", rvlRatio.toFixed(2), rvlEnc.toFixed(0), rvlDec.toFixed(0)]);
  rows.push([
    set.name,
    "deflate-1 (node zlib)",
    deflateRatio.toFixed(2),
    deflateEnc.toFixed(0),
    deflateDec.toFixed(0),
  ]);
}

const widths = rows[0]!.map((_, c) => Math.max(...rows.map((r) => r[c]!.length)));
console.log("RVL vs deflate-1 on data/samples (MB/s of raw depth per CPU second, one thread)");
for (const r of rows)
  console.log(r.map((cell, c) => (c < 2 ? cell.padEnd(widths[c]!) : cell.padStart(widths[c]!))).join("  "));
console.log("goal: RVL encode >= 250 MB/s, decode >= 300 MB/s");
