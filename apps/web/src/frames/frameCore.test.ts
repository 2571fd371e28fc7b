import {
  DepthImage,
  depthImage3dExample,
  EncodedImage,
  encodeMessage,
  fromTransferable,
  readEnvelope,
} from "@depthroom/schema";
import { describe, expect, it } from "vitest";
import { openFrameChannel } from "./frameChannel.ts";
import { FrameCore, type FrameEvent, HOLD_ACK_BYTES } from "./frameCore.ts";

const depthBytes = (frame = 3n) => {
  const [, depth] = depthImage3dExample();
  return encodeMessage({ ...depth!, timelines: [{ timeline: "frame", kind: "sequence", value: frame }] });
};

/** A 640x480 frame sent raw: 614 kB, a frame whose ack the core holds. */
const largeDepthBytes = (frame: bigint) =>
  encodeMessage(
    {
      entityPath: "world/camera/depth",
      timelines: [{ timeline: "frame", kind: "sequence", value: frame }],
      archetype: new DepthImage(new Uint16Array(640 * 480).fill(1000), { width: 640, height: 480 }),
    },
    { depthEncoding: "raw" },
  );

/** What a failed postMessage throws. */
class DataCloneError extends Error {}

/** Whether `ack` (a frame's ack promise) has settled, after the microtasks queued so far ran. */
async function settled(ack: Promise<void> | undefined): Promise<boolean> {
  let done = false;
  void ack?.then(() => {
    done = true;
  });
  await new Promise((resolve) => setTimeout(resolve, 0));
  return done;
}

describe("FrameCore, live frames (the SDK's lazy frames)", () => {
  /** A core fed directly, as the subscription feeds it; what it posted, as short strings. */
  function liveCore() {
    const posted: string[] = [];
    const core = new FrameCore((event) => {
      if (event.type === "message") posted.push(`message ${event.message.timelines[0]?.value}`);
      else if (event.type === "action")
        posted.push(
          event.action.type === "message"
            ? `${event.action.frame} ${event.action.decodeMs === undefined ? "undecoded" : "decoded"} ${event.action.bytes}`
            : event.action.type,
        );
    });
    const receive = (bytes: Uint8Array) => core.receive(readEnvelope(bytes), bytes);
    return { core, posted, receive };
  }
  const path = "world/camera/depth";
  const size = depthBytes(1n).length;
  const large = largeDepthBytes(1n).length;

  it("holds a large frame's ack (so the relay keeps the newest) until the page took it", async () => {
    expect(large).toBeGreaterThanOrEqual(HOLD_ACK_BYTES);
    const { core, posted, receive } = liveCore();
    const first = receive(largeDepthBytes(1n));
    expect(posted).toEqual(["message 1", `1 decoded ${large}`]);
    expect(await settled(first)).toBe(false);
    // One that comes anyway waits undecoded, its ack held too; a newer one replaces it (acked, dropped).
    const second = receive(largeDepthBytes(2n));
    const third = receive(largeDepthBytes(3n));
    expect(posted.slice(2)).toEqual([`2 undecoded ${large}`, "dropped"]);
    expect(await settled(second)).toBe(true);
    expect(await settled(third)).toBe(false);
    core.handle({ type: "taken", entityPath: path });
    expect(await settled(first)).toBe(true);
    expect(posted.slice(4)).toEqual(["message 3", `3 decoded ${large}`]);
    expect(await settled(third)).toBe(false);
    core.handle({ type: "taken", entityPath: path });
    expect(await settled(third)).toBe(true);
  });

  it("frees an entity whose frame fails on its way to the page (its ack settles, the next is decoded)", async () => {
    const posted: string[] = [];
    let failNext = true;
    const core = new FrameCore((event) => {
      if (event.type === "message" && failNext) {
        failNext = false;
        throw new DataCloneError("the page is gone");
      }
      if (event.type === "action") posted.push(event.action.type);
      else if (event.type === "message") posted.push(`message ${event.message.timelines[0]?.value}`);
    });
    const receive = (bytes: Uint8Array) => core.receive(readEnvelope(bytes), bytes);
    const first = receive(largeDepthBytes(1n));
    expect(await settled(first)).toBe(true);
    expect(posted).toEqual(["problem"]);
    receive(largeDepthBytes(2n));
    expect(posted.slice(1)).toEqual(["message 2", "message"]);
  });

  it("acks a small frame at once, and still decodes only what the page takes", () => {
    expect(size).toBeLessThan(HOLD_ACK_BYTES);
    const { core, posted, receive } = liveCore();
    expect(receive(depthBytes(1n))).toBeUndefined();
    expect(receive(depthBytes(2n))).toBeUndefined();
    expect(receive(depthBytes(3n))).toBeUndefined();
    expect(posted).toEqual(["message 1", `1 decoded ${size}`, `2 undecoded ${size}`, "dropped"]);
    core.handle({ type: "taken", entityPath: path });
    expect(posted.slice(4)).toEqual(["message 3", `3 decoded ${size}`]);
  });

  it("decodes pinholes at once, acked at once, while the entity of an image is busy", () => {
    const { posted, receive } = liveCore();
    const [pinhole, depth] = depthImage3dExample();
    receive(depthBytes(1n));
    const ack = receive(encodeMessage({ ...pinhole!, entityPath: depth!.entityPath }));
    expect(ack).toBeUndefined();
    expect(posted.slice(2, 3)).toEqual(["message undefined"]);
  });

  it("answers a frame whose body does not decode with a problem and frees its entity", async () => {
    const { posted, receive } = liveCore();
    const bytes = largeDepthBytes(1n);
    const broken = bytes.slice();
    // The body's first bytes (the image's size) garbled: the envelope still reads, the body does not.
    broken.fill(0xff, readEnvelope(bytes).bodyOffset, readEnvelope(bytes).bodyOffset + 8);
    const ack = receive(broken);
    expect(posted[0]).toBe("problem");
    expect(await settled(ack)).toBe(true);
    receive(bytes);
    expect(posted.slice(1)).toEqual(["message 1", `1 decoded ${large}`]);
  });
});

