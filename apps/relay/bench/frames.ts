// The bench's frames: the real TUM fr2 sample, stamped per frame; defined once in @depthroom/schema/testing.
// Stamps, windows and arrivals are compared across the bench's processes on the machine's monotonic
// clock (`clockMs`): the wall clock of this VM steps (177-188 ms seen), and a long-lived parent and its
// fresh children then disagree (the 0 fps for every relay in round 3 of a BENCH_ROUNDS=3 run).
export {
  captureMsOf,
  clockMs,
  type SampleStream as BenchStream,
  sampleStream as benchStream,
  stampFrame,
} from "@depthroom/schema/testing";
