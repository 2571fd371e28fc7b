import type { DepthImage, LogMessage, Pinhole, Transform3D } from "@depthroom/schema";
import { describe, expect, it } from "vitest";
import { cleanupsAfterEach } from "./support/cleanups.ts";
import { relayWithSession } from "./support/relay.ts";
import { collect, runCli, waitUntil } from "./support/sdk.ts";

// `depthroom demo`: a synthetic rig of two depth cameras with a transform between them, moving shapes.
describe("depthroom demo", () => {
  const cleanups = cleanupsAfterEach();

  it("streams two cameras with their pinholes, a transform between them, and moving depth", async () => {
    const { session } = await relayWithSession(cleanups);
    const { messages, subscription } = await collect(session.links.view);
    cleanups.push(() => subscription.close());

    const result = await runCli(["demo", "--link", session.links.publish, "--duration", "2", "--fps", "10"]);
    expect(result.code, result.stderr).toBe(0);
    expect(result.stderr).toContain("demo rig: world/rig/cam0 and world/rig/cam1, 320x240 at 10 fps for 2 s");
    expect(result.stderr).toMatch(/sent \d+ frames in 2\.\d s/);

    const of = (kind: LogMessage["archetype"]["kind"], entity: string) =>
      messages.filter((m) => m.archetype.kind === kind && m.entityPath === entity);
    await waitUntil(
      () => of("DepthImage", "world/rig/cam1/depth").length >= 10,
      5000,
      "depth from both cameras",
    );
    for (const cam of ["world/rig/cam0", "world/rig/cam1"]) {
      const k = of("Pinhole", cam)[0]?.archetype as Pinhole;
      expect(k.resolution).toEqual([320, 240]);
      expect(of("Transform3D", cam)).toHaveLength(1);
      const depths = of("DepthImage", `${cam}/depth`).map((m) => m.archetype as DepthImage);
      expect(depths.length).toBeGreaterThanOrEqual(10);
      expect(depths[0]!.meter).toBe(1000);
      expect(depths[0]!.data).not.toEqual(depths.at(-1)!.data); // the shapes move
    }
    const cam1 = of("Transform3D", "world/rig/cam1")[0]!.archetype as Transform3D;
    expect(cam1.translation).toEqual([0.4, 0, 0]);
    expect(cam1.rotation[1]).toBeLessThan(0); // turned inwards, about y
    // Both cameras look at one scene, from different places.
    const d0 = of("DepthImage", "world/rig/cam0/depth")[0]!.archetype as DepthImage;
    const d1 = of("DepthImage", "world/rig/cam1/depth")[0]!.archetype as DepthImage;
    expect(d0.data).not.toEqual(d1.data);
  });
});
