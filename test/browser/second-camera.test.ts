import {
  colormapLookup,
  DepthImage,
  depthImage3dExample,
  Pinhole,
  Transform3D,
  type Vec3,
} from "@depthroom/schema";
import { colorDistance, pixel } from "@depthroom/web/testing";
import { beforeAll, describe, expect, it } from "vitest";
import { panelOf, screenshotPanel, waitForEntities } from "./support/session.ts";
import { viewerSuite } from "./support/suite.ts";

// A second camera on a rig: world/rig (Transform3D) > world/rig/cam1 (Transform3D + Pinhole) > depth.
const rigTransform = new Transform3D({
  translation: [-3, 0, 1],
  rotation: [0, Math.sin(Math.PI / 12), 0, Math.cos(Math.PI / 12)], // 30 degrees about y
});
const camTransform = new Transform3D({ translation: [0, -0.5, 0] });
const WIDTH = 64;
const HEIGHT = 48;
const CAM1_DEPTH = "world/rig/cam1/depth";

function close(actual: readonly number[], expected: readonly number[], digits = 5) {
  for (let i = 0; i < 3; i++) expect(actual[i]).toBeCloseTo(expected[i] as number, digits);
}

describe("a second camera placed by Transform3D", () => {
  const viewer = viewerSuite();

  beforeAll(async () => {
    const rig = viewer.rig;
    for (const message of depthImage3dExample()) rig.log(message.entityPath, message.archetype);
    rig.log("world/rig", rigTransform);
    rig.log("world/rig/cam1", camTransform);
    rig.log(
      "world/rig/cam1",
      Pinhole.fromFocalLength({ width: WIDTH, height: HEIGHT, focalLength: 50, imagePlaneDistance: 0.3 }),
    );
    rig.log(
      CAM1_DEPTH,
      new DepthImage(new Uint16Array(WIDTH * HEIGHT).fill(1500), {
        width: WIDTH,
        height: HEIGHT,
        colormap: "turbo",
        depthRange: [0, 3000],
      }),
    );
    await rig.flush();
    await waitForEntities(viewer.page, "hasCloud", ["world/camera/depth", CAM1_DEPTH]);
    await viewer.page.evaluate(() => window.__depthroom!.fit());
  });

  it("unprojects the second camera's pixels through both transforms", async () => {
    const expected = rigTransform.apply(camTransform.apply([0, 0, 1.5]));
    const readout = (await viewer.page.evaluate(
      (entity) => window.__depthroom!.readout(entity, 32, 24),
      CAM1_DEPTH,
    ))!;
    expect(readout.cameraPoint).toEqual([0, 0, 1.5]);
    close(readout.worldPoint!, expected);
  });

  it("draws the second cloud where the transforms put it (projection of a known point)", async () => {
    const corner = rigTransform.apply(
      camTransform.apply([((10 - 32) * 1.5) / 50, ((10 - 24) * 1.5) / 50, 1.5]),
    );
    const centre = rigTransform.apply(camTransform.apply([0, 0, 1.5]));
    const { panel, shot } = await screenshotPanel(viewer.page, "3d");
    const turboMid = colormapLookup("turbo", 0.5);
    for (const point of [centre, corner] as Vec3[]) {
      const at = (await viewer.page.evaluate((p) => window.__depthroom!.project(p), point))!;
      expect(at[0]).toBeGreaterThan(panel.x);
      expect(at[0]).toBeLessThan(panel.x + panel.width);
      const color = pixel(shot, at[0] - panel.x, at[1] - panel.y);
      expect(colorDistance(color, turboMid), `at ${point}: ${color}`).toBeLessThanOrEqual(3);
    }
    // And nothing of that colour where the cloud would be without the rig's translation.
    const unmoved = rigTransform.apply([0, 0, 0]);
    const wrong = (await viewer.page.evaluate((p) => window.__depthroom!.project(p), [
      centre[0] - unmoved[0],
      centre[1] - unmoved[1],
      centre[2] - unmoved[2],
    ] as Vec3))!;
    expect(colorDistance(pixel(shot, wrong[0] - panel.x, wrong[1] - panel.y), turboMid)).toBeGreaterThan(3);
  });

  it("looks through the second camera", async () => {
    expect(await viewer.page.evaluate(() => window.__depthroom!.lookThrough("world/rig/cam1/depth"))).toBe(
      true,
    );
    const pose = await viewer.page.evaluate(() => window.__depthroom!.pose());
    close(pose.eye, rigTransform.apply(camTransform.apply([0, 0, 0])));
    const panel = await panelOf(viewer.page, "3d");
    const principal = (await viewer.page.evaluate(
      (p) => window.__depthroom!.project(p),
      rigTransform.apply(camTransform.apply([0, 0, 1.5])) as Vec3,
    ))!;
    expect(principal[0]).toBeCloseTo(panel.x + panel.width / 2, 1);
    expect(principal[1]).toBeCloseTo(panel.y + panel.height / 2, 1);
  });
});
