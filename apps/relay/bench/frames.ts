// The bench's frames: the real TUM fr2 sample, stamped per frame; defined once in @depthroom/schema/testing.
export {
  captureMsOf,
  type SampleStream as BenchStream,
  sampleStream as benchStream,
  stampFrame,
  wallMs,
} from "@depthroom/schema/testing";
