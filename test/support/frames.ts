// Stamped real-sample frames for rate tests: defined once in @depthroom/schema/testing.
export { readStamp, type SampleStream, sampleStream, stampFrame, wallMs } from "@depthroom/schema/testing";
