import { type DepthImage, type LogMessage, loadUpZstdDecoder, loadUpZstdEncoder } from "@depthroom/schema";
import { loadSampleSets } from "@depthroom/schema/testing";
import { connect } from "@depthroom/sdk";
import { beforeAll, describe, expect, it } from "vitest";
import { cleanupsAfterEach } from "./support/cleanups.ts";
import { relayWithSession } from "./support/relay.ts";
import { collect, waitUntil } from "./support/sdk.ts";

// Issue 19: the bytes a viewer receives for the same frames through a real relay, RVL against the SDK's
// `auto` (which picks up-zstd on the TUM frame and MED-deflate on the Azure ToF frames), and the frames
// arrive bit-exact either way.
describe("per-viewer bandwidth: RVL vs auto (up-zstd / MED-deflate) through a real relay", () => {
  const cleanups = cleanupsAfterEach();
  // up-zstd is WebAssembly loaded asynchronously: loaded before the first frame, so auto measures it
  // from frame 1 and this process's subscriber decodes it.
  beforeAll(() => Promise.all([loadUpZstdEncoder(), loadUpZstdDecoder()]));

  async function viewerBytes(
    frames: readonly { width: number; height: number; depth: Uint16Array }[],
    meter: number,
    depthEncoding: "rvl" | "auto",
  ): Promise<{ bytes: number; messages: LogMessage[] }> {
    const { session } = await relayWithSession(cleanups);
    const { messages, subscription } = await collect(session.links.view);
    cleanups.push(() => subscription.close());
    const rec = await connect({ link: session.links.publish }, { depthEncoding });
    cleanups.push(() => rec.close());
    const rounds = 4;
    for (let round = 0; round < rounds; round++) {
      for (const [i, f] of frames.entries()) {
        rec.setTime("frame", round * frames.length + i);
        rec.log("world/camera/depth", { kind: "DepthImage", ...depthOf(f, meter) });
        await rec.flush(); // one at a time: no frame replaced by a newer one (latest wins)
        await waitUntil(
          () => messages.length === round * frames.length + i + 1,
          10_000,
          `frame ${round * frames.length + i}`,
        );
      }
    }
    expect(rec.stats.dropped).toBe(0);
    for (const [k, m] of messages.entries()) {
      const got = (m.archetype as DepthImage).data as Uint16Array;
      const sent = frames[k % frames.length]!.depth;
      expect(Buffer.from(got.buffer, got.byteOffset, got.byteLength).equals(Buffer.from(sent.buffer))).toBe(
        true,
      );
    }
    return { bytes: subscription.stats.bytes, messages };
  }

  function depthOf(f: { width: number; height: number; depth: Uint16Array }, meter: number) {
    return {
      data: f.depth,
      width: f.width,
      height: f.height,
      datatype: "U16",
      meter,
      colormap: "turbo",
      depthRange: undefined,
      pointFillRatio: 1,
      drawOrder: -20,
    };
  }

  for (const [index, goal] of [
    [0, 1.6],
    [1, 1.1],
  ] as const) {
    const set = loadSampleSets()[index]!;
    it(`${set.name}: auto needs >= ${goal}x fewer bytes per viewer than RVL`, async () => {
      const rvl = await viewerBytes(set.frames, set.unitsPerMetre, "rvl");
      const auto = await viewerBytes(set.frames, set.unitsPerMetre, "auto");
      const gain = rvl.bytes / auto.bytes;
      process.stdout.write(
        `${set.name}: viewer received ${rvl.bytes} bytes with RVL, ${auto.bytes} with auto (${gain.toFixed(2)}x)\n`,
      );
      expect(gain).toBeGreaterThanOrEqual(goal);
    });
  }
});
