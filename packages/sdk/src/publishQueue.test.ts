import type { ArchetypeKind } from "@depthroom/schema";
import { describe, expect, it } from "vitest";
import type { EncodedLog } from "./encodeLog.ts";
import { AckDeadlines, PublishQueue } from "./publishQueue.ts";

let serial = 0;
function msg(entityPath: string, kind: ArchetypeKind, isStatic = false): EncodedLog {
  serial++;
  return {
    key: `${entityPath}#${kind}`,
    entityPath,
    kind,
    static: isStatic,
    bytes: new Uint8Array(serial % 7),
  };
}
const depth = (path = "cam/depth") => msg(path, "DepthImage");
const pinhole = (path = "cam") => msg(path, "Pinhole");

/** Take everything `next()` gives now. */
function drain(queue: PublishQueue): EncodedLog[] {
  const out: EncodedLog[] = [];
  for (let m = queue.next(); m; m = queue.next()) out.push(m);
  return out;
}

describe("PublishQueue (the producer core)", () => {
  it("sends state before frames, and at most maxInFlight at once", () => {
    const queue = new PublishQueue(2);
    const frame = depth();
    const camera = pinhole();
    const other = pinhole("cam2");
    queue.put(frame);
    queue.put(camera);
    queue.put(other);
    expect(drain(queue)).toEqual([camera, other]);
    expect(queue.counts.inFlight).toBe(2);
    expect(queue.hasRoom).toBe(false);
    queue.settle(camera, { kind: "acked" });
    expect(drain(queue)).toEqual([frame]);
    expect(queue.pending).toBe(0);
  });

  it("keeps one message per key: a newer frame replaces the waiting one, counted as dropped", () => {
    const queue = new PublishQueue(1);
    const first = depth();
    queue.put(first);
    expect(queue.next()).toBe(first);
    const second = depth();
    const third = depth();
    queue.put(second);
    queue.put(third);
    expect(queue.counts.dropped).toBe(1);
    expect(queue.pending).toBe(1);
    queue.settle(first, { kind: "acked" });
    expect(queue.next()).toBe(third);
  });

  it("counts acks (bytes, depth frames) and refusals", () => {
    const queue = new PublishQueue(3);
    const frame = depth();
    const camera = pinhole();
    const refused = depth("cam2/depth");
    queue.put(frame);
    queue.put(camera);
    queue.put(refused);
    drain(queue);
    queue.settle(frame, { kind: "acked" });
    queue.settle(camera, { kind: "acked" });
    queue.settle(refused, { kind: "refused" });
    expect(queue.counts).toEqual({
      sent: 2,
      depthFrames: 1,
      dropped: 0,
      rejected: 1,
      bytes: frame.bytes.length + camera.bytes.length,
      inFlight: 0,
    });
    expect(queue.idle).toBe(true);
  });

  it("gives a publish lost with the connection its slot back, unless a newer one took it", () => {
    const queue = new PublishQueue(2);
    const lost = depth();
    const overtaken = depth("cam2/depth");
    queue.put(lost);
    queue.put(overtaken);
    drain(queue);
    const newer = depth("cam2/depth");
    queue.put(newer);
    queue.settle(lost, { kind: "lost", withConnection: true });
    queue.settle(overtaken, { kind: "lost", withConnection: true });
    expect(queue.counts.dropped).toBe(1);
    expect(drain(queue)).toEqual([newer, lost]);
  });

  it("drops a publish never answered in time", () => {
    const queue = new PublishQueue(1);
    const frame = depth();
    queue.put(frame);
    queue.next();
    queue.settle(frame, { kind: "lost", withConnection: false });
    expect(queue.counts.dropped).toBe(1);
    expect(queue.idle).toBe(true);
  });

  it("sends the latest state of every key again after a reconnect, never frames, never over a newer one", () => {
    const queue = new PublishQueue(8);
    const oldCamera = pinhole();
    const camera = pinhole();
    const fixed = msg("world", "Transform3D", true);
    const staticFrame = msg("cam/still", "DepthImage", true);
    for (const m of [oldCamera, camera, fixed, staticFrame, depth()]) queue.put(m);
    for (const m of drain(queue)) queue.settle(m, { kind: "acked" });
    const waiting = msg("world", "Transform3D", true);
    queue.put(waiting);
    queue.resendState();
    expect(drain(queue)).toEqual([waiting, camera, staticFrame]);
  });

  it("tells `done` of messages nothing holds any more: answered by the relay, or replaced unsent", () => {
    const done: EncodedLog[] = [];
    const queue = new PublishQueue(1, (m) => done.push(m));
    const [first, replaced, second, third, newer] = [depth(), depth(), depth(), depth(), depth()];
    queue.put(first);
    expect(queue.next()).toBe(first);
    queue.put(replaced);
    queue.put(second); // replaces the one waiting: never sent
    expect(done).toEqual([replaced]);
    queue.settle(first, { kind: "acked" });
    expect(queue.next()).toBe(second);
    queue.settle(second, { kind: "refused" });
    queue.put(third);
    expect(queue.next()).toBe(third);
    queue.settle(third, { kind: "lost", withConnection: true }); // waits to go again
    expect(queue.next()).toBe(third);
    queue.put(newer);
    queue.settle(third, { kind: "lost", withConnection: false }); // dropped, but socket.io may hold it
    expect(done).toEqual([replaced, first, second]);
  });

  it("clears what waits, counting it as dropped", () => {
    const queue = new PublishQueue(1);
    queue.put(pinhole());
    queue.put(depth());
    queue.put(depth("b/depth"));
    expect(queue.clear()).toBe(3);
    expect(queue.counts.dropped).toBe(3);
    expect(queue.next()).toBeUndefined();
  });
});

