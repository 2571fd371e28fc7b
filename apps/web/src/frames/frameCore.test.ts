import {
  DepthImage,
  depthImage3dExample,
  EncodedImage,
  encodeMessage,
  fromTransferable,
} from "@depthroom/schema";
import { describe, expect, it } from "vitest";
import { openFrameChannel } from "./frameChannel.ts";
import { FrameCore, type FrameEvent } from "./frameCore.ts";

const depthBytes = () => {
  const [, depth] = depthImage3dExample();
  return encodeMessage({ ...depth!, timelines: [{ timeline: "frame", kind: "sequence", value: 3n }] });
};

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
