import { BridgeError, bridgeFoxglove } from "@depthroom/sdk/node";
import { describe, expect, it } from "vitest";
import { cleanupsAfterEach } from "./support/cleanups.ts";
import { sessionAndFoxgloveSource } from "./support/foxgloveSession.ts";
import { loadSample, rawImage16, TUM_SAMPLE } from "./support/foxgloveSource.ts";
import { collect, waitUntil } from "./support/sdk.ts";

// Current foxglove_bridge (on the Foxglove SDK) accepts only `foxglove.sdk.v1` and answers HTTP 400
// to anything else; the bridge offers it first, and says so when a server takes neither.
describe("bridge: WebSocket subprotocols", () => {
  const cleanups = cleanupsAfterEach();

  it("connects to a server that accepts only foxglove.sdk.v1 and bridges its frames", async () => {
    const { links, source } = await sessionAndFoxgloveSource(cleanups, { accept: ["foxglove.sdk.v1"] });
    const channel = source.addRos2Channel("/camera/depth/image_rect_raw", "sensor_msgs/msg/Image");
    const viewer = await collect(links.view);
    cleanups.push(() => viewer.subscription.close());

    const bridge = await bridgeFoxglove({ url: source.url, link: links.publish });
    cleanups.push(() => bridge.close());
    await waitUntil(() => source.subscribed.has(channel), 5000, "the subscription");
    const tum = loadSample(TUM_SAMPLE);
    source.publish(channel, rawImage16(tum, "optical", 1_000_000_000n));
    await waitUntil(() => viewer.messages.some((m) => m.archetype.kind === "DepthImage"), 5000, "a frame");
    expect(bridge.stats.source).toBe("connected");
  });

  it("fails with source-refused when the server takes neither subprotocol", async () => {
    const { links, source } = await sessionAndFoxgloveSource(cleanups, { accept: ["foxglove.sdk.v2"] });
    const error = await bridgeFoxglove({ url: source.url, link: links.publish }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(BridgeError);
    expect((error as BridgeError).code).toBe("source-refused");
    expect(source.offered[0]).toEqual(["foxglove.sdk.v1", "foxglove.websocket.v1"]);
  });
});
