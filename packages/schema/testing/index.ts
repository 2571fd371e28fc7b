// Test and benchmark helpers (Node only): the shipped real depth samples, stamped frames for rate tests, a free port.
export { type Allocations, allocationsPerCall } from "./allocations.ts";
export { generatedFloatSequence } from "./floatSequence.ts";
export { countRefusals, damagedPayloads, seededRandom } from "./fuzzPayloads.ts";
export { freePort } from "./ports.ts";
export { AZURE_INTRINSICS, loadPng16, loadSampleSets, type SampleSet, TUM_INTRINSICS } from "./samples.ts";
export {
  captureMsOf,
  clockMs,
  readStamp,
  type SampleStream,
  sampleDepthMessage,
  sampleStream,
  stampFrame,
} from "./stampedFrames.ts";
export { refuseLargeSynchronousCompile } from "./synchronousCompile.ts";
