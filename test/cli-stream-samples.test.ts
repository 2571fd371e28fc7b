import { copyFileSync, mkdirSync, readdirSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import type { DepthImage, EncodedImage, LogMessage, Pinhole, Transform3D } from "@depthroom/schema";
import { loadPng16 } from "@depthroom/schema/testing";
import { describe, expect, it } from "vitest";
import { cleanupsAfterEach } from "./support/cleanups.ts";
import { relayWithSession, scratchDir } from "./support/relay.ts";
import { collect, repoRoot, runCli, waitUntil } from "./support/sdk.ts";

// `depthroom stream` on the shipped real frames (and on 7-Scenes / TUM folders built from them with
// generated poses): a subscriber receives every frame with the PNG's exact values, the right Pinhole,
// and a Transform3D per frame where the folder has poses.

const samples = join(repoRoot, "data/samples");
const azureFiles = readdirSync(join(samples, "azure-kinect"))
  .filter((f) => f.endsWith(".png"))
  .sort();

const frameOf = (m: LogMessage) => m.timelines.find((t) => t.timeline === "frame")?.value;
const byKind = <K extends LogMessage["archetype"]["kind"]>(messages: LogMessage[], kind: K) =>
  messages.filter((m) => m.archetype.kind === kind);

describe("depthroom stream on real samples", () => {
  const cleanups = cleanupsAfterEach();

  async function setup() {
    const { session } = await relayWithSession(cleanups);
    const { messages, subscription } = await collect(session.links.view);
    cleanups.push(() => subscription.close());
    return { link: session.links.publish, messages };
  }

  it("streams the TUM fr2 sample (TUM layout): exact depth, 5000 units/m, the folder's intrinsics", async () => {
    const { link, messages } = await setup();
    const result = await runCli(["stream", "data/samples/tum-fr2", "--link", link, "--fps", "5", "--quiet"]);
    expect(result).toMatchObject({ code: 0, stderr: "", stdout: "" });
    await waitUntil(() => byKind(messages, "DepthImage").length === 1, 5000, "the depth frame");

    const [pinhole] = byKind(messages, "Pinhole");
    expect(pinhole?.entityPath).toBe("world/camera");
    expect(pinhole?.static).toBe(true);
    const k = pinhole?.archetype as Pinhole;
    expect([k.fx, k.fy, k.cx, k.cy]).toEqual([525, 525, 319.5, 239.5]);
    expect(k.resolution).toEqual([640, 480]);

    const [depth] = byKind(messages, "DepthImage");
    const png = loadPng16(join(samples, "tum-fr2/depth/TUM_depth.png"));
    const image = depth?.archetype as DepthImage;
    expect(depth?.entityPath).toBe("world/camera/depth");
    expect([image.width, image.height, image.meter, image.datatype]).toEqual([640, 480, 5000, "U16"]);
    expect(image.data).toEqual(png.depth);
    expect(depth?.timelines.map((t) => t.timeline).sort()).toEqual(["capture_time", "frame", "sensor_time"]);
    expect(byKind(messages, "Transform3D")).toEqual([]); // the sample has no poses
    // Its registered colour image: the PNG file's bytes, beside the depth under the same Pinhole.
    await waitUntil(() => byKind(messages, "EncodedImage").length === 1, 5000, "the colour image");
    const [rgb] = byKind(messages, "EncodedImage");
    expect(rgb?.entityPath).toBe("world/camera/rgb");
    const colour = rgb?.archetype as EncodedImage;
    expect(colour.mediaType).toBe("image/png");
    expect(colour.blob).toEqual(new Uint8Array(readFileSync(join(samples, "tum-fr2/rgb/TUM_color.png"))));
    expect(rgb?.timelines).toEqual(depth?.timelines);
  });

  it("streams the six Azure Kinect frames (plain folder, --fx..): every frame, in order, exact", async () => {
    const { link, messages } = await setup();
    const result = await runCli([
      "stream",
      "data/samples/azure-kinect",
      "--link",
      link,
      "--fps",
      "10",
      "--fx=252",
      "--fy=252.5",
      "--cx=160",
      "--cy=144",
    ]);
    expect(result.code).toBe(0);
    expect(result.stderr).toContain("streaming 6 frames of 320x288");
    expect(result.stderr).toMatch(/sent 6 frames in .* 0 dropped/);
    await waitUntil(() => byKind(messages, "DepthImage").length === 6, 5000, "six depth frames");

    const k = byKind(messages, "Pinhole")[0]?.archetype as Pinhole;
    expect([k.fx, k.fy, k.cx, k.cy, ...(k.resolution ?? [])]).toEqual([252, 252.5, 160, 144, 320, 288]);
    const depths = byKind(messages, "DepthImage");
    expect(depths.map(frameOf)).toEqual([0n, 1n, 2n, 3n, 4n, 5n]);
    depths.forEach((m, i) => {
      const png = loadPng16(join(samples, "azure-kinect", azureFiles[i]!));
      expect((m.archetype as DepthImage).data).toEqual(png.depth);
      expect((m.archetype as DepthImage).meter).toBe(1000);
    });
  });

  it("logs poses as Transform3D: a 7-Scenes / tsdf-fusion folder built from the samples (generated poses)", async () => {
    const { link, messages } = await setup();
    const dir = await scratchDir(cleanups, "depthroom-7scenes-");
    // Generated fixture: real depth frames, poses made up for this test (a 0.1 m step along x and a
    // turn about y per frame), in the layout's file formats.
    const poses = [0, 1, 2].map((i) => {
      const a = i * 0.2;
      return {
        t: [0.1 * i, 0, 0.5],
        r: [Math.cos(a), 0, Math.sin(a), 0, 1, 0, -Math.sin(a), 0, Math.cos(a)],
      };
    });
    poses.forEach((p, i) => {
      copyFileSync(join(samples, "azure-kinect", azureFiles[i]!), join(dir, `frame-00000${i}.depth.png`));
      const [r0, r1, r2, r3, r4, r5, r6, r7, r8] = p.r;
      writeFileSync(
        join(dir, `frame-00000${i}.pose.txt`),
        `${r0} ${r1} ${r2} ${p.t[0]}\n${r3} ${r4} ${r5} ${p.t[1]}\n${r6} ${r7} ${r8} ${p.t[2]}\n0 0 0 1\n`,
      );
    });
    writeFileSync(join(dir, "camera-intrinsics.txt"), "252 0 160\n0 252 144\n0 0 1\n");

    const result = await runCli(["stream", dir, "--link", link, "--fps", "5", "--entity", "world/rig/cam"]);
    expect(result.code).toBe(0);
    expect(result.stderr).toContain("7-Scenes / tsdf-fusion");
    expect(result.stderr).toContain("3 poses");
    await waitUntil(() => byKind(messages, "DepthImage").length === 3, 5000, "three depth frames");
    const transforms = byKind(messages, "Transform3D");
    expect(transforms.map((m) => [m.entityPath, frameOf(m)])).toEqual([
      ["world/rig/cam", 0n],
      ["world/rig/cam", 1n],
      ["world/rig/cam", 2n],
    ]);
    transforms.forEach((m, i) => {
      const t = m.archetype as Transform3D;
      expect(t.translation).toEqual(poses[i]!.t);
      // Rotation about y by a: quaternion [0, sin(a/2), 0, cos(a/2)].
      const a = i * 0.2;
      const expected = [0, Math.sin(a / 2), 0, Math.cos(a / 2)];
      t.rotation.forEach((v, j) => {
        expect(v).toBeCloseTo(expected[j]!, 12);
      });
    });
    expect(byKind(messages, "DepthImage").map((m) => m.entityPath)).toEqual(
      Array(3).fill("world/rig/cam/depth"),
    );
    expect((byKind(messages, "DepthImage")[2]!.archetype as DepthImage).data).toEqual(
      loadPng16(join(samples, "azure-kinect", azureFiles[2]!)).depth,
    );
  });

  it("pairs TUM groundtruth.txt poses with frames by time (a TUM folder built from the sample, generated poses)", async () => {
    const { link, messages } = await setup();
    const dir = await scratchDir(cleanups, "depthroom-tum-");
    mkdirSync(join(dir, "depth"));
    const stamps = ["1311867170.450076", "1311867170.484671", "1311867170.518790"];
    for (const s of stamps)
      copyFileSync(join(samples, "tum-fr2/depth/TUM_depth.png"), join(dir, "depth", `${s}.png`));
    writeFileSync(
      join(dir, "depth.txt"),
      `# depth maps\n# file: 'rgbd_dataset_freiburg2_xyz.bag'\n# timestamp filename\n${stamps.map((s) => `${s} depth/${s}.png`).join("\n")}\n`,
    );
    // Generated poses: one 5 ms after the first frame, one 3 ms before the third; none near the second.
    writeFileSync(
      join(dir, "groundtruth.txt"),
      "# timestamp tx ty tz qx qy qz qw\n1311867170.4551 1 2 3 0 0 0 1\n1311867170.5158 4 5 6 0 0.6 0 0.8\n",
    );
    const result = await runCli(["stream", dir, "--link", link, "--fps", "5", "--quiet"]);
    expect(result.code).toBe(0);
    await waitUntil(() => byKind(messages, "DepthImage").length === 3, 5000, "three depth frames");
    const k = byKind(messages, "Pinhole")[0]?.archetype as Pinhole;
    expect([k.fx, k.fy, k.cx, k.cy]).toEqual([520.9, 521.0, 325.1, 249.7]); // fr2, named in depth.txt
    const transforms = byKind(messages, "Transform3D");
    expect(transforms.map(frameOf)).toEqual([0n, 2n]);
    expect((transforms[0]!.archetype as Transform3D).translation).toEqual([1, 2, 3]);
    expect((transforms[1]!.archetype as Transform3D).rotation).toEqual([0, 0.6, 0, 0.8]);
    const sensor = byKind(messages, "DepthImage").map(
      (m) => m.timelines.find((t) => t.timeline === "sensor_time")?.value,
    );
    expect(sensor).toEqual([
      1_311_867_170_450_076_000n,
      1_311_867_170_484_671_000n,
      1_311_867_170_518_790_000n,
    ]);
  });
});
