import { describe, expect, it } from "vitest";
import { upZstdDecode, upZstdDecoderLoaded } from "./upZstdCodec.ts";

// Its own file: vitest gives each file a fresh module graph, so the decoder starts unloaded here.

describe("up-zstd decoder in Node without its loader", () => {
  it("is instantiated synchronously on first use (Node and workers compile any size at once)", () => {
    expect(upZstdDecoderLoaded()).toBe(false);
    // The golden 3x2 image of PROTOCOL.md in a hand-built frame: one raw block, 1-byte content size.
    const stageOne = [0x00, 0xff, 0xd0, 0x07, 0x04, 0xff, 0xd2, 0x07, 0xff, 0xcf, 0x07, 0x02];
    const frame = Uint8Array.from([0x28, 0xb5, 0x2f, 0xfd, 0x20, 12, 0x61, 0x00, 0x00, ...stageOne]);
    expect(Array.from(upZstdDecode(frame, 6, 3))).toEqual([0, 1000, 1002, 1001, 0, 1003]);
    expect(upZstdDecoderLoaded()).toBe(true);
  });
});
