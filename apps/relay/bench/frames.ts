// The bench's frames: the real TUM fr2 sample, stamped per frame; defined once in @depthroom/schema/testing.
export {
  captureMsOf,
  type SampleStream as BenchStream,
  sampleStream as benchStream,
  stampFrame,
} from "@depthroom/schema/testing";

/*
 * The bench's clock, shared by its processes: the parent's window, the producer's capture stamps and
 * the viewers' arrivals are compared across processes. `performance.timeOrigin + performance.now()`
 * (schema testing's wallMs) fixes the wall clock's offset when a process starts: if the wall clock is
 * stepped later (NTP, a virtual machine resumed), a process started before the step keeps the old
 * offset and one started after has the new one. The bench parent outlives every run, so from then on
 * each run's window fell outside every frame's arrival: 0 fps for every relay in the rounds after the
 * step (seen once in round 3 of a BENCH_ROUNDS=3 run). Here the offset follows the wall clock (checked
 * on each call, kept sub-millisecond between steps), and a step is reported on stderr.
 */
let offset = Date.now() - performance.now();

/** Wall-clock ms with sub-ms precision, comparable between processes on one machine. */
export function wallMs(): number {
  const now = performance.now();
  const wall = Date.now();
  const drift = wall - (now + offset);
  // Date.now() is whole milliseconds: within 1 ms of each other both are the same clock.
  if (drift > 1 || drift < -1) {
    if (Math.abs(drift) > 50)
      process.stderr.write(`bench clock: the wall clock moved by ${drift.toFixed(0)} ms\n`);
    offset = wall - now;
  }
  return now + offset;
}
