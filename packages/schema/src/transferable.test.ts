import { describe, expect, it } from "vitest";
import { DepthImage } from "./depthImage.ts";
import { EncodedImage } from "./encodedImage.ts";
import { ValidationError } from "./errors.ts";
import { depthImage3dExample } from "./examples.ts";
import { Image } from "./image.ts";
import type { LogMessage } from "./message.ts";
import { Pinhole } from "./pinhole.ts";
import { fromTransferable, type TransferableMessage, toTransferable } from "./transferable.ts";
import { Transform3D } from "./transform3d.ts";

// What postMessage does to the message: a structured clone, moving the listed buffers.
const roundTrip = (message: LogMessage) => {
  const { message: out, transfer } = toTransferable(message);
  return { back: fromTransferable(structuredClone(out, { transfer })), transfer };
};

const PNG = new Uint8Array([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a, 0, 0, 0, 0]);

describe("transferable messages", () => {
  it("round-trips every archetype as an instance of its class, moving the pixel buffers", () => {
    const [pinhole, depth] = depthImage3dExample();
    const d = roundTrip({ ...depth!, timelines: [{ timeline: "frame", kind: "sequence", value: 7n }] });
    expect(d.transfer).toHaveLength(1);
    expect(d.back.archetype).toBeInstanceOf(DepthImage);
    const image = d.back.archetype as DepthImage;
    expect(image).toMatchObject({
      width: 300,
      height: 200,
      meter: 10_000,
      colormap: "viridis",
      datatype: "U16",
    });
    expect(image.pixelCount).toBe(60_000); // a getter of the prototype
    expect(image.data[60 * 300 + 60]).toBe(20000);
    expect(d.back.timelines[0]!.value).toBe(7n);

    const p = roundTrip(pinhole!).back;
    expect(p.archetype).toBeInstanceOf(Pinhole);
    const back = p.archetype as Pinhole;
    expect([back.fx, back.fy, back.cx, back.cy]).toEqual([200, 200, 150, 100]);
    expect(p.static).toBe(pinhole!.static);

    const t = roundTrip({
      entityPath: "rig",
      timelines: [],
      archetype: new Transform3D({ translation: [1, 2, 3] }),
    });
    expect(t.back.archetype).toBeInstanceOf(Transform3D);
    expect(t.back.archetype).toMatchObject({ translation: [1, 2, 3], rotation: [0, 0, 0, 1] });
    expect(t.transfer).toHaveLength(0);

    const rgb = new Image(new Uint8Array(2 * 2 * 3).fill(9), { width: 2, height: 2, colorModel: "RGB" });
    const i = roundTrip({ entityPath: "cam/rgb", timelines: [], archetype: rgb });
    expect(i.back.archetype).toBeInstanceOf(Image);
    expect((i.back.archetype as Image).data).toEqual(new Uint8Array(12).fill(9));
    expect(i.transfer).toHaveLength(1);

    const e = roundTrip({ entityPath: "cam/png", timelines: [], archetype: new EncodedImage(PNG.slice()) });
    expect(e.back.archetype).toBeInstanceOf(EncodedImage);
    expect((e.back.archetype as EncodedImage).mediaType).toBe("image/png");
    expect([...(e.back.archetype as EncodedImage).blob]).toEqual([...PNG]);
  });

  it("copies a view into a larger buffer so only its bytes move, and leaves the caller's buffer alone", () => {
    const big = new Uint16Array(1000);
    const view = big.subarray(10, 10 + 12);
    view.fill(5);
    const message: LogMessage = {
      entityPath: "cam",
      timelines: [],
      archetype: new DepthImage(view, { width: 4, height: 3 }),
    };
    const { back, transfer } = roundTrip(message);
    expect(transfer).toHaveLength(1);
    expect(big.buffer.byteLength).toBe(2000); // not detached
    const data = (back.archetype as DepthImage).data;
    expect(data).toEqual(new Uint16Array(12).fill(5));
    expect(data.buffer.byteLength).toBe(24);
  });

  it("refuses a kind it does not know with a ValidationError", () => {
    const bad = {
      entityPath: "x",
      timelines: [],
      archetype: { kind: "Mesh3D" },
    } as unknown as TransferableMessage;
    expect(() => fromTransferable(bad)).toThrow(ValidationError);
    const proto = {
      entityPath: "x",
      timelines: [],
      archetype: { kind: "__proto__" },
    } as unknown as TransferableMessage;
    expect(() => fromTransferable(proto)).toThrow(ValidationError);
  });
});