describe("AckDeadlines (when unanswered publishes give up, one timer for all)", () => {
  it("gives the overdue items, oldest first, and skips the answered ones", () => {
    const deadlines = new AckDeadlines<string>();
    expect(deadlines.nextDeadline).toBeUndefined();
    deadlines.add("a", 100);
    deadlines.add("b", 110);
    deadlines.add("c", 120);
    deadlines.add("d", 200);
    expect(deadlines.nextDeadline).toBe(100);
    expect(deadlines.answered("a")).toBe(true);
    expect(deadlines.answered("c")).toBe(true);
    expect(deadlines.nextDeadline).toBe(110);
    expect(deadlines.overdue(99)).toEqual([]);
    expect(deadlines.overdue(150)).toEqual(["b"]);
    expect(deadlines.nextDeadline).toBe(200);
    expect(deadlines.size).toBe(1);
    // An answer after the item gave up is not one: the caller ignores it.
    expect(deadlines.answered("b")).toBe(false);
    expect(deadlines.overdue(1000)).toEqual(["d"]);
    expect(deadlines.size).toBe(0);
    expect(deadlines.nextDeadline).toBeUndefined();
  });

  it("an item sent again waits once, with its new deadline", () => {
    const deadlines = new AckDeadlines<string>();
    deadlines.add("state", 100);
    deadlines.add("state", 300);
    expect(deadlines.size).toBe(1);
    expect(deadlines.overdue(200)).toEqual([]);
    expect(deadlines.overdue(300)).toEqual(["state"]);
  });

  it("stays small over many answered items", () => {
    const deadlines = new AckDeadlines<number>();
    for (let i = 0; i < 10_000; i++) {
      deadlines.add(i, i + 50);
      if (i >= 2) deadlines.answered(i - 2);
    }
    expect(deadlines.size).toBe(2);
    expect(deadlines.overdue(1e9)).toEqual([9998, 9999]);
    expect((deadlines as unknown as { entries: unknown[] }).entries.length).toBe(0);
  });
});
