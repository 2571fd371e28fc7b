import { DepthImage, encodeMessage, loadUpZstdEncoder } from "@depthroom/schema";
import { loadSampleSets } from "@depthroom/schema/testing";
import { describe, expect, it } from "vitest";
import { exportFoxglove } from "./exportFoxglove.ts";
import { bytesSource, memorySink } from "./io.ts";
import { createRecordingWriter } from "./recordingWriter.ts";

// The relay records a frame's wire bytes after reading only its envelope, so a recording can hold a
// payload that does not decode (reviewer, 06:46): it costs that frame, not the export.
describe("Foxglove export of a recording with an undecodable frame", () => {
  it("leaves the frame out and names it in problems; the other frames are exported", async () => {
    await loadUpZstdEncoder();
    const f = loadSampleSets()[0]!.frames[0]!;
    const recording = memorySink();
    const writer = createRecordingWriter(recording);
    let t = 1_700_000_000_000_000_000n;
    for (let i = 0; i < 3; i++) {
      const bytes = encodeMessage(
        {
          entityPath: "world/tum/depth",
          timelines: [{ timeline: "capture_time", kind: "timestamp", value: t }],
          archetype: new DepthImage(f.depth, { width: f.width, height: f.height, meter: 5000 }),
        },
        { depthEncoding: "up-zstd" },
      );
      // The middle frame: its zstd magic zeroed (the envelope stays valid, as the relay checks it).
      if (i === 1) bytes[Buffer.from(bytes).indexOf(Buffer.from([0x28, 0xb5, 0x2f, 0xfd]))] = 0;
      writer.append(bytes, t);
      t += 33_000_000n;
    }
    await writer.close();

    const progress: number[] = [];
    const stats = await exportFoxglove(bytesSource(recording.bytes()), memorySink(), {
      onProgress: ({ messages, totalMessages }) => progress.push(totalMessages - messages),
    });
    expect(progress.at(-1)).toBe(0); // the left-out frame counts as handled
    expect(stats.images).toBe(2);
    expect(stats.problems).toHaveLength(1);
    expect(stats.problems[0]).toMatchObject({ code: "bad-message", entityPath: "world/tum/depth", count: 1 });
    expect(stats.problems[0]!.message).toMatch(
      /world\/tum\/depth.*not a whole zstd frame \(corrupt-payload\)/,
    );
  }, 60_000);
});
