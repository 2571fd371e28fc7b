import { parseArgs } from "node:util";
import { CATEGORIES, type Category, formatFuzzReport, runRelayFuzz } from "./support/relayFuzz.ts";

/*
 * `npm run fuzz [-- --seconds 60 --seed 1234 --concurrency 6]`: the hostile-input suite against a relay
 * process (test/support/relayFuzz.ts). Prints the seed (pass it back to replay the same inputs), the
 * counts per category, /healthz latencies and the relay's RSS; exits 1 when the relay did not hold.
 */

const { values } = parseArgs({
  options: {
    seconds: { type: "string", default: process.env.DEPTHROOM_FUZZ_SECONDS ?? "60" },
    seed: { type: "string", default: process.env.DEPTHROOM_FUZZ_SEED },
    concurrency: { type: "string", default: "6" },
    "slow-probes": { type: "string", default: "0" },
    only: { type: "string", multiple: true },
  },
  strict: true,
});
const seed = values.seed === undefined ? Math.floor(Math.random() * 2 ** 32) : Number(values.seed);
const seconds = Number(values.seconds);
const concurrency = Number(values.concurrency);
const slowProbeAllowance = Number(values["slow-probes"]);
const categories = values.only as Category[] | undefined;
for (const category of categories ?? []) {
  if (!CATEGORIES.includes(category)) {
    process.stderr.write(`unknown category ${category}: ${CATEGORIES.join(", ")}\n`);
    process.exit(2);
  }
}
if (!Number.isInteger(seed) || !(seconds > 0) || !Number.isInteger(concurrency) || concurrency < 1) {
  process.stderr.write(
    "usage: npm run fuzz -- [--seconds 60] [--seed <uint32>] [--concurrency 6] [--slow-probes 0.01] [--only <category> ...]\n",
  );
  process.exit(2);
}
const report = await runRelayFuzz({
  seed,
  durationMs: seconds * 1000,
  concurrency,
  slowProbeAllowance,
  ...(categories ? { categories } : {}),
  log: (line) => process.stdout.write(`${line}\n`),
});
process.stdout.write(`${formatFuzzReport(report)}\n`);
process.exit(report.problems.length === 0 ? 0 : 1);
