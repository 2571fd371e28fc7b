/*
 * Recording benchmarks (run: npm run bench -w @depthroom/recording). Prints:
 * - write overhead: CPU ms per 640x480 RVL frame appended (to a file), and write throughput;
 * - seek latency p50/p99 of latestAt in a 10-minute 30 Hz recording of 640x480 RVL frames (cold and warm);
 * - import speed (MB/s of input) of a ROS 2 CDR MCAP of 640x480 16UC1 frames, and of a Foxglove export.
 * Everything is generated in a temp dir that is deleted afterwards.
 */
import { mkdtempSync, rmSync, statSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { DepthImage, encodeMessage, Pinhole, readEnvelope } from "@depthroom/schema";
import { loadSampleSets } from "@depthroom/schema/testing";
import { exportFoxglove } from "../src/exportFoxglove.ts";
import { importMcap } from "../src/importMcap.ts";
import { createRecordingFile, fileSink, fileSource, openRecordingFile } from "../src/nodeFiles.ts";
import { createRecordingWriter } from "../src/recordingWriter.ts";
import { ros2McapWriter, ros2Stamp } from "../src/testing.ts";

const MINUTES = Number(process.env.BENCH_MINUTES ?? 10);
const FPS = 30;
const T0 = 1_700_000_000_000_000_000n;
const FRAME_NS = 1_000_000_000n / BigInt(FPS);

const tum = loadSampleSets().find((s) => s.name.startsWith("TUM"));
const frame = tum?.frames[0];
if (!tum || !frame || frame.width !== 640 || frame.height !== 480)
  throw new Error("needs the 640x480 TUM sample");

/** A 640x480 RVL wire message whose capture time is patched in place (encoding once, not 18000 times). */
const entityPath = "world/cam/depth";
const template = encodeMessage({
  entityPath,
  timelines: [{ timeline: "capture_time", kind: "timestamp", value: 0n }],
  archetype: new DepthImage(frame.depth, { width: 640, height: 480, meter: tum.unitsPerMetre }),
});
const valueOffset = 8 + 2 + entityPath.length + 1 + 1 + "capture_time".length + 1;
function frameAt(t: bigint): Uint8Array {
  const bytes = template.slice();
  new DataView(bytes.buffer).setBigInt64(valueOffset, t, true);
  return bytes;
}
if (readEnvelope(frameAt(42n)).timelines[0]?.value !== 42n) throw new Error("template patch offset is wrong");

function percentile(sorted: number[], p: number): number {
  return sorted[Math.min(sorted.length - 1, Math.floor((sorted.length - 1) * p))] as number;
}
const mb = (n: number) => n / (1 << 20);

const dir = mkdtempSync(join(tmpdir(), "depthroom-recording-bench-"));
try {
  // 1. Write a 10-minute recording; measure CPU per appended frame.
  const path = join(dir, "ten-minutes.mcap");
  const frames = MINUTES * 60 * FPS;
  const writer = await createRecordingFile(path, { recordingId: "bench", sessionId: "bench" });
  writer.append(
    encodeMessage({
      entityPath: "world/cam",
      timelines: [],
      static: true,
      archetype: Pinhole.fromIntrinsics({ fx: 525, fy: 525, cx: 319.5, cy: 239.5, width: 640, height: 480 }),
    }),
    T0,
  );
  const messages = Array.from({ length: 64 }, () => template.slice());
  // The format's own cost, measured first on a fresh heap: the same frames to a sink that drops them.
  {
    const dropping = createRecordingWriter({ write: () => undefined });
    for (let i = 0; i < 300; i++) dropping.append(messages[i % messages.length] as Uint8Array, T0); // warm up the JIT
    const formatFrames = 1800;
    const start = process.cpuUsage();
    for (let i = 0; i < formatFrames; i++) {
      const t = T0 + 10_000_000_000n + BigInt(i) * FRAME_NS;
      dropping.append(messages[i % messages.length] as Uint8Array, t);
      if (i % 256 === 255) await dropping.flush(); // let queued chunks drain, as the relay's event loop would
    }
    await dropping.close();
    const used = process.cpuUsage(start);
    const perFrame = (used.user + used.system) / 1000 / formatFrames;
    console.log(
      `write overhead (format only, null sink): ${perFrame.toFixed(3)} ms per frame appended ` +
        `(process CPU: envelope read, chunk copies, CRC32, index): ${((perFrame * 30) / 10).toFixed(2)}% of a core at 30 Hz`,
    );
  }
  let appendCpuUs = 0;
  const wallStart = performance.now();
  for (let i = 0; i < frames; i++) {
    const t = T0 + BigInt(i) * FRAME_NS;
    const bytes = messages[i % messages.length] as Uint8Array;
    new DataView(bytes.buffer).setBigInt64(valueOffset, t, true);
    const cpu = process.cpuUsage();
    writer.append(bytes, t + 1_000_000n);
    const used = process.cpuUsage(cpu);
    appendCpuUs += used.user + used.system;
    if (i % 256 === 255) await writer.flush(); // let the file writes drain, as the relay's event loop would
  }
  const stats = await writer.close(T0 + BigInt(frames) * FRAME_NS);
  const wallMs = performance.now() - wallStart;
  const fileBytes = statSync(path).size;
  console.log(
    `write: ${frames} frames (${MINUTES} min at ${FPS} Hz, 640x480 RVL, ${(template.byteLength / 1024).toFixed(0)} KiB each), ` +
      `${mb(fileBytes).toFixed(0)} MiB in ${stats.chunks} chunks, ${(wallMs / 1000).toFixed(1)} s wall`,
  );
  console.log(
    `write overhead (to a file): ${(appendCpuUs / 1000 / frames).toFixed(3)} ms process CPU per frame appended ` +
      `(includes the file writes running on the libuv pool meanwhile), ${(mb(fileBytes) / (wallMs / 1000)).toFixed(0)} MiB/s end to end`,
  );
  // 2. Seek latency (latestAt) at random times.
  const openStart = performance.now();
  const reader = await openRecordingFile(path);
  const openMs = performance.now() - openStart;
  const range = reader.timeRange();
  if (!range) throw new Error("empty recording");
  const span = Number(range.endNs - range.startNs);
  let seed = 12345;
  const random = () => {
    seed = (seed * 1103515245 + 12345) & 0x7fffffff;
    return seed / 0x7fffffff;
  };
  const seek = async () => {
    const t = range.startNs + BigInt(Math.floor(random() * span));
    const start = performance.now();
    const got = await reader.latestAt(t);
    const ms = performance.now() - start;
    if (got.length !== 2) throw new Error(`latestAt returned ${got.length} messages`);
    return ms;
  };
  const cold: number[] = [];
  for (let i = 0; i < 300; i++) cold.push(await seek());
  const warm: number[] = [];
  for (let i = 0; i < 1000; i++) warm.push(await seek());
  cold.sort((a, b) => a - b);
  warm.sort((a, b) => a - b);
  await reader.close();
  console.log(`open: ${openMs.toFixed(1)} ms (summary and chunk index of ${stats.chunks} chunks)`);
  console.log(
    `seek latestAt: first 300 random seeks p50 ${percentile(cold, 0.5).toFixed(2)} ms p99 ${percentile(cold, 0.99).toFixed(2)} ms; ` +
      `next 1000 p50 ${percentile(warm, 0.5).toFixed(2)} ms p99 ${percentile(warm, 0.99).toFixed(2)} ms (2 entities, a 177 KiB frame read each)`,
  );

  // 3. Import speed: a ROS 2 CDR MCAP of 20 s of 640x480 16UC1 (plus CameraInfo).
  const rosPath = join(dir, "ros2.mcap");
  const rosFrames = 20 * FPS;
  const sink = await fileSink(rosPath);
  const ros = await ros2McapWriter(sink);
  const channelId = await ros.channel("/cam/depth/image_raw", "sensor_msgs/msg/Image");
  const pixels = new Uint8Array(frame.depth.buffer, frame.depth.byteOffset, frame.depth.byteLength);
  for (let i = 0; i < rosFrames; i++) {
    const t = T0 + BigInt(i) * FRAME_NS;
    await ros.add(channelId, t, {
      header: { stamp: ros2Stamp(t), frame_id: "cam" },
      height: 480,
      width: 640,
      encoding: "16UC1",
      is_bigendian: 0,
      step: 1280,
      data: pixels,
    });
  }
  await ros.end();
  await sink.close();
  const importOnce = async (file: string) => {
    const source = await fileSource(file);
    const start = performance.now();
    let n = 0;
    for await (const _ of importMcap(source).messages) n++;
    const s = (performance.now() - start) / 1000;
    await source.close();
    return { n, s, bytes: statSync(file).size };
  };
  const r = await importOnce(rosPath);
  console.log(
    `import ROS 2 CDR 16UC1 640x480: ${r.n} messages, ${mb(r.bytes).toFixed(0)} MiB in ${r.s.toFixed(2)} s = ` +
      `${(mb(r.bytes) / r.s).toFixed(0)} MiB/s (${(r.n / r.s).toFixed(0)} frames/s, RVL re-encoding included)`,
  );

  // 4. Export to Foxglove (JSON) and import that back: 20 s of the recording.
  const shortPath = join(dir, "short.mcap");
  const short = await createRecordingFile(shortPath);
  for (let i = 0; i < rosFrames; i++)
    short.append(frameAt(T0 + BigInt(i) * FRAME_NS), T0 + BigInt(i) * FRAME_NS);
  await short.close();
  const foxPath = join(dir, "foxglove.mcap");
  const exportStart = performance.now();
  const shortSource = await fileSource(shortPath);
  const foxSink = await fileSink(foxPath);
  await exportFoxglove(shortSource, foxSink);
  await foxSink.close();
  await shortSource.close();
  const exportS = (performance.now() - exportStart) / 1000;
  console.log(
    `export Foxglove JSON: ${rosFrames} frames in ${exportS.toFixed(2)} s (${(rosFrames / exportS).toFixed(0)} frames/s, ` +
      `${mb(statSync(foxPath).size).toFixed(0)} MiB written)`,
  );
  const f = await importOnce(foxPath);
  console.log(
    `import Foxglove JSON RawImage 640x480: ${f.n} messages, ${mb(f.bytes).toFixed(0)} MiB in ${f.s.toFixed(2)} s = ` +
      `${(mb(f.bytes) / f.s).toFixed(0)} MiB/s (${(f.n / f.s).toFixed(0)} frames/s)`,
  );
} finally {
  rmSync(dir, { recursive: true, force: true });
}
