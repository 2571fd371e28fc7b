import { type DepthImage, depthImage3dExample, type Pinhole } from "@depthroom/schema";
import { connect } from "@depthroom/sdk";
import { describe, expect, it } from "vitest";
import { cleanupsAfterEach } from "./support/cleanups.ts";
import { relayWithSession } from "./support/relay.ts";
import { collect, waitUntil } from "./support/sdk.ts";

// Rerun's depth_image_3d example (a Pinhole at world/camera, a 300x200 uint16 depth image under it)
// logged through the SDK arrives at a subscriber unchanged, RVL-compressed on the wire or raw.
describe("Rerun depth_image_3d through the SDK", () => {
  const cleanups = cleanupsAfterEach();

  for (const depthEncoding of ["rvl", "raw"] as const) {
    it(`arrives unchanged (${depthEncoding})`, async () => {
      const { session } = await relayWithSession(cleanups);
      const { messages, subscription } = await collect(session.links.view);
      cleanups.push(() => subscription.close());

      const rec = await connect({ link: session.links.publish }, { depthEncoding });
      cleanups.push(() => rec.close());
      const example = depthImage3dExample();
      rec.setTime("frame", 42);
      for (const m of example) rec.log(m.entityPath, m.archetype);
      await rec.flush();
      expect(rec.stats).toMatchObject({ sent: 2, dropped: 0, rejected: 0, inFlight: 0 });
      await waitUntil(() => messages.length === 2, 5000, "both messages");

      const [pinhole, depth] = example;
      const gotPinhole = messages.find((m) => m.archetype.kind === "Pinhole")!;
      const gotDepth = messages.find((m) => m.archetype.kind === "DepthImage")!;
      expect(gotPinhole.entityPath).toBe("world/camera");
      expect(gotPinhole.archetype).toEqual(pinhole!.archetype as Pinhole);
      expect(gotDepth.entityPath).toBe("world/camera/depth");
      const sent = depth!.archetype as DepthImage;
      const got = gotDepth.archetype as DepthImage;
      expect(got).toEqual(sent);
      expect(got.data).toEqual(sent.data);
      expect([got.meter, got.colormap, got.width, got.height]).toEqual([10_000, "viridis", 300, 200]);
      expect(gotDepth.timelines).toEqual([{ timeline: "frame", kind: "sequence", value: 42n }]);
      // RVL shrinks the example to about a quarter; raw carries all 120,000 bytes.
      const wire = rec.stats.bytes;
      if (depthEncoding === "raw") expect(wire).toBeGreaterThan(120_000);
      else expect(wire).toBeLessThan(60_000);
    });
  }
});
