import { describe, expect, it } from "vitest";
import { type FlowLimits, LatestWinsQueue } from "./latestWins.ts";

/**
 * A sink that records what it was given and models a connection's write buffer: sent frames add their
 * bytes to `buffered` until the test lets the network take them (`drain`).
 */
function recordingSink() {
  const sent: Uint8Array[] = [];
  const state = { buffered: 0, tooSlow: [] as number[], onDrain: null as (() => void) | null };
  return {
    sent,
    state,
    /** First bytes of the frames sent, in order. */
    firsts: () => sent.map((bytes) => bytes[0]),
    sendFrame(bytes: Uint8Array) {
      sent.push(bytes);
      state.buffered += bytes.byteLength;
    },
    bufferedBytes: () => state.buffered,
    watchDrain(listener: (() => void) | null) {
      state.onDrain = listener;
    },
    tooSlow(bytes: number) {
      state.tooSlow.push(bytes);
    },
    /** The network took everything buffered. */
    drain() {
      state.buffered = 0;
      state.onDrain?.();
    },
  };
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
const KiB = 1024;
/** A frame of `kib` KiB whose first byte is `n`. */
const big = (n: number, kib: number) => new Uint8Array(kib * KiB).fill(n, 0, 1);
const flow: FlowLimits = { maxBufferedBytes: 1024 * KiB, minBusyBytes: 64 * KiB, credits: 2 };

describe("LatestWinsQueue", () => {
  it("sends while the viewer has credit, then keeps the newest frame of each key until credit comes", () => {
    const sink = recordingSink();
    const k = counters();
    const queue = new LatestWinsQueue(sink, k, flow);
    for (let n = 1; n <= 6; n++) queue.offer("a", frame(n));
    expect(sink.firsts()).toEqual([1, 2]);
    expect(queue.inFlight).toBe(2);
    expect(queue.pending).toBe(1);
    expect(queue.dropped).toBe(3);
    expect(k.c.dropped).toBe(3);
    queue.grant(1);
    expect(sink.firsts()).toEqual([1, 2, 6]);
    queue.grant(2);
    expect(queue.inFlight).toBe(0);
    queue.offer("a", frame(7));
    expect(sink.firsts()).toEqual([1, 2, 6, 7]);
  });

  it("shares the credit between keys and sends waiting keys in the order they first waited", () => {
    const sink = recordingSink();
    const queue = new LatestWinsQueue(sink, counters(), flow);
    queue.offer("depth", frame(1));
    queue.offer("depth", frame(2));
    queue.offer("depth", frame(3));
    queue.offer("pinhole", frame(4));
    queue.offer("depth", frame(5));
    expect(sink.firsts()).toEqual([1, 2]);
    expect(queue.pending).toBe(2);
    queue.grant(2);
    expect(sink.firsts()).toEqual([1, 2, 5, 4]);
  });

  it("caps the credit a viewer is given, and sends nothing after close", () => {
    const sink = recordingSink();
    const queue = new LatestWinsQueue(sink, counters(), flow);
    queue.grant(1000);
    for (let n = 1; n <= 4; n++) queue.offer(`k${n}`, frame(n));
    expect(sink.sent).toHaveLength(2);
    queue.close();
    queue.grant(2);
    queue.offer("a", frame(5));
    expect(sink.sent).toHaveLength(2);
    expect(queue.pending).toBe(0);
  });

  it("holds frames while the connection buffers more than two frames, whatever the credit", () => {
    const sink = recordingSink();
    const k = counters();
    const queue = new LatestWinsQueue(sink, k, { ...flow, credits: 100 });
    // A client that grants credit for everything at once but never reads: credit alone would send all.
    for (let n = 1; n <= 10; n++) {
      queue.offer("depth", big(n, 256));
      queue.grant(100);
    }
    // 0 -> 256 -> 512 KiB buffered: the third frame finds 512 KiB (= two frames) and goes, then waits.
    expect(sink.firsts()).toEqual([1, 2, 3]);
    expect(sink.state.buffered).toBe(768 * KiB);
    expect(queue.pending).toBe(1);
    expect(k.c.dropped).toBe(6);
    // The network takes the buffer: the newest waiting frame goes.
    sink.drain();
    expect(sink.firsts()).toEqual([1, 2, 3, 10]);
    expect(queue.pending).toBe(0);
    expect(sink.state.tooSlow).toEqual([]);
  });

  it("lets small frames through below minBusyBytes and resumes keys in order after a drain", () => {
    const sink = recordingSink();
    const queue = new LatestWinsQueue(sink, counters(), { ...flow, credits: 8 });
    sink.state.buffered = 60 * KiB;
    queue.offer("pinhole", frame(1));
    expect(sink.sent).toHaveLength(1);
    sink.state.buffered = 100 * KiB;
    queue.offer("transform", frame(2));
    queue.offer("depth", big(3, 40));
    expect(sink.sent).toHaveLength(1);
    sink.drain();
    expect(sink.firsts()).toEqual([1, 2, 3]);
  });

  it("gives the viewer up past the hard cap: tells the sink once, stops listening and sending", () => {
    const sink = recordingSink();
    const queue = new LatestWinsQueue(sink, counters(), { ...flow, credits: 8 });
    queue.offer("a", big(1, 512));
    queue.offer("b", big(2, 512));
    expect(sink.state.tooSlow).toEqual([]);
    queue.offer("c", big(3, 100)); // 1 MiB buffered: busy, waits
    expect(sink.sent).toHaveLength(2);
    sink.state.buffered += 1; // something else (an event) was written
    queue.offer("c", big(4, 100));
    expect(sink.state.tooSlow).toEqual([1024 * KiB + 1]);
    expect(sink.state.onDrain).toBeNull();
    queue.grant(2);
    queue.offer("d", frame(5));
    expect(sink.sent).toHaveLength(2);
    expect(sink.state.tooSlow).toHaveLength(1);
  });

  it("checks the cap after a send too", () => {
    const sink = recordingSink();
    const queue = new LatestWinsQueue(sink, counters(), { ...flow, maxBufferedBytes: 600 * KiB, credits: 8 });
    queue.offer("a", big(1, 256));
    queue.offer("b", big(2, 256));
    queue.offer("c", big(3, 256));
    expect(sink.sent).toHaveLength(3);
    expect(sink.state.tooSlow).toEqual([768 * KiB]);
  });
});
