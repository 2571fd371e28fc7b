import { DepthImage, encodeMessage } from "@depthroom/schema";
import { loadSampleSets } from "@depthroom/schema/testing";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { exportFoxglove } from "./exportFoxglove.ts";
import { bytesSource, memorySink } from "./io.ts";
import { createRecordingWriter } from "./recordingWriter.ts";

// Its own file: a fresh module graph, so up-zstd's decoder is not loaded yet. Here WebAssembly cannot
// compile at all (a platform without it, or a policy refusing it): a recording without up-zstd frames
// still exports (reviewer, 07:18: the export awaited the decoder and failed with it).
describe("Foxglove export where up-zstd's WebAssembly decoder cannot load", () => {
  const { Module, instantiate } = WebAssembly;
  beforeAll(() => {
    const refuse = () => {
      throw new WebAssembly.CompileError("WebAssembly refused here");
    };
    WebAssembly.Module = refuse as unknown as typeof WebAssembly.Module;
    WebAssembly.instantiate = (async () => refuse()) as unknown as typeof WebAssembly.instantiate;
  });
  afterAll(() => {
    WebAssembly.Module = Module;
    WebAssembly.instantiate = instantiate;
  });

  it("exports an RVL recording", async () => {
    const f = loadSampleSets()[0]!.frames[0]!;
    const recording = memorySink();
    const writer = createRecordingWriter(recording);
    let t = 1_700_000_000_000_000_000n;
    for (let i = 0; i < 2; i++) {
      const message = {
        entityPath: "world/tum/depth",
        timelines: [{ timeline: "capture_time", kind: "timestamp" as const, value: t }],
        archetype: new DepthImage(f.depth, { width: f.width, height: f.height, meter: 5000 }),
      };
      writer.append(encodeMessage(message, { depthEncoding: "rvl" }), t);
      t += 33_000_000n;
    }
    await writer.close();
    const stats = await exportFoxglove(bytesSource(recording.bytes()), memorySink());
    expect(stats).toMatchObject({ images: 2, problems: [] });
  });
});
