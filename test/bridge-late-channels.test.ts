import { bridgeFoxglove } from "@depthroom/sdk/node";
import { describe, expect, it } from "vitest";
import { cleanupsAfterEach } from "./support/cleanups.ts";
import { sessionAndFoxgloveSource } from "./support/foxgloveSession.ts";
import { loadSample, rawImage16, TUM_SAMPLE } from "./support/foxgloveSource.ts";
import { collect, waitUntil } from "./support/sdk.ts";

// The camera starts after the bridge: its channel, advertised 2 s later, is bridged; unadvertised, it is
// dropped from what the bridge tracks and replays.
describe("bridge: channels advertised and unadvertised while it runs", () => {
  const cleanups = cleanupsAfterEach();

  it("bridges a channel advertised 2 s after start, and forgets it when unadvertised", async () => {
    const { links, source } = await sessionAndFoxgloveSource(cleanups);
    const viewer = await collect(links.view);
    cleanups.push(() => viewer.subscription.close());

    const bridge = await bridgeFoxglove({ url: source.url, link: links.publish });
    cleanups.push(() => bridge.close());
    expect(bridge.topics()).toEqual([]);
    await new Promise((resolve) => setTimeout(resolve, 2000));

    const tum = loadSample(TUM_SAMPLE);
    const channel = source.addRos2Channel("/camera/depth/image_rect_raw", "sensor_msgs/msg/Image");
    await waitUntil(
      () => source.subscribed.has(channel),
      5000,
      "the bridge to subscribe to the late channel",
    );
    const timer = setInterval(
      () => source.publish(channel, rawImage16(tum, "optical", BigInt(Date.now()) * 1_000_000n)),
      33,
    );
    cleanups.push(() => clearInterval(timer));
    const frames = () => viewer.messages.filter((m) => m.archetype.kind === "DepthImage").length;
    await waitUntil(() => frames() >= 3, 5000, "frames of the late channel");
    expect(viewer.messages.find((m) => m.archetype.kind === "DepthImage")?.entityPath).toBe(
      "world/optical/camera.depth.image_rect_raw",
    );
    expect(bridge.stats.topics).toBe(1);

    clearInterval(timer);
    source.removeChannel(channel);
    await waitUntil(() => bridge.topics().length === 0, 5000, "the bridge to drop the channel");
    expect(bridge.stats.topics).toBe(0);
    expect(bridge.stats.source).toBe("connected");
  });
});
