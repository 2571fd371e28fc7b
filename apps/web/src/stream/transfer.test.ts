import { DepthImage, depthImage3dExample, type LogMessage, Pinhole, Transform3D } from "@depthroom/schema";
import { describe, expect, it } from "vitest";
import { fromPlain, toPlain } from "./transfer.ts";

// What crosses from the frame worker to the page: structuredClone is what postMessage does.
const roundTrip = (message: LogMessage) => {
  const { plain, transfer } = toPlain(message);
  return { back: fromPlain(structuredClone(plain, { transfer })), transfer };
};

describe("worker transfer", () => {
  it("round-trips every archetype, transferring the pixels", () => {
    const [pinhole, depth] = depthImage3dExample();
    const { back, transfer } = roundTrip({
      ...depth!,
      timelines: [{ timeline: "frame", kind: "sequence", value: 7n }],
    });
    expect(transfer).toHaveLength(1);
    expect(back.archetype).toBeInstanceOf(DepthImage);
    expect(back.archetype).toMatchObject({
      width: 300,
      height: 200,
      meter: 10_000,
      colormap: "viridis",
      datatype: "U16",
    });
    expect(back.timelines[0]!.value).toBe(7n);
    expect((back.archetype as DepthImage).data[60 * 300 + 60]).toBe(20000);
    const p = roundTrip(pinhole!).back.archetype as Pinhole;
    expect(p).toBeInstanceOf(Pinhole);
    expect([p.fx, p.fy, p.cx, p.cy]).toEqual([200, 200, 150, 100]);
    const t = roundTrip({
      entityPath: "rig",
      timelines: [],
      archetype: new Transform3D({ translation: [1, 2, 3] }),
    }).back;
    expect(t.archetype).toMatchObject({
      kind: "Transform3D",
      translation: [1, 2, 3],
      rotation: [0, 0, 0, 1],
    });
  });

  it("copies pixels that share a buffer instead of detaching it", () => {
    const shared = new Uint16Array(100);
    const view = shared.subarray(50, 54);
    const { back } = roundTrip({
      entityPath: "d",
      timelines: [],
      archetype: new DepthImage(view, { width: 2, height: 2 }),
    });
    expect(shared.buffer.byteLength).toBe(200);
    expect((back.archetype as DepthImage).data).toHaveLength(4);
  });

  it("rejects a malformed message from the worker with a validation error", () => {
    const { plain } = toPlain(depthImage3dExample()[1]!);
    const broken = { ...plain, archetype: { ...plain.archetype, width: 7 } } as typeof plain;
    expect(() => fromPlain(broken)).toThrow(/DepthImage/);
  });
});
