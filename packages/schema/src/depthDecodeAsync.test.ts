import { deflateRawSync, inflateRawSync } from "node:zlib";
import { describe, expect, it } from "vitest";
import { loadSampleSets } from "../testing/samples.ts";
import { medStageOneBound, withInflatedPayload } from "./depthCodec.ts";
import { decodeMessageAsync, inflateRawNative, medPayloadOf } from "./depthDecodeAsync.ts";
import { DepthImage } from "./depthImage.ts";
import { DecodeError } from "./errors.ts";
import { decodeMessage, encodeMessage } from "./message.ts";

describe("MED-deflate decoded with an inflate done elsewhere (DecompressionStream)", () => {
  const f = loadSampleSets()[1]!.frames[0]!;
  const img = new DepthImage(f.depth, { width: f.width, height: f.height, depthRange: [300, 4000] });
  const message = { entityPath: "cam/depth", timelines: [], static: false, archetype: img };
  const med = encodeMessage(message, { depthEncoding: "med" });
  const same = (a: Uint16Array) => Buffer.from(a.buffer).equals(Buffer.from(f.depth.buffer));

  it("finds the payload of a MED-deflate depth message only", () => {
    const found = medPayloadOf(med)!;
    expect(found.pixelCount).toBe(f.width * f.height);
    expect(Buffer.from(inflateRawSync(found.payload)).length).toBeGreaterThan(0);
    expect(medPayloadOf(encodeMessage(message, { depthEncoding: "rvl" }))).toBeUndefined();
    expect(medPayloadOf(med.subarray(0, 40))).toBeUndefined();
    expect(medPayloadOf(Uint8Array.of(1, 2, 3))).toBeUndefined();
  });

  it("decodes bit-exactly from natively inflated stage-1 bytes, and the slot is used once", async () => {
    const { payload, pixelCount } = medPayloadOf(med)!;
    const stageOne = await inflateRawNative(payload, medStageOneBound(pixelCount));
    const decoded = withInflatedPayload(payload, stageOne, () => decodeMessage(med));
    expect(same((decoded.archetype as DepthImage).data as Uint16Array)).toBe(true);
    // Wrong stage-1 bytes for this payload are refused by the stage-1 checks, not trusted.
    expect(() => withInflatedPayload(payload, stageOne.subarray(1), () => decodeMessage(med))).toThrow(
      DecodeError,
    );
    expect(same((decodeMessage(med).archetype as DepthImage).data as Uint16Array)).toBe(true);
    expect(same(((await decodeMessageAsync(med)).archetype as DepthImage).data as Uint16Array)).toBe(true);
  });

  it("refuses corrupt DEFLATE and inflation past the bound with DecodeError", async () => {
    await expect(inflateRawNative(Uint8Array.of(0xff, 0xff, 0xff), 100)).rejects.toBeInstanceOf(DecodeError);
    const bomb = deflateRawSync(new Uint8Array(1 << 20));
    await expect(inflateRawNative(bomb, 1000)).rejects.toThrow(/inflates past 1000/);
  });
});
