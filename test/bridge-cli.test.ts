import { spawn } from "node:child_process";
import { fileURLToPath } from "node:url";
import { describe, expect, it } from "vitest";
import { cleanupsAfterEach } from "./support/cleanups.ts";
import {
  cameraInfo,
  loadSample,
  rawImage16,
  startFoxgloveSource,
  TUM_SAMPLE,
} from "./support/foxgloveSource.ts";
import { relayWithSession } from "./support/relay.ts";
import { collect, hasStackTrace, repoRoot, runCli, waitUntil } from "./support/sdk.ts";

const IMU_SCHEMA =
  "std_msgs/Header header\ngeometry_msgs/Quaternion orientation\nfloat64[9] orientation_covariance";
const bin = fileURLToPath(new URL("../packages/sdk/bin/depthroom.mjs", import.meta.url));

// `depthroom bridge` as a person types it: --list, a live run with its progress line and Ctrl-C, and
// the named failures with their exit codes.
describe("CLI: depthroom bridge", () => {
  const cleanups = cleanupsAfterEach();

  async function rig() {
    const source = await startFoxgloveSource();
    cleanups.push(() => source.close());
    const depth = source.addRos2Channel("/camera/camera/depth/image_rect_raw", "sensor_msgs/msg/Image");
    source.addRos2Channel("/camera/camera/color/image_raw", "sensor_msgs/msg/Image");
    const info = source.addRos2Channel("/camera/camera/depth/camera_info", "sensor_msgs/msg/CameraInfo");
    source.addChannel("/imu", "cdr", "sensor_msgs/msg/Imu", IMU_SCHEMA, "ros2msg");
    source.latch(info, cameraInfo("camera_depth_optical_frame", 1n, [525, 0, 319.5, 0, 525, 239.5, 0, 0, 1]));
    const tum = loadSample(TUM_SAMPLE);
    const timer = setInterval(() => {
      if (source.subscribed.has(depth)) {
        source.publish(depth, rawImage16(tum, "camera_depth_optical_frame", BigInt(Date.now()) * 1_000_000n));
      }
    }, 50);
    cleanups.push(() => clearInterval(timer));
    return source;
  }

  it("--list says what is advertised, what would be bridged to which entity, and why the rest is skipped", async () => {
    const source = await rig();
    const { code, stdout, stderr } = await runCli(["bridge", source.url, "--list", "--wait", "1"]);
    expect(stderr).toBe("");
    expect(code).toBe(0);
    expect(stdout).toContain(
      `${source.url} (test rig, foxglove.websocket.v1): 4 topics advertised, 2 would be bridged`,
    );
    expect(stdout).toMatch(
      /\/camera\/camera\/depth\/image_rect_raw +sensor_msgs\/msg\/Image \(cdr\)\n +bridge -> DepthImage at world\/camera_depth_optical_frame\/camera\.camera\.depth\.image_rect_raw \(640x480 U16\)/,
    );
    expect(stdout).toMatch(
      /camera_info .*\n +bridge -> Pinhole at world\/camera_depth_optical_frame \(distortion plumb_bob\)/,
    );
    expect(stdout).toMatch(
      /color\/image_raw .*\n +skip: not a depth topic by name \(pick it with --topics\)/,
    );
    expect(stdout).toMatch(/\/imu .*\n +skip: schema sensor_msgs\/msg\/Imu is not bridged/);
  });

  it("streams until Ctrl-C with a progress line, then prints a summary and exits 130", async () => {
    const source = await rig();
    const { links } = await relayWithSession(cleanups);
    const viewer = await collect(links.view);
    cleanups.push(() => viewer.subscription.close());
    const child = spawn(
      process.execPath,
      [
        bin,
        "bridge",
        source.url,
        "--link",
        links.publish,
        "--topics",
        "/camera/**/image_rect_raw,/camera/**/camera_info",
      ],
      {
        cwd: repoRoot,
        stdio: ["ignore", "pipe", "pipe"],
      },
    );
    let stderr = "";
    child.stderr.on("data", (chunk: Buffer) => {
      stderr += chunk.toString();
    });
    const exited = new Promise<number | null>((resolve) => child.once("exit", (code) => resolve(code)));
    cleanups.push(() => {
      if (child.exitCode === null) child.kill("SIGKILL");
    });
    await waitUntil(
      () => viewer.messages.filter((m) => m.archetype.kind === "DepthImage").length >= 10,
      20_000,
      "frames from the CLI",
    );
    expect(viewer.messages.some((m) => m.archetype.kind === "Pinhole")).toBe(true);
    // Not a terminal: one progress line every 5 s.
    await waitUntil(
      () =>
        /topics 2 {2}in [\d.]+ fps {2}out [\d.]+ fps {2}[\d.]+ MB\/s {2}dropped \d+ {2}skipped 0/.test(
          stderr,
        ),
      15_000,
      "a progress line",
    );
    child.kill("SIGINT");
    expect(await exited).toBe(130);
    expect(stderr).toContain("bridging 2 topics from");
    expect(stderr).toMatch(
      /bridged \d+ frames in [\d.]+ s \([\d.]+ MB\/s\), \d+ dropped, 0 skipped, 0 source reconnects/,
    );
    expect(hasStackTrace(stderr)).toBe(false);
  });

  it("names the failure and exits 5 (source unreachable), 3 (no depth topics), 4 (bad link), 2 (not a ws URL)", async () => {
    const { links } = await relayWithSession(cleanups);

    const imuOnly = await startFoxgloveSource();
    cleanups.push(() => imuOnly.close());
    imuOnly.addChannel("/imu", "cdr", "sensor_msgs/msg/Imu", IMU_SCHEMA, "ros2msg");
    // Four CLIs at once (each start-up costs seconds on a loaded box).
    const [unreachable, noDepth, badLink, notWs] = await Promise.all([
      runCli(["bridge", "ws://127.0.0.1:9", "--link", links.publish, "--connect-timeout", "1"]),
      runCli(["bridge", imuOnly.url, "--link", links.publish, "--wait", "1"]),
      runCli(["bridge", imuOnly.url, "--link", links.view]),
      runCli(["bridge", "http://rig:8765", "--link", links.publish]),
    ]);
    expect(unreachable.code).toBe(5);
    expect(unreachable.stderr).toContain(
      "depthroom bridge: no Foxglove WebSocket server answered at ws://127.0.0.1:9 within 1000 ms",
    );
    expect(unreachable.stderr).toContain("ros2 launch foxglove_bridge foxglove_bridge_launch.xml");
    expect(noDepth.code).toBe(3);
    expect(noDepth.stderr).toContain(
      "no depth topics after 1000 ms: of 1 topics none is depth the bridge takes",
    );
    expect(badLink.code).toBe(4);
    expect(badLink.stderr).toContain("this is a view link; publishing needs the session's publish link");
    expect(notWs.code).toBe(2);
    for (const r of [unreachable, noDepth, badLink, notWs]) expect(hasStackTrace(r.stderr)).toBe(false);
  });
});
