import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { refuseLargeSynchronousCompile } from "../testing/synchronousCompile.ts";
import {
  loadUpZstdDecoder,
  loadUpZstdEncoder,
  UP_ZSTD_DECODER_MEMORY_BOUND,
  upZstdDecode,
  upZstdDecoderMemoryBytes,
  upZstdEncode,
} from "./upZstdCodec.ts";

// Its own file: a fresh module graph, and synchronous compilation refused past 4 KB (older Chromium on a
// page's main thread; Node compiles any size at once, so does Debian's Chromium 156).
describe("up-zstd decoder memory where synchronous compilation is refused", { timeout: 60_000 }, () => {
  let undo: () => void;
  beforeAll(async () => {
    undo = refuseLargeSynchronousCompile();
    await Promise.all([loadUpZstdEncoder(), loadUpZstdDecoder()]);
  });
  afterAll(() => undo());

  it("after one large frame the old decoder serves until a fresh one has loaded, then is replaced", async () => {
    const big = upZstdEncode(new Uint16Array(2 ** 25), 8192);
    expect(upZstdDecode(big, 2 ** 25, 8192)[2 ** 25 - 1]).toBe(0);
    // No frame waits: the grown decoder still decodes (no codec-not-loaded) while the fresh one loads.
    const vga = Uint16Array.from({ length: 640 * 480 }, (_, i) => 500 + (i % 640));
    expect(upZstdDecode(upZstdEncode(vga, 640), vga.length, 640)[641]).toBe(501);
    await loadUpZstdDecoder(); // resolves when the fresh decoder is in place
    expect(upZstdDecoderMemoryBytes()).toBeGreaterThan(0);
    expect(upZstdDecoderMemoryBytes()).toBeLessThanOrEqual(UP_ZSTD_DECODER_MEMORY_BOUND);
    expect(upZstdDecode(upZstdEncode(vga, 640), vga.length, 640)[641]).toBe(501);
  });
});
