// Stamped real-sample frames for rate tests: defined once in @depthroom/schema/testing.
export { clockMs, readStamp, type SampleStream, sampleStream, stampFrame } from "@depthroom/schema/testing";
