import { DepthImage, Pinhole } from "@depthroom/schema";
import { loadSampleSets } from "@depthroom/schema/testing";
import type { RecordingStream } from "@depthroom/sdk";

/*
 * The shipped real frames as the browser tests stream them (the demo-like session): the TUM Kinect
 * frame under its PrimeSense pinhole (a 3D cloud and a 2D view) and the six Azure Kinect frames (a
 * second 2D view).
 */

export const TUM_CAMERA = "world/tum";
export const TUM = "world/tum/depth";
export const AZURE = "world/azure/depth";

const sets = loadSampleSets();
const tum = sets[0]!;
const azure = sets[1]!;

/** The TUM frame (640 x 480) and its depth units a metre. */
export const TUM_FRAME = tum.frames[0]!;
export const TUM_UNITS_PER_METRE = tum.unitsPerMetre;

/** The PrimeSense pinhole of the TUM frame. */
const TUM_INTRINSICS = { fx: 525, fy: 525, cx: 319.5, cy: 239.5, width: 640, height: 480 };
export const TUM_PINHOLE = Pinhole.fromIntrinsics(TUM_INTRINSICS);

/** The TUM frame as a depth image. */
export function tumDepthImage(): DepthImage {
  return new DepthImage(TUM_FRAME.depth, { width: 640, height: 480, meter: TUM_UNITS_PER_METRE });
}

/**
 * Log the TUM pinhole, then tick at `hz` on the `frame` timeline: an Azure frame each tick (in a
 * loop), the TUM frame every fifth. The first tick is sent at once; returns what stops the ticks.
 */
export function streamRealSamples(rig: RecordingStream, hz: number): () => void {
  rig.log(TUM_CAMERA, TUM_PINHOLE);
  let frame = 0;
  const tick = () => {
    rig.setTime("frame", frame);
    const a = azure.frames[frame % azure.frames.length]!;
    rig.log(AZURE, new DepthImage(a.depth, { width: a.width, height: a.height, meter: azure.unitsPerMetre }));
    if (frame % 5 === 0) rig.log(TUM, tumDepthImage());
    frame++;
  };
  tick();
  const timer = setInterval(tick, 1000 / hz);
  return () => clearInterval(timer);
}
