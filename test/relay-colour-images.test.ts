import { DepthImage, EncodedImage, Image, type LogMessage, Pinhole } from "@depthroom/schema";
import {
  connect,
  fetchLatestAt,
  recordingAccess,
  startRecording,
  stopRecording,
  subscribe,
} from "@depthroom/sdk";
import { describe, expect, it } from "vitest";
import { cleanupsAfterEach } from "./support/cleanups.ts";
import { decodeAll, timeOf } from "./support/recordings.ts";
import { relayWithSession } from "./support/relay.ts";
import { collect, waitUntil } from "./support/sdk.ts";

// Colour images (issue 16) travel like any message: an SDK producer logs a Pinhole, depth, a raw RGB
// Image and a JPEG EncodedImage per frame; a live viewer gets them unchanged, a viewer who joins late
// gets the latest of each at once (latest-at cache), a stalled viewer ends on the newest frame having
// skipped the ones in between (latest wins), and a recording answers latest-at with the image of each time.

const FRAMES = 24;
const W = 16;
const H = 12;

function rgbFrame(i: number): Image {
  const data = new Uint8Array(W * H * 3);
  for (let p = 0; p < W * H; p++) data.set([(p + i) % 256, (p * 3) % 256, i % 256], p * 3);
  return new Image(data, { width: W, height: H, colorModel: "RGB" });
}

/** A JPEG-shaped blob (signature, then the frame number): the relay and recordings never decode it. */
function jpegFrame(i: number): EncodedImage {
  return new EncodedImage(Uint8Array.of(0xff, 0xd8, 0xff, 0xe0, i, 1, 2, 3, 0xff, 0xd9));
}

const frameOf = (m: LogMessage | undefined) => (m ? Number(timeOf(m, "frame")) : -1);

describe("relay: colour images", () => {
  const cleanups = cleanupsAfterEach();

  it("forwards Image and EncodedImage unchanged, latest-at to late joiners, latest-wins, and records them", async () => {
    const { session } = await relayWithSession(cleanups, {}, { title: "colour" });
    const live = await collect(session.links.view);
    cleanups.push(() => live.subscription.close());
    // A viewer that holds every frame for 400 ms before acknowledging it.
    const slowSeen: LogMessage[] = [];
    const slow = subscribe({ link: session.links.view }, async (m) => {
      slowSeen.push(m);
      await new Promise((resolve) => setTimeout(resolve, 400));
    });
    cleanups.push(() => slow.close());
    await slow.ready;

    const edit = recordingAccess(session.links.edit);
    const recording = await startRecording(edit, { by: "test" });
    const rig = await connect({ link: session.links.publish }, { name: "colour rig" });
    cleanups.push(() => rig.close());
    rig.log("world/cam", Pinhole.fromFocalLength({ width: W, height: H, focalLength: 20 }), { static: true });
    const captureNs: bigint[] = [];
    const t0 = BigInt(Date.now()) * 1_000_000n;
    for (let i = 0; i < FRAMES; i++) {
      await rig.whenSendable();
      captureNs.push(t0 + BigInt(i) * 33_000_000n);
      rig.setTime("frame", i);
      rig.setTime("capture_time", captureNs[i] as bigint);
      rig.log(
        "world/cam/depth",
        new DepthImage(new Uint16Array(W * H).fill(1000 + i), { width: W, height: H }),
      );
      rig.log("world/cam/rgb", rgbFrame(i));
      rig.log("world/cam/jpeg", jpegFrame(i));
      await new Promise((resolve) => setTimeout(resolve, 15));
    }
    await rig.flush();
    expect(rig.stats).toMatchObject({ rejected: 0 });

    // Live: the newest frame of each image arrives unchanged (earlier ones may be replaced on the way).
    const newest = (messages: LogMessage[], path: string) =>
      messages.filter((m) => m.entityPath === path).at(-1);
    await waitUntil(
      () => frameOf(newest(live.messages, "world/cam/rgb")) === FRAMES - 1,
      5000,
      "the live viewer's last RGB frame",
    );
    await waitUntil(
      () => frameOf(newest(live.messages, "world/cam/jpeg")) === FRAMES - 1,
      5000,
      "the live viewer's last JPEG frame",
    );
    expect(newest(live.messages, "world/cam/rgb")?.archetype).toEqual(rgbFrame(FRAMES - 1));
    expect(newest(live.messages, "world/cam/jpeg")?.archetype).toEqual(jpegFrame(FRAMES - 1));

    // Late joiner: the latest of each entity at once.
    const late = await collect(session.links.view);
    cleanups.push(() => late.subscription.close());
    await waitUntil(() => late.messages.length >= 4, 5000, "the late viewer's latest-at messages");
    expect(late.messages.map((m) => `${m.entityPath} ${m.archetype.kind}`).sort()).toEqual([
      "world/cam Pinhole",
      "world/cam/depth DepthImage",
      "world/cam/jpeg EncodedImage",
      "world/cam/rgb Image",
    ]);
    expect(late.messages.find((m) => m.entityPath === "world/cam/rgb")?.archetype).toEqual(
      rgbFrame(FRAMES - 1),
    );
    expect(late.messages.find((m) => m.entityPath === "world/cam/jpeg")?.archetype).toEqual(
      jpegFrame(FRAMES - 1),
    );

    // Stalled viewer: ends on the newest frame, having been sent far fewer than all of them.
    await waitUntil(
      () => frameOf(newest(slowSeen, "world/cam/rgb")) === FRAMES - 1,
      10_000,
      "the stalled viewer's last RGB frame",
    );
    const slowRgb = slowSeen.filter((m) => m.entityPath === "world/cam/rgb").length;
    expect(slowRgb).toBeLessThan(FRAMES / 2);

    // Recorded: latest-at at each frame's capture time answers that frame's images.
    const stopped = await stopRecording(edit, recording.id);
    expect(stopped.entities).toEqual(["world/cam", "world/cam/depth", "world/cam/jpeg", "world/cam/rgb"]);
    const view = recordingAccess(session.links.view);
    for (const i of [0, 7, FRAMES - 1]) {
      const answer = decodeAll(await fetchLatestAt(view, recording.id, captureNs[i] as bigint));
      expect(answer.find((m) => m.entityPath === "world/cam/rgb")?.archetype, `frame ${i}`).toEqual(
        rgbFrame(i),
      );
      expect(answer.find((m) => m.entityPath === "world/cam/jpeg")?.archetype, `frame ${i}`).toEqual(
        jpegFrame(i),
      );
    }
  }, 30_000);
});
