import { DepthImage, loadUpZstdEncoder, upZstdEncoderLoaded } from "@depthroom/schema";
import { loadSampleSets } from "@depthroom/schema/testing";
import { describe, expect, it } from "vitest";
import { AUTO_TRIAL_FRAMES, AutoDepthEncoding } from "./depthEncodingChoice.ts";
import { encodeLog } from "./encodeLog.ts";

// Its own file: vitest gives each file a fresh module graph, so up-zstd's encoder starts unloaded here.

/** The encoding byte of an encoded DepthImage message with no timelines (PROTOCOL.md offsets). */
function encodingOf(bytes: Uint8Array): number {
  const pathLength = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength).getUint16(8, true);
  return bytes[10 + pathLength + 1 + 4 + 10] as number;
}

describe("depth encodings while up-zstd's encoder loads", { timeout: 30_000 }, () => {
  it("up-zstd goes as MED and auto does not count trial frames until the encoder has loaded", async () => {
    const tum = loadSampleSets()[0]!.frames[0]!;
    const kinect = new DepthImage(tum.depth, { width: tum.width, height: tum.height, meter: 5000 });
    expect(upZstdEncoderLoaded()).toBe(false);
    expect(encodingOf(encodeLog("a/depth", kinect, [], {}, "up-zstd").bytes)).toBe(2);
    const auto = new AutoDepthEncoding();
    for (let i = 0; i < AUTO_TRIAL_FRAMES; i++) {
      expect(encodingOf(encodeLog("cam/depth", kinect, [], {}, auto).bytes)).toBe(2);
    }
    expect(auto.choices().size).toBe(0);
    await loadUpZstdEncoder();
    for (let i = 0; i < AUTO_TRIAL_FRAMES; i++) {
      expect(encodingOf(encodeLog("cam/depth", kinect, [], {}, auto).bytes)).toBe(4);
    }
    expect(auto.choices().get("cam/depth")).toBe("up-zstd");
    expect(encodingOf(encodeLog("a/depth", kinect, [], {}, "up-zstd").bytes)).toBe(4);
  });
});
