import { NullEngine } from "@babylonjs/core/Engines/nullEngine.js";
import { colormapLookup, DepthImage, depthImage3dExample, Pinhole, Transform3D } from "@depthroom/schema";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { ViewerScene } from "./ViewerScene.ts";

// Scene logic without a GPU: Babylon's NullEngine runs the scene graph, materials and uploads as no-ops.
let engine: NullEngine;
let viewer: ViewerScene;

beforeEach(() => {
  engine = new NullEngine({
    renderWidth: 800,
    renderHeight: 400,
    textureSize: 512,
    deterministicLockstep: false,
    lockstepMaxSteps: 1,
  });
  viewer = new ViewerScene(engine);
  viewer.setPanels(
    [
      { id: "3d", kind: "3d", x: 0, y: 0, width: 400, height: 400 },
      { id: "2d", kind: "2d", entity: "world/camera/depth", x: 400, y: 0, width: 400, height: 400 },
    ],
    800,
    400,
  );
});

afterEach(() => {
  viewer.dispose();
  engine.dispose();
});

describe("ViewerScene", () => {
  it("draws Rerun's depth_image_3d: R16UI texture, a cloud under the pinhole, the robust range", () => {
    for (const message of depthImage3dExample()) viewer.handleMessage(message);
    expect(viewer.frame()).toBe(true);
    const [stats] = viewer.stats();
    expect(stats).toMatchObject({
      entity: "world/camera/depth",
      width: 300,
      height: 200,
      format: "r16ui",
      colormap: "viridis",
      uploads: 1,
      hasCloud: true,
      range: { min: 20000, max: 65535 },
    });
    // Nothing new: nothing drawn.
    expect(viewer.frame()).toBe(false);
    // The world's up follows the camera's image up (RDF: -y).
    expect(viewer.up).toEqual([0, -1, 0]);
    expect(colormapLookup("viridis", 0)).toEqual([0x44, 0x01, 0x54]);
  });

  it("reads out pixel (100, 100): 2.0 m at (-0.5, 0, 2.0)", () => {
    for (const message of depthImage3dExample()) viewer.handleMessage(message);
    viewer.frame();
    const readout = viewer.readout("world/camera/depth", 100, 100)!;
    expect(readout.depthMeters).toBeCloseTo(2.0);
    expect(readout.cameraPoint![0]).toBeCloseTo(-0.5);
    expect(readout.cameraPoint![1]).toBeCloseTo(0);
    expect(readout.cameraPoint![2]).toBeCloseTo(2.0);
    expect(viewer.readout("world/camera/depth", 300, 0)).toBeUndefined();
  });

  it("places a second camera through its Transform3D", () => {
    for (const message of depthImage3dExample()) viewer.handleMessage(message);
    const depth = new Uint16Array(64 * 48).fill(3000);
    viewer.handleMessage({
      entityPath: "world/rig",
      timelines: [],
      archetype: new Transform3D({ translation: [1, 0, 0], rotation: [0, Math.SQRT1_2, 0, Math.SQRT1_2] }),
    });
    viewer.handleMessage({
      entityPath: "world/rig/cam1",
      timelines: [],
      archetype: Pinhole.fromFocalLength({ width: 64, height: 48, focalLength: 50 }),
    });
    viewer.handleMessage({
      entityPath: "world/rig/cam1/depth",
      timelines: [],
      archetype: new DepthImage(depth, { width: 64, height: 48 }),
    });
    viewer.frame();
    // The principal ray at 3 m, rotated 90 degrees about y (z -> x) and moved 1 m along x.
    const readout = viewer.readout("world/rig/cam1/depth", 32, 24)!;
    expect(readout.cameraPoint).toEqual([0, 0, 3]);
    expect(readout.worldPoint![0]).toBeCloseTo(4);
    expect(readout.worldPoint![1]).toBeCloseTo(0);
    expect(readout.worldPoint![2]).toBeCloseTo(0);
  });

  it("keeps only the newest frame between two draws (latest wins)", () => {
    for (const message of depthImage3dExample()) viewer.handleMessage(message);
    const frames = [1000, 2000, 3000].map(
      (value) => new DepthImage(new Uint16Array(300 * 200).fill(value), { width: 300, height: 200 }),
    );
    for (const frame of frames)
      viewer.handleMessage({ entityPath: "world/camera/depth", timelines: [], archetype: frame });
    viewer.frame();
    const [stats] = viewer.stats();
    expect(stats!.uploads).toBe(1);
    expect(stats!.skipped).toBe(3);
    expect(viewer.readout("world/camera/depth", 0, 0)!.value).toBe(3000);
  });

  it("uploads float and 64-bit images as R32F", () => {
    const f64 = new Float64Array(4 * 4).fill(1.5);
    viewer.handleMessage({
      entityPath: "f",
      timelines: [],
      archetype: new DepthImage(f64, { width: 4, height: 4 }),
    });
    viewer.frame();
    expect(viewer.stats()[0]).toMatchObject({ format: "r32f", datatype: "F64" });
    expect(viewer.readout("f", 1, 1)!.depthMeters).toBe(1.5);
  });

  it("fits the 3D view to the data and looks through a camera", () => {
    for (const message of depthImage3dExample()) viewer.handleMessage(message);
    viewer.frame();
    const bounds = viewer.dataBounds()!;
    expect(bounds.max[2]).toBeCloseTo(6.5535, 2);
    expect(bounds.min[2]).toBe(0); // the camera itself
    viewer.fitToData();
    const center = viewer.projectToCanvas([0, 0, 4]);
    expect(center).toBeDefined();
    expect(viewer.lookThrough("world/camera/depth")).toBe(true);
    expect(viewer.pose.eye).toEqual([0, 0, 0]);
    // Looking through the camera, the principal point projects to the middle of the 3D panel.
    const middle = viewer.projectToCanvas([0, 0, 2])!;
    expect(middle[0]).toBeCloseTo(200, 3);
    expect(middle[1]).toBeCloseTo(200, 3);
  });

  it("can unproject on the CPU instead (the benchmark's baseline)", () => {
    const cpu = new ViewerScene(engine, "cpu");
    for (const message of depthImage3dExample()) cpu.handleMessage(message);
    cpu.frame();
    expect(cpu.stats()[0]).toMatchObject({ hasCloud: true, uploads: 1 });
    cpu.dispose();
  });

  it("builds the cloud and fits the view when the pinhole arrives after the frame, in both modes", () => {
    for (const mode of ["gpu", "cpu"] as const) {
      const late = new ViewerScene(engine, mode);
      late.setPanels([{ id: "3d", kind: "3d", x: 0, y: 0, width: 400, height: 400 }], 400, 400);
      const [pinhole, depth] = depthImage3dExample();
      late.handleMessage(depth!);
      late.frame();
      expect(late.stats()[0]!.hasCloud).toBe(false);
      late.handleMessage(pinhole!);
      late.frame();
      expect(late.stats()[0]!.hasCloud).toBe(true);
      // Fitted: aiming between the camera (z = 0) and the far wall (z = 6.55).
      expect(late.pose.target[2]).toBeCloseTo(6.5535 / 2, 1);
      late.dispose();
    }
  });

  it("clearEntity hides what an entity showed until a message for it comes, apart from the user's visibility", () => {
    const messages = depthImage3dExample();
    for (const message of messages) viewer.handleMessage(message);
    viewer.frame();
    const entity = "world/camera/depth";
    const stat = () => viewer.stats().find((s) => s.entity === entity)!;
    expect(stat().visible).toBe(true);
    expect(viewer.readout(entity, 100, 100)).toBeDefined();
    viewer.clearEntity(entity);
    expect(viewer.frame()).toBe(true);
    expect(stat()).toMatchObject({ visible: false, hasCloud: false, frame: undefined, timeNs: undefined });
    expect(viewer.readout(entity, 100, 100)).toBeUndefined();
    // The user shows it: still nothing at this time, so it stays hidden.
    viewer.setVisible(entity, true);
    expect(stat().visible).toBe(false);
    // A message for it comes (the cursor reached its first frame): shown again.
    const depthMessage = messages.find((m) => m.entityPath === entity)!;
    viewer.handleMessage(depthMessage);
    viewer.frame();
    expect(stat()).toMatchObject({ visible: true, hasCloud: true });
    expect(viewer.readout(entity, 100, 100)?.depthMeters).toBeCloseTo(2.0);
    // The user hid it, then it is cleared and comes back: the user's choice holds.
    viewer.setVisible(entity, false);
    viewer.clearEntity(entity);
    viewer.handleMessage(depthMessage);
    viewer.frame();
    expect(stat().visible).toBe(false);
    // The camera's frustum goes with a cleared Pinhole too.
    const pinholePath = messages.find((m) => m.archetype.kind === "Pinhole")!.entityPath;
    const frustum = viewer.scene.getMeshByName(`${pinholePath}#frustum`)!;
    expect(frustum.isEnabled()).toBe(true);
    viewer.clearEntity(pinholePath);
    expect(frustum.isEnabled()).toBe(false);
  });
});

