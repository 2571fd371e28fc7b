import { ErrorCode } from "@depthroom/schema";
import { describe, expect, it } from "vitest";
import { FrameInbox, readSubscribeAnswer } from "./subscriberCore.ts";

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
