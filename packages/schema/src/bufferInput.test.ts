import { describe, expect, it } from "vitest";
import { DepthImage } from "./depthImage.ts";
import { decodeMessage, encodeMessage } from "./message.ts";

// socket.io hands Node subscribers Buffers at any byte offset of a shared pool; Buffer#slice is a view.
describe("decodeMessage on a Node Buffer at an odd offset", () => {
  const depth = new Uint16Array([0, 1, 2, 3, 500, 500, 0, 65535, 9, 10, 11, 12]);
  const image = new DepthImage(depth, { width: 4, height: 3 });
  for (const depthEncoding of ["rvl", "raw"] as const) {
    it(`decodes ${depthEncoding} depth exactly`, () => {
      const bytes = encodeMessage({ entityPath: "d", timelines: [], archetype: image }, { depthEncoding });
      const pool = Buffer.alloc(bytes.length + 11);
      pool.set(bytes, 3);
      const view = pool.subarray(3, 3 + bytes.length);
      expect(view.byteOffset % 4).not.toBe(0);
      expect((decodeMessage(view).archetype as DepthImage).data).toEqual(depth);
    });
  }
});
