import { DepthImage, Pinhole } from "@depthroom/schema";
import { connect } from "@depthroom/sdk";

/*
 * A producer in its own process (so its memory is its own), for the slow-link test:
 *   sdkProducerMain.ts <publish link> <fps> <seconds> <width> <height> <raw|rvl>
 * Logs a fresh depth frame at <fps>; prints one JSON line of stats and memory (after a GC) every 500 ms.
 */
const [link, fpsText, secondsText, widthText, heightText, encoding] = process.argv.slice(2);
const fps = Number(fpsText);
const width = Number(widthText);
const height = Number(heightText);
const gc = (globalThis as { gc?: () => void }).gc;

const rec = await connect({ link: link as string }, { depthEncoding: encoding === "raw" ? "raw" : "rvl" });
rec.log("world/camera", Pinhole.fromFocalLength({ width, height, focalLength: width }), { static: true });
const depth = new Uint16Array(width * height);
const started = performance.now();
let frame = 0;
const tick = setInterval(() => {
  depth.fill(500 + (frame % 1000));
  rec.setTime("frame", frame++);
  rec.log("world/camera/depth", new DepthImage(depth, { width, height }));
}, 1000 / fps);
const report = setInterval(() => {
  gc?.();
  const m = process.memoryUsage();
  const line = {
    t: performance.now() - started,
    frames: frame,
    stats: rec.stats,
    heapUsed: m.heapUsed,
    arrayBuffers: m.arrayBuffers,
    rss: m.rss,
  };
  process.stdout.write(`${JSON.stringify(line)}\n`);
}, 500);
setTimeout(async () => {
  clearInterval(tick);
  clearInterval(report);
  await rec.close(2000);
  process.exit(0);
}, Number(secondsText) * 1000);
