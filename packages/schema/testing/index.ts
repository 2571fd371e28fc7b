// Test and benchmark helpers (Node only): the shipped real depth samples, and stamped frames for rate tests.
export { loadPng16, loadSampleSets, type SampleSet } from "./samples.ts";
export {
  captureMsOf,
  readStamp,
  type SampleStream,
  sampleStream,
  stampFrame,
  wallMs,
} from "./stampedFrames.ts";
