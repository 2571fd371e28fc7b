/**
 * The wire codec's own cost per frame, beside the floor it cannot go under, measured interleaved in
 * the same run (so the ratio holds whatever the load): on the TUM 640x480 sample,
 *   encode raw   encodeMessage vs one copy of the pixels into a new buffer (the message must own them)
 *   encode RVL   encodeMessage vs the RVL encoder alone (its scratch; the codec is rvl.bench's business)
 *   decode raw   decodeMessage (the pixels are a view of the message) vs readEnvelope alone
 *   decode RVL   decodeMessage vs the RVL decoder alone
 * and the ArrayBuffer bytes each call allocates (from process.memoryUsage(), summed over rises).
 * Run: `npx tsx packages/schema/bench/message.bench.ts`.
 */
import { loadavg } from "node:os";
import type { DepthEncoding, DepthImage } from "../src/depthImage.ts";
import { decodeMessage, encodeMessage, readEnvelope } from "../src/message.ts";
import { rvlDecode, rvlEncodeScratch } from "../src/rvl.ts";
import { sampleDepthMessage } from "../testing/stampedFrames.ts";

const ROUNDS = 41;
const CALLS = 10;

const depth = sampleDepthMessage();
const image = depth.archetype;
const pixels = new Uint8Array(image.data.buffer, image.data.byteOffset, image.data.byteLength);
const message = (depthEncoding: DepthEncoding) => encodeMessage(depth, { depthEncoding });
const raw = message("raw");
const rvl = message("rvl");
const rvlPayload = rvl.subarray(rvl.length - rvlEncodeScratch(image.data as Uint16Array).length);

let sink = 0; // keeps results alive so that no call is optimised away
const pairs: [string, () => { byteLength: number }, string, () => { byteLength: number }][] = [
  ["encode raw", () => message("raw"), "one copy", () => new Uint8Array(pixels)],
  ["encode RVL", () => message("rvl"), "RVL encoder", () => rvlEncodeScratch(image.data as Uint16Array)],
  [
    "decode raw",
    () => (decodeMessage(raw).archetype as DepthImage).data,
    "readEnvelope",
    () => readEnvelope(raw) && raw,
  ],
  [
    "decode RVL",
    () => (decodeMessage(rvl).archetype as DepthImage).data,
    "RVL decoder",
    () => rvlDecode(rvlPayload, image.data.length),
  ],
];

/** Microseconds per call over CALLS calls. */
function timed(call: () => { byteLength: number }): number {
  const start = process.hrtime.bigint();
  for (let i = 0; i < CALLS; i++) sink += call().byteLength;
  return Number(process.hrtime.bigint() - start) / 1e3 / CALLS;
}

/** ArrayBuffer bytes allocated per call, summed over the rises between calls. */
function arrayBufferBytes(call: () => { byteLength: number }): number {
  let total = 0;
  let before = process.memoryUsage().arrayBuffers;
  for (let i = 0; i < CALLS; i++) {
    sink += call().byteLength;
    const after = process.memoryUsage().arrayBuffers;
    total += Math.max(0, after - before);
    before = after;
  }
  return total / CALLS;
}

const median = (values: number[]) => [...values].sort((a, b) => a - b)[values.length >> 1] ?? Number.NaN;
console.log(
  `wire codec per TUM 640x480 frame (${raw.length} B raw, ${rvl.length} B RVL), ${ROUNDS} interleaved rounds of ${CALLS} calls; load ${loadavg()
    .map((l) => l.toFixed(1))
    .join(" ")}`,
);
console.log(
  "what          us (median)  floor          us (median)  ratio (median of rounds)  ArrayBuffer B/call",
);
for (const [name, call, floorName, floor] of pairs) {
  for (let i = 0; i < 20; i++) sink += call().byteLength + floor().byteLength; // warm up
  const ours: number[] = [];
  const theirs: number[] = [];
  const ratios: number[] = [];
  for (let round = 0; round < ROUNDS; round++) {
    ours.push(timed(call));
    theirs.push(timed(floor));
    ratios.push((ours.at(-1) as number) / (theirs.at(-1) as number));
  }
  console.log(
    `${name.padEnd(12)}  ${median(ours).toFixed(1).padStart(11)}  ${floorName.padEnd(12)}  ${median(theirs).toFixed(1).padStart(11)}  ${median(ratios).toFixed(2).padStart(24)}  ${arrayBufferBytes(call).toFixed(0).padStart(18)}`,
  );
}
if (sink === 0) console.log("");
