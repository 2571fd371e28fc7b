import type { DepthImage } from "@depthroom/schema";
import { bridgeFoxglove } from "@depthroom/sdk/node";
import { describe, expect, it } from "vitest";
import { cleanupsAfterEach } from "./support/cleanups.ts";
import { sessionAndFoxgloveSource } from "./support/foxgloveSession.ts";
import {
  cdr,
  compressedDepthHeader,
  concat,
  loadSample,
  rawImage16,
  rosHeader,
  rvlSizeHeader,
  samePixels,
  TUM_SAMPLE,
} from "./support/foxgloveSource.ts";
import { collect, waitUntil } from "./support/sdk.ts";

// A rig that sends garbage: 1,000 malformed messages (truncated CDR, wrong encodings, corrupt PNG and
// RVL, bad JSON, sizes that would allocate gigabytes) among good frames. The bridge counts each one,
// skips it, and the good topic keeps streaming.
describe("bridge: malformed messages", () => {
  const cleanups = cleanupsAfterEach();

  it("skips and counts 1,000 malformed messages; the good topic keeps streaming bit-exact", async () => {
    const { links, source } = await sessionAndFoxgloveSource(cleanups);
    const good = source.addRos2Channel("/camera/depth/image_rect_raw", "sensor_msgs/msg/Image");
    const badRaw = source.addRos2Channel("/bad/depth/image_raw", "sensor_msgs/msg/Image");
    const badCompressed = source.addRos2Channel(
      "/bad/depth/packed/compressedDepth",
      "sensor_msgs/msg/CompressedImage",
    );
    const badJson = source.addChannel("/bad/depth/foxglove", "json", "foxglove.RawImage", "{}", "jsonschema");
    const viewer = await collect(links.view);
    cleanups.push(() => viewer.subscription.close());
    const bridge = await bridgeFoxglove({ url: source.url, link: links.publish });
    cleanups.push(() => bridge.close());
    await waitUntil(() => source.subscribed.size === 4, 5000, "subscriptions");

    const tum = loadSample(TUM_SAMPLE);
    const goodFrame = rawImage16(tum, "optical", 1n);
    const header = rosHeader("bad", 1n);
    const compressed = (format: string, data: Uint8Array) =>
      cdr("sensor_msgs/msg/CompressedImage", { header, format, data });
    const image = (encoding: string, width: number, height: number, step: number, data: Uint8Array) =>
      cdr("sensor_msgs/msg/Image", { header, height, width, encoding, is_bigendian: 0, step, data });
    const corruptPng = tum.png.slice();
    corruptPng.fill(0x5a, 200, 400); // inside the IDAT: inflate or CRC fails
    const text = (value: string) => new TextEncoder().encode(value);
    const kinds: [number, (i: number) => Uint8Array][] = [
      [badRaw, (i) => goodFrame.subarray(0, 40 + (i % 500))], // truncated CDR
      [good, (i) => goodFrame.subarray(0, 10 + i)], // truncated, on the good topic itself
      [badRaw, () => image("rgb8", 2, 2, 6, new Uint8Array(12))], // colour, not depth
      [badRaw, (i) => image(`16UC${i % 9}x`, 2, 2, 4, new Uint8Array(8))], // wrong encoding strings
      [badRaw, () => image("16UC1", 60_000, 60_000, 120_000, new Uint8Array(16))], // 3.6 G pixels claimed
      [badRaw, () => image("16UC1", 640, 480, 1280, new Uint8Array(1000))], // too little data
      [badRaw, () => Uint8Array.of(0, 0, 0, 0, 0xff, 0xff, 0xff, 0x7f, 0, 0, 0, 0)], // big-endian CDR
      [
        badCompressed,
        () => compressed("16UC1; compressedDepth png", concat(compressedDepthHeader(), corruptPng)),
      ],
      [
        badCompressed,
        () =>
          compressed(
            "16UC1; compressedDepth png",
            concat(compressedDepthHeader(), text("not a png at all, really")),
          ),
      ],
      [
        badCompressed,
        () =>
          compressed(
            "16UC1; compressedDepth rvl",
            concat(compressedDepthHeader(), rvlSizeHeader(640, 480), new Uint8Array(64)),
          ),
      ],
      [
        badCompressed,
        () =>
          compressed(
            "16UC1; compressedDepth rvl",
            concat(compressedDepthHeader(), rvlSizeHeader(1 << 20, 1 << 20), new Uint8Array(8)),
          ),
      ],
      [badCompressed, () => compressed("jpeg", new Uint8Array(100))],
      [badCompressed, () => compressed("16UC1; compressedDepth png", new Uint8Array(5))],
      [badJson, () => text("{ not json")],
      [
        badJson,
        () =>
          text(
            JSON.stringify({
              timestamp: { sec: 1, nsec: 2 },
              frame_id: "x",
              width: 2,
              height: 2,
              encoding: "16UC1",
              step: 4,
              data: "***",
            }),
          ),
      ],
      [badJson, () => text(JSON.stringify({ width: "wide" }))],
      [badJson, () => Uint8Array.of(0xff, 0xfe, 0xfd)],
    ];

    const frames = () => viewer.messages.filter((m) => m.archetype.kind === "DepthImage").length;
    const TOTAL = 1000;
    let goodSent = 0;
    for (let i = 0; i < TOTAL; i++) {
      const [channel, make] = kinds[i % kinds.length] as [number, (i: number) => Uint8Array];
      source.publish(channel, make(i));
      if (i % 50 === 0) {
        source.publish(good, rawImage16(tum, "optical", BigInt(i + 1) * 1_000_000n));
        goodSent++;
        const want = goodSent;
        // The good topic streams during the flood: each good frame arrives before the next is sent.
        await waitUntil(() => frames() >= want, 5000, `good frame ${want} during the flood`);
      }
    }
    await waitUntil(() => bridge.stats.skipped === TOTAL, 10_000, `all ${TOTAL} malformed messages counted`);
    source.publish(good, rawImage16(tum, "optical", 9_999_000_000n));
    await waitUntil(() => frames() === goodSent + 1, 5000, "a good frame after the flood");

    expect(bridge.stats.source).toBe("connected");
    expect(bridge.stats.skipped).toBe(TOTAL);
    const byTopic = Object.fromEntries(bridge.topics().map((t) => [t.topic, t]));
    const sum = (topic: string) => Object.values(byTopic[topic]?.problems ?? {}).reduce((a, b) => a + b, 0);
    expect(sum("/camera/depth/image_rect_raw")).toBe(59);
    expect(byTopic["/camera/depth/image_rect_raw"]?.bridged).toBe(goodSent + 1);
    expect(
      sum("/bad/depth/image_raw") + sum("/bad/depth/packed/compressedDepth") + sum("/bad/depth/foxglove"),
    ).toBe(TOTAL - 59);
    expect(byTopic["/bad/depth/image_raw"]?.problems["unsupported-encoding"]).toBeGreaterThan(0);
    expect(byTopic["/bad/depth/packed/compressedDepth"]?.problems["bad-image"]).toBeGreaterThan(0);
    const last = viewer.messages.filter((m) => m.archetype.kind === "DepthImage").at(-1)
      ?.archetype as DepthImage;
    expect(samePixels(last.data, tum.depth)).toBe(true);
    console.log(
      `bridge: ${TOTAL} malformed skipped (${bridge
        .topics()
        .map((t) => `${t.topic}: ${JSON.stringify(t.problems)}`)
        .join("; ")}), ${goodSent + 1} good frames delivered`,
    );
  });
});
