import { describe, expect, it } from "vitest";
import { LatestWinsQueue } from "./latestWins.ts";

function recordingSink() {
  const sent: { bytes: Uint8Array; done: () => void }[] = [];
  return { sent, sendFrame: (bytes: Uint8Array, done: () => void) => sent.push({ bytes, done }) };
}

const counters = () => {
  const c = { sent: 0, dropped: 0, bytes: 0 };
  return {
    c,
    sent(bytes: number) {
      c.sent++;
      c.bytes += bytes;
    },
    dropped() {
      c.dropped++;
    },
  };
};

const frame = (n: number) => new Uint8Array([n]);

describe("LatestWinsQueue", () => {
  it("keeps one frame in flight per key and lets the newest pending frame win", () => {
    const sink = recordingSink();
    const k = counters();
    const queue = new LatestWinsQueue(sink, k);
    queue.offer("a", frame(1));
    queue.offer("a", frame(2));
    queue.offer("a", frame(3));
    queue.offer("a", frame(4));
    expect(sink.sent.map((s) => s.bytes[0])).toEqual([1]);
    expect(queue.dropped).toBe(2);
    expect(k.c.dropped).toBe(2);
    sink.sent[0]!.done();
    expect(sink.sent.map((s) => s.bytes[0])).toEqual([1, 4]);
    sink.sent[1]!.done();
    expect(queue.inFlight).toBe(0);
    queue.offer("a", frame(5));
    expect(sink.sent.map((s) => s.bytes[0])).toEqual([1, 4, 5]);
  });

  it("paces keys independently", () => {
    const sink = recordingSink();
    const queue = new LatestWinsQueue(sink, counters());
    queue.offer("depth", frame(1));
    queue.offer("pinhole", frame(2));
    queue.offer("depth", frame(3));
    expect(sink.sent.map((s) => s.bytes[0])).toEqual([1, 2]);
    expect(queue.inFlight).toBe(2);
    expect(queue.pending).toBe(1);
  });

  it("ignores a repeated ack and sends nothing after close", () => {
    const sink = recordingSink();
    const queue = new LatestWinsQueue(sink, counters());
    queue.offer("a", frame(1));
    queue.offer("a", frame(2));
    sink.sent[0]!.done();
    sink.sent[0]!.done();
    expect(sink.sent).toHaveLength(2);
    queue.close();
    sink.sent[1]!.done();
    queue.offer("a", frame(3));
    expect(sink.sent).toHaveLength(2);
  });
});
