import type { LogMessage, Pinhole } from "@depthroom/schema";
import { bridgeFoxglove } from "@depthroom/sdk/node";
import { describe, expect, it } from "vitest";
import { cleanupsAfterEach } from "./support/cleanups.ts";
import { cameraInfo, startFoxgloveSource } from "./support/foxgloveSource.ts";
import { relayWithSession } from "./support/relay.ts";
import { collect, waitUntil } from "./support/sdk.ts";

// Issue 17: a rig whose CameraInfo carries a distortion model Pinhole cannot hold (its depth topics are
// advertised, so the camera infos are wanted; no image needs to flow). The bridge still logs the Pinhole,
// without the distortion (the MCAP import's rule), and says so by name: a problem counter on the topic (not counted as a skipped message), the sentence as the topic's last problem, and one log line
// (the bridge's `problem` event) however often the calibration repeats. A plumb_bob camera beside it keeps
// its coefficients and has no problem. Real Foxglove WebSocket server, real relay, real subscriber.

const K = [525, 0, 319.5, 0, 525, 239.5, 0, 0, 1];

describe("bridge: a CameraInfo with an unsupported distortion model", () => {
  const cleanups = cleanupsAfterEach();

  it("bridges the Pinhole without it and names the problem: topic counter, last problem, one log line", async () => {
    // Each camera: a depth topic (what makes its camera_info wanted) and the camera_info.
    const source = await startFoxgloveSource();
    cleanups.push(() => source.close());
    const [odd, good] = ["odd", "good"].map((name) => {
      source.addRos2Channel(`/${name}/depth/image_raw`, "sensor_msgs/msg/Image");
      return source.addRos2Channel(`/${name}/depth/camera_info`, "sensor_msgs/msg/CameraInfo");
    }) as [number, number];
    const { links } = await relayWithSession(cleanups);
    const viewer = await collect(links.view);
    cleanups.push(() => viewer.subscription.close());
    const bridge = await bridgeFoxglove({ url: source.url, link: links.publish });
    cleanups.push(() => bridge.close());
    const logged: string[] = [];
    bridge.on("problem", (line) => logged.push(line));
    await waitUntil(() => source.subscribed.size === 4, 5000, "the bridge's subscriptions");

    const REPEATS = 10;
    const PLUMB_BOB = [-0.28, 0.07, 0.0005, -0.0003, 0];
    for (let i = 0; i < REPEATS; i++) {
      const stamp = 1_000_000_000n + BigInt(i) * 33_333_333n;
      // "fov" (the FOV model some drivers publish) with a non-zero D: not one of the four models.
      source.publish(odd, cameraInfo("odd_optical", stamp, K, { model: "fov", d: [0.9, 0, 0, 0, 0] }));
      source.publish(good, cameraInfo("good_optical", stamp, K, { model: "plumb_bob", d: PLUMB_BOB }));
    }
    const pinholeAt = (path: string) =>
      viewer.messages.find((m: LogMessage) => m.entityPath === path && m.archetype.kind === "Pinhole")
        ?.archetype as Pinhole | undefined;
    const infoStats = (topic: string) => bridge.topics().find((t) => t.topic === topic);
    await waitUntil(
      () =>
        pinholeAt("world/odd_optical") !== undefined &&
        pinholeAt("world/good_optical") !== undefined &&
        infoStats("/odd/depth/camera_info")?.received === REPEATS &&
        infoStats("/good/depth/camera_info")?.received === REPEATS,
      10_000,
      "both cameras bridged",
    );

    // The odd camera: its Pinhole arrives, with K and without a distortion.
    const oddPinhole = pinholeAt("world/odd_optical") as Pinhole;
    expect([oddPinhole.fx, oddPinhole.fy, oddPinhole.cx, oddPinhole.cy]).toEqual([525, 525, 319.5, 239.5]);
    expect(oddPinhole.distortion).toBeUndefined();
    // ... and the problem is named on its topic, counted once per calibration received, not as skipped.
    const odd_ = infoStats("/odd/depth/camera_info");
    expect(odd_?.problems["unsupported-distortion"]).toBe(REPEATS);
    expect(odd_?.bridged).toBe(REPEATS);
    expect(odd_?.distortionProblem).toMatch(
      /distortion model "fov" is not supported .*drawn without distortion/,
    );
    expect(odd_?.lastProblem).toBe(odd_?.distortionProblem);
    expect(bridge.stats.skipped).toBe(0);
    // One log line for ten calibrations, naming the topic, the entity and the model.
    const lines = logged.filter((l) => l.includes("distortion"));
    expect(lines).toHaveLength(1);
    expect(lines[0]).toMatch(
      /^\/odd\/depth\/camera_info -> world\/odd_optical: CameraInfo: distortion model "fov"/,
    );

    // The plumb_bob camera keeps its coefficients and has no problem.
    expect(pinholeAt("world/good_optical")?.distortion).toEqual({
      model: "plumb_bob",
      coefficients: PLUMB_BOB,
    });
    const good_ = infoStats("/good/depth/camera_info");
    expect(good_?.problems["unsupported-distortion"]).toBe(0);
    expect(good_?.distortionProblem).toBeUndefined();
  });
});
