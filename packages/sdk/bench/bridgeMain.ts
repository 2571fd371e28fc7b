/*
 * The bridge in its own process, for the bridge bench: `bridgeMain.ts <source url> <publish link>
 * <warmup s> <seconds>`. After the warm-up it samples its CPU time and stats, again after <seconds>,
 * prints one JSON line with the differences and exits.
 */
import { bridgeFoxglove } from "../src/node/index.ts";

const [url, link, warmup, seconds] = process.argv.slice(2);
if (!url || !link) throw new Error("usage: bridgeMain.ts <source url> <publish link> <warmup s> <seconds>");
const bridge = await bridgeFoxglove({ url, link });
const sleep = (s: number) => new Promise((resolve) => setTimeout(resolve, s * 1000));
await sleep(Number(warmup ?? 2));
const cpu0 = process.cpuUsage();
const t0 = performance.now();
const s0 = bridge.stats;
await sleep(Number(seconds ?? 10));
const cpu = process.cpuUsage(cpu0);
const wall = (performance.now() - t0) / 1000;
const s1 = bridge.stats;
process.stdout.write(
  `${JSON.stringify({
    wall,
    cpuUserS: cpu.user / 1e6,
    cpuSystemS: cpu.system / 1e6,
    depthIn: s1.depthIn - s0.depthIn,
    framesOut: s1.framesOut - s0.framesOut,
    bytesIn: s1.bytesIn - s0.bytesIn,
    bytesOut: s1.bytesOut - s0.bytesOut,
    dropped: s1.dropped - s0.dropped,
    skipped: s1.skipped - s0.skipped,
  })}\n`,
);
await bridge.close();
process.exit(0);
