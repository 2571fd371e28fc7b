import { ErrorCode } from "@depthroom/schema";
import { describe, expect, it } from "vitest";
import { FrameInbox, readSubscribeAnswer, WaitingFrames } from "./subscriberCore.ts";

describe("readSubscribeAnswer", () => {
  it("reads an acceptance, tolerating missing lists", () => {
    const entities = [{ entityPath: "cam", kind: "Pinhole", lastSeen: 1, messages: 1 }];
    expect(readSubscribeAnswer(null, { ok: true, entities, producers: [] })).toEqual({
      kind: "accepted",
      entities,
      producers: [],
    });
    expect(readSubscribeAnswer(null, { ok: true, entities: "x" })).toEqual({
      kind: "accepted",
      entities: [],
      producers: [],
    });
  });

  it("ends the subscription on a refusal that would come again, not on one that may pass", () => {
    expect(
      readSubscribeAnswer(null, { ok: false, code: ErrorCode.BadMessage, message: "bad filter" }),
    ).toEqual({
      kind: "refused",
      refusal: { code: "bad-message", message: "bad filter" },
      final: true,
    });
    expect(
      readSubscribeAnswer(null, { ok: false, code: ErrorCode.RateLimited, message: "slow down" }),
    ).toMatchObject({
      kind: "refused",
      final: false,
    });
  });

  it("keeps only well-formed entities and producers (a newer relay's unknown kinds are skipped)", () => {
    const answer = readSubscribeAnswer(null, {
      ok: true,
      entities: [
        { entityPath: "cam", kind: "Pinhole", lastSeen: 1, messages: 1 },
        { entityPath: "cam/mesh", kind: "Mesh3D", lastSeen: 1, messages: 1 },
        "junk",
      ],
      producers: [{ id: "p", name: "rig", connectedAt: 0 }, { id: 3 }],
    });
    expect(answer).toMatchObject({
      kind: "accepted",
      entities: [{ entityPath: "cam" }],
      producers: [{ id: "p" }],
    });
  });

  it("names an odd answer as a problem that may pass, and waits out a lost one", () => {
    expect(readSubscribeAnswer(null, "what")).toMatchObject({
      kind: "refused",
      refusal: { code: "internal" },
    });
    expect(readSubscribeAnswer(new Error("operation has timed out"), undefined)).toEqual({
      kind: "no-answer",
    });
  });
});

describe("FrameInbox (the subscriber's iterator)", () => {
  it("acknowledges a frame only when a pull takes it", async () => {
    const inbox = new FrameInbox<string>();
    const acked: string[] = [];
    inbox.offer("a", () => acked.push("a"));
    inbox.offer("b", () => acked.push("b"));
    expect(acked).toEqual([]);
    expect(await inbox.pull()).toEqual({ done: false, value: "a" });
    expect(acked).toEqual(["a"]);
    expect(inbox.size).toBe(1);
  });

  it("hands a frame straight to a waiting pull, acknowledged at once", async () => {
    const inbox = new FrameInbox<string>();
    const pulled = inbox.pull();
    let acked = false;
    inbox.offer("a", () => {
      acked = true;
    });
    expect(acked).toBe(true);
    expect(await pulled).toEqual({ done: false, value: "a" });
  });

  it("after the end, gives what still waits, then finishes or rejects with the reason", async () => {
    const inbox = new FrameInbox<string>();
    inbox.offer("a", () => {});
    inbox.end();
    expect(await inbox.pull()).toEqual({ done: false, value: "a" });
    expect(await inbox.pull()).toEqual({ done: true, value: undefined });
    const failed = new FrameInbox<string>();
    const waiting = failed.pull();
    const reason = new Error("refused");
    failed.end(reason);
    failed.end();
    await expect(waiting).rejects.toBe(reason);
    await expect(failed.pull()).rejects.toBe(reason);
  });

  it("acknowledges frames that come after the end or that the iterator left behind", () => {
    const inbox = new FrameInbox<string>();
    const acked: string[] = [];
    inbox.offer("a", () => acked.push("a"));
    inbox.offer("b", () => acked.push("b"));
    expect(inbox.release()).toBe(2);
    inbox.end();
    inbox.offer("c", () => acked.push("c"));
    expect(acked).toEqual(["a", "b", "c"]);
    expect(inbox.size).toBe(0);
  });
});

describe("WaitingFrames (the subscriber's latest wins)", () => {
  const frame = (key: string, n: number) => ({
    bytes: new Uint8Array([key.charCodeAt(0), n]),
    receivedAt: n,
  });
  /** Keys by the first byte; counts how often it is asked (reading an envelope is the cost it saves). */
  function waiting() {
    const asked = { n: 0 };
    const frames = new WaitingFrames((bytes) => {
      asked.n++;
      if (bytes[0] === 0) throw new Error("unreadable");
      return String.fromCharCode(bytes[0] as number);
    });
    return { frames, asked };
  }

  it("keeps a lone frame without reading its key, then the newest per key in first-waited order", () => {
    const { frames, asked } = waiting();
    expect(frames.put(frame("a", 1))).toBeUndefined();
    expect(asked.n).toBe(0);
    expect(frames.take()?.receivedAt).toBe(1);
    expect(frames.size).toBe(0);
    frames.put(frame("a", 2));
    frames.put(frame("b", 3));
    expect(frames.put(frame("a", 4))?.receivedAt).toBe(2);
    frames.put(frame("c", 5));
    expect(asked.n).toBe(4);
    expect(frames.size).toBe(3);
    expect([frames.take(), frames.take(), frames.take(), frames.take()].map((f) => f?.receivedAt)).toEqual([
      4,
      3,
      5,
      undefined,
    ]);
  });

  it("skips held keys, keeps frames whose key cannot be read apart, and clears", () => {
    const { frames } = waiting();
    frames.put(frame("a", 1), "a");
    frames.put(frame("b", 2), "b");
    expect(frames.take((key) => key === "a")?.receivedAt).toBe(2);
    expect(frames.take((key) => key === "a")).toBeUndefined();
    frames.put({ bytes: new Uint8Array([0, 7]), receivedAt: 7 });
    frames.put({ bytes: new Uint8Array([0, 8]), receivedAt: 8 });
    expect(frames.size).toBe(3);
    frames.clear();
    expect(frames.size).toBe(0);
    expect(frames.take()).toBeUndefined();
  });
});
