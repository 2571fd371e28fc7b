import { loadSample, rawImage16, startFoxgloveSource, TUM_SAMPLE } from "./foxgloveSource.ts";

// A rig in its own process, for tests that kill and restart the source: a Foxglove WebSocket server
// on the given port (0: any) publishing the TUM sample as a raw 16UC1 image at 30 Hz, stamped with
// the wall clock. Prints `ready <port>` once listening.
const port = Number(process.argv[2] ?? 0);
const source = await startFoxgloveSource({ port });
const tum = loadSample(TUM_SAMPLE);
const channel = source.addRos2Channel("/camera/depth/image_rect_raw", "sensor_msgs/msg/Image");
setInterval(() => {
  if (source.subscribed.has(channel)) {
    source.publish(channel, rawImage16(tum, "camera_depth_optical_frame", BigInt(Date.now()) * 1_000_000n));
  }
}, 33);
process.stdout.write(`ready ${source.port}\n`);
