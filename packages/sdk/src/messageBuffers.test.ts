import { describe, expect, it } from "vitest";
import { MessageBuffers } from "./messageBuffers.ts";

describe("MessageBuffers (the producer's reused frame buffers)", () => {
  it("hands a given-back buffer out again when it holds the length, with room to spare when new", () => {
    const buffers = new MessageBuffers(2);
    const first = buffers.take(1000);
    expect(first.length).toBe(1000);
    expect(first.buffer.byteLength).toBeGreaterThanOrEqual(1250);
    buffers.give(first);
    const again = buffers.take(1200); // a larger frame that still fits
    expect(again.buffer).toBe(first.buffer);
    expect(again.length).toBe(1200);
    expect(buffers.size).toBe(0);
    const bigger = buffers.take(100_000);
    expect(bigger.buffer).not.toBe(first.buffer);
  });

  it("never hands one buffer out twice, even given back twice, and keeps at most `keep` free", () => {
    const buffers = new MessageBuffers(2);
    const a = buffers.take(10);
    buffers.give(a);
    buffers.give(a);
    expect(buffers.size).toBe(1);
    const taken = [buffers.take(10), buffers.take(10)];
    expect(taken[0]?.buffer).not.toBe(taken[1]?.buffer);
    const many = Array.from({ length: 5 }, () => buffers.take(10));
    for (const bytes of many) buffers.give(bytes);
    expect(buffers.size).toBe(2);
  });
});