describe("ViewerScene with the CPU cloud (the benchmark's baseline)", () => {
  it("draws the cloud whether the pinhole comes before or after the frame", () => {
    const [pinhole, depth] = depthImage3dExample();
    for (const order of [
      [pinhole!, depth!],
      [depth!, pinhole!],
    ]) {
      const cpu = new ViewerScene(engine, "cpu");
      cpu.setPanels([{ id: "3d", kind: "3d", x: 0, y: 0, width: 400, height: 400 }], 400, 400);
      cpu.handleMessage(order[0]!);
      cpu.frame();
      cpu.handleMessage(order[1]!);
      cpu.frame();
      expect(cpu.stats()[0]).toMatchObject({ uploads: 1, hasCloud: true, format: "r16ui" });
      cpu.setVisible("world/camera/depth", false);
      expect(cpu.stats()[0]?.hasCloud).toBe(false);
      cpu.dispose();
    }
  });
});

describe("ViewerScene's query API for pointer events", () => {
  it("imageInfo names size and visibility without a stats() snapshot; pixelAtPanel finds the pixel", () => {
    const entity = "world/camera/depth";
    expect(viewer.imageInfo(entity)).toBeUndefined();
    for (const message of depthImage3dExample()) viewer.handleMessage(message);
    viewer.frame();
    expect(viewer.imageInfo(entity)).toEqual({
      entity,
      width: 300,
      height: 200,
      datatype: "U16",
      visible: true,
      hasCloud: true,
    });
    // The 2D panel is 400 x 400 px with the 300 x 200 image fitted (scale 1.28) in its middle.
    expect(viewer.pixelAtPanel(entity, 200, 200)).toEqual([150, 100]);
    expect(viewer.pixelAtPanel(entity, 1, 1)).toBeUndefined();
    viewer.setVisible(entity, false);
    expect(viewer.imageInfo(entity)?.visible).toBe(false);
    viewer.clearEntity(entity);
    expect(viewer.imageInfo(entity)).toBeUndefined();
  });

  it("a fitted 2D view stays fitted when its panel shrinks (more images came); a zoomed one keeps its zoom", () => {
    const entity = "world/camera/depth";
    for (const message of depthImage3dExample()) viewer.handleMessage(message);
    viewer.frame();
    // The panel goes from 400 x 400 to 400 x 100: the 300 x 200 image must still fit inside it.
    const shrink = (height: number) =>
      viewer.setPanels(
        [
          { id: "3d", kind: "3d", x: 0, y: 0, width: 400, height: 400 },
          { id: "2d", kind: "2d", entity, x: 400, y: 0, width: 400, height },
        ],
        800,
        400,
      );
    shrink(100);
    const [, top] = viewer.imageToCanvas(entity, -0.5, -0.5)!;
    const [, bottom] = viewer.imageToCanvas(entity, 299.5, 199.5)!;
    expect(top).toBeGreaterThanOrEqual(0);
    expect(bottom).toBeLessThanOrEqual(100);
    // Zoomed by the person: a resize keeps the zoom (the image point at the panel's centre stays there).
    viewer.zoom2d(entity, 200, 50, 2);
    const zoomed = viewer.view2d(entity);
    shrink(80);
    expect(viewer.view2d(entity)).toEqual(zoomed);
  });
});
