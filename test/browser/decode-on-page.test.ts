import { DepthImage, depthImage3dExample } from "@depthroom/schema";
import { describe, expect, it } from "vitest";
import { waitForEntities, waitInPage } from "./support/session.ts";
import { viewerSuite } from "./support/suite.ts";

// `?decode=main`: the frame core runs on the page instead of in the frame worker (the fallback when a
// worker cannot start); the same frames, the same latest-wins hand-over, the same scene.
const DEPTH = "world/camera/depth";

describe("frames decoded on the page (?decode=main)", () => {
  const viewer = viewerSuite({ session: "home", open: "view", query: "decode=main" });

  it("draws the cloud and follows new frames, decoded on the page", async () => {
    const [pinhole, depth] = depthImage3dExample();
    viewer.rig.log(pinhole!.entityPath, pinhole!.archetype);
    viewer.rig.log(depth!.entityPath, depth!.archetype);
    await viewer.rig.flush();
    await waitForEntities(viewer.page, "hasCloud", [DEPTH]);
    expect(await viewer.page.evaluate(() => window.__depthroom!.decode())).toBe("main");

    // A later frame (every pixel 1.5 m) replaces the first on screen.
    const image = depth!.archetype as DepthImage;
    viewer.rig.setTime("frame", 2);
    viewer.rig.log(
      DEPTH,
      new DepthImage(new Uint16Array(image.width * image.height).fill(15000), {
        width: image.width,
        height: image.height,
        meter: image.meter,
      }),
    );
    await viewer.rig.flush();
    await waitInPage(
      viewer.page,
      (entity) => window.__depthroom?.readout(entity, 10, 10)?.depthMeters === 1.5,
      DEPTH,
    );
    const stats = await viewer.page.evaluate(
      (entity) => window.__depthroom!.stats().find((s) => s.entity === entity)!,
      DEPTH,
    );
    expect(stats).toMatchObject({ width: 300, height: 200, format: "r16ui", frame: 2 });
    expect(stats.uploads).toBeGreaterThanOrEqual(2);
  });
});
