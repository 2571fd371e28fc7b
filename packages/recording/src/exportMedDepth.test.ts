import {
  type DepthEncoding,
  DepthImage,
  encodeMessage,
  type LogMessage,
  loadUpZstdEncoder,
} from "@depthroom/schema";
import { loadSampleSets } from "@depthroom/schema/testing";
import { McapIndexedReader } from "@mcap/core";
import { describe, expect, it } from "vitest";
import { decompressHandlers } from "./compression.ts";
import { exportFoxglove } from "./exportFoxglove.ts";
import { importMcapAll } from "./importMcap.ts";
import { bytesSource, memorySink } from "./io.ts";
import { createRecordingWriter } from "./recordingWriter.ts";

// Issue 19: a recording stores depth as it was sent (MED-deflate, wire encoding 2, or up-zstd, 4); the
// Foxglove export converts it to what Foxglove reads (foxglove.RawImage 16UC1), bit-exact.
describe("Foxglove export of MED-deflate and up-zstd depth", () => {
  it.each([
    // up-zstd first: its WebAssembly decoder is loaded by the import and the export themselves.
    ["up-zstd", 4],
    ["med", 2],
  ] as [DepthEncoding, number][])(
    "stores %s (encoding %i) as sent and exports RawImage 16UC1 with the same pixels",
    async (encoding, id) => {
      await loadUpZstdEncoder();
      const sent: LogMessage[] = [];
      const recording = memorySink();
      const writer = createRecordingWriter(recording);
      let t = 1_700_000_000_000_000_000n;
      for (const set of loadSampleSets()) {
        for (const f of set.frames) {
          const message: LogMessage = {
            entityPath: set.name.startsWith("TUM") ? "world/tum/depth" : "world/azure/depth",
            timelines: [{ timeline: "capture_time", kind: "timestamp", value: t }],
            archetype: new DepthImage(f.depth, {
              width: f.width,
              height: f.height,
              meter: set.unitsPerMetre,
            }),
          };
          const bytes = encodeMessage(message, { depthEncoding: encoding });
          const bodyStart = 8 + 2 + message.entityPath.length + 1 + (1 + 12 + 1 + 8) + 4;
          expect(bytes[bodyStart + 10], "encoding byte").toBe(id);
          writer.append(bytes, t);
          sent.push(message);
          t += 33_000_000n;
        }
      }
      await writer.close();
      // The recording itself reads back as sent (its Depthroom channels decoded).
      const stored = await importMcapAll(bytesSource(recording.bytes()));
      expect(stored.problems).toEqual([]);
      expect(stored.messages.filter((m) => m.message.archetype.kind === "DepthImage")).toHaveLength(
        sent.length,
      );
      const out = memorySink();
      const stats = await exportFoxglove(bytesSource(recording.bytes()), out);
      expect(stats.images).toBe(sent.length);

      const mcap = await McapIndexedReader.Initialize({
        readable: bytesSource(out.bytes()),
        decompressHandlers,
      });
      expect([...mcap.schemasById.values()].map((s) => s.name)).toContain("foxglove.RawImage");
      const { messages, problems } = await importMcapAll(bytesSource(out.bytes()));
      expect(problems).toEqual([]);
      const images = messages.filter((m) => m.message.archetype.kind === "DepthImage");
      expect(images).toHaveLength(sent.length);
      for (const original of sent) {
        const a = original.archetype as DepthImage;
        const time = original.timelines[0]!.value;
        const match = images.find(
          (m) =>
            m.message.entityPath === original.entityPath &&
            m.message.timelines.find((x) => x.kind === "timestamp")?.value === time,
        );
        const b = match?.message.archetype as DepthImage | undefined;
        expect(b, `${original.entityPath} at ${time}`).toBeDefined();
        expect(b!.meter).toBe(a.meter);
        expect(
          Buffer.compare(
            Buffer.from(b!.data.buffer, b!.data.byteOffset, b!.data.byteLength),
            Buffer.from(a.data.buffer, a.data.byteOffset, a.data.byteLength),
          ),
        ).toBe(0);
      }
    },
    60_000,
  );
});
