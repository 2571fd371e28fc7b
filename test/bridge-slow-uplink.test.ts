import { parseSessionLink } from "@depthroom/schema";
import { bridgeFoxglove } from "@depthroom/sdk/node";
import { describe, expect, it } from "vitest";
import { cleanupsAfterEach } from "./support/cleanups.ts";
import { loadSample, rawImage16, startFoxgloveSource, TUM_SAMPLE } from "./support/foxgloveSource.ts";
import { relayWithSession } from "./support/relay.ts";
import { collect, waitUntil } from "./support/sdk.ts";
import { throttledProxy } from "./support/throttledProxy.ts";

// The bridge's uplink to the relay is slower than the rig (a real TCP proxy forwarding 1 MB/s; two
// 640x480 depth topics at 30 Hz are about 11 MB/s as RVL): frames are dropped per topic (latest wins),
// both topics keep arriving, and what arrives is recent: nothing queues up behind the link.
describe("bridge: slow uplink", () => {
  const cleanups = cleanupsAfterEach();

  it("drops per topic, never queues: both topics stream with bounded lag", async () => {
    const { relay, links } = await relayWithSession(cleanups);
    const proxy = await throttledProxy(new URL(relay.url), 1_000_000);
    cleanups.push(
      () =>
        new Promise<void>((resolve) => {
          for (const socket of proxy.sockets) socket.destroy();
          proxy.server.close(() => resolve());
        }),
    );
    const parsed = parseSessionLink(links.publish);
    const source = await startFoxgloveSource();
    cleanups.push(() => source.close());
    const topics = ["/left/depth/image_rect_raw", "/right/depth/image_rect_raw"];
    const channels = topics.map((t) => source.addRos2Channel(t, "sensor_msgs/msg/Image"));
    const viewer = await collect(links.view);
    cleanups.push(() => viewer.subscription.close());
    const bridge = await bridgeFoxglove({
      url: source.url,
      link: { url: proxy.url, session: parsed.session, token: parsed.token },
    });
    cleanups.push(() => bridge.close());
    await waitUntil(() => channels.every((c) => source.subscribed.has(c)), 5000, "subscriptions");

    const tum = loadSample(TUM_SAMPLE);
    const timer = setInterval(() => {
      const stamp = BigInt(Date.now()) * 1_000_000n;
      for (const c of channels) source.publish(c, rawImage16(tum, "optical", stamp));
    }, 33);
    cleanups.push(() => clearInterval(timer));
    const SECONDS = 8;
    await new Promise((resolve) => setTimeout(resolve, SECONDS * 1000));
    clearInterval(timer);

    const frames = viewer.messages.filter((m) => m.archetype.kind === "DepthImage");
    const perTopic = topics.map(
      (t) => frames.filter((m) => m.entityPath.endsWith(t.slice(1).replaceAll("/", "."))).length,
    );
    const lastStamp = frames.at(-1)?.timelines.find((t) => t.timeline === "ros_time")?.value ?? 0n;
    const lagMs = Date.now() - Number(lastStamp / 1_000_000n);
    const stats = bridge.stats;
    console.log(
      `bridge on a 1 MB/s uplink: ${stats.depthIn} frames in, ${frames.length} delivered (${perTopic.join(" + ")}), ${stats.dropped} dropped, last frame ${lagMs} ms old`,
    );
    // The rig offered several times what the link carries (a loaded box fires the 30 Hz timer less often).
    expect(stats.depthIn).toBeGreaterThan(100);
    for (const n of perTopic) expect(n).toBeGreaterThan(3);
    expect(stats.dropped).toBeGreaterThan(stats.depthIn / 2);
    // Queued frames would arrive tens of seconds late (200 frames of ~180 KB at 1 MB/s); latest-wins keeps
    // the newest within a few transfers (the frames in flight and the proxy's socket buffers).
    expect(lagMs).toBeLessThan(3000);
  });
});