describe("FrameCore", () => {
  it("decodes wire bytes to a message whose pixels are transferred", () => {
    const events: { event: FrameEvent; transfer: Transferable[] | undefined }[] = [];
    const core = new FrameCore((event, transfer) => events.push({ event, transfer }));
    core.handle({ type: "decode", id: 4, bytes: depthBytes() });
    expect(events).toHaveLength(1);
    const { event, transfer } = events[0]!;
    expect(event.type).toBe("decoded");
    if (event.type !== "decoded") return;
    expect(event.id).toBe(4);
    expect(transfer).toHaveLength(1);
    const message = fromTransferable(structuredClone(event.message, { transfer: transfer as ArrayBuffer[] }));
    expect(message.archetype).toBeInstanceOf(DepthImage);
    expect((message.archetype as DepthImage).data[60 * 300 + 60]).toBe(20000);
    expect(message.timelines[0]?.value).toBe(3n);
  });

  it("answers bytes that are no message with a decode failure naming the problem, never a throw", () => {
    const events: FrameEvent[] = [];
    const core = new FrameCore((event) => events.push(event));
    const bytes = depthBytes();
    core.handle({ type: "decode", id: 1, bytes: bytes.subarray(0, 40) });
    core.handle({ type: "decode", id: 2, bytes: new Uint8Array([1, 2, 3]) });
    expect(events.map((e) => e.type)).toEqual(["decode-failed", "decode-failed"]);
    expect(events.every((e) => e.type === "decode-failed" && e.error.length > 0)).toBe(true);
  });

  it("answers an EncodedImage that does not decode with a decode failure naming it (a JPEG of noise)", async () => {
    const events: FrameEvent[] = [];
    const core = new FrameCore((event) => events.push(event));
    const noise = new Uint8Array(64).fill(7);
    noise.set([0xff, 0xd8, 0xff, 0xe0]);
    const bytes = encodeMessage({ entityPath: "cam/rgb", timelines: [], archetype: new EncodedImage(noise) });
    core.handle({ type: "decode", id: 5, bytes });
    await new Promise((resolve) => setTimeout(resolve, 0));
    expect(events).toHaveLength(1);
    const event = events[0]!;
    expect(event.type).toBe("decode-failed");
    if (event.type === "decode-failed")
      expect(event.error).toMatch(/EncodedImage\.blob: image\/jpeg does not decode/);
  });
});

describe("openFrameChannel", () => {
  it("runs the frame core on the page when asked (or without workers), with the same answers", () => {
    const events: FrameEvent[] = [];
    const channel = openFrameChannel("worker", "test", (event) => events.push(event));
    // Node has no Worker: the page's core.
    expect(channel.where).toBe("main");
    channel.send({ type: "decode", id: 9, bytes: depthBytes() });
    expect(events.map((e) => e.type)).toEqual(["decoded"]);
    channel.close();
    channel.send({ type: "decode", id: 10, bytes: depthBytes() });
    expect(events).toHaveLength(1);
  });
});
