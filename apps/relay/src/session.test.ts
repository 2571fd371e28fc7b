import {
  depthImage3dExample,
  ErrorCode,
  encodeMessage,
  FRAME_CREDITS,
  type ProducerEvent,
  readEnvelope,
  Transform3D,
} from "@depthroom/schema";
import { describe, expect, it } from "vitest";
import { DEFAULT_LIMITS, type RelayLimits } from "./limits.ts";
import { LiveSession, type ViewerPort } from "./session.ts";

/* The session core without a network: plain objects stand in for sockets. */

function counters() {
  const rejected: string[] = [];
  let dropped = 0;
  return {
    rejected,
    get droppedCount() {
      return dropped;
    },
    accepted() {},
    reject: (reason: string) => rejected.push(reason),
    sent() {},
    dropped() {
      dropped++;
    },
  };
}

/** A viewer port; with `credit` it gives each frame's credit back at once (as a fast viewer). */
function viewer(id: string, credit = true, grant?: (id: string, frames: number) => void) {
  const frames: Uint8Array[] = [];
  const events: ProducerEvent[] = [];
  const port: ViewerPort = {
    id,
    sendFrame(bytes) {
      frames.push(bytes);
      if (credit) grant?.(id, 1);
    },
    bufferedBytes: () => 0,
    watchDrain() {},
    tooSlow() {},
    producerEvent: (event) => events.push(event),
  };
  return { port, frames, events };
}

const [pinhole, depth] = depthImage3dExample().map((m) => encodeMessage(m)) as [Uint8Array, Uint8Array];
const withFrame = (n: number) =>
  encodeMessage({
    ...depthImage3dExample()[1]!,
    timelines: [{ timeline: "frame", kind: "sequence", value: BigInt(n) }],
  });

function session(limits: Partial<RelayLimits> = {}, now = () => 0) {
  const c = counters();
  return { c, s: new LiveSession("s", { ...DEFAULT_LIMITS, ...limits }, c, now) };
}

describe("LiveSession", () => {
  it("fans out to subscribers and gives late joiners the latest of every entity, static and parents first", () => {
    const { s } = session();
    const early = viewer("early");
    s.addViewer(early.port);
    s.subscribe("early", {});
    s.addProducer({ id: "p", name: "rig", connectedAt: 0 });
    expect(early.events).toEqual([{ type: "joined", producer: { id: "p", name: "rig", connectedAt: 0 } }]);
    const transform = encodeMessage({
      entityPath: "world/camera",
      timelines: [],
      archetype: new Transform3D({ translation: [1, 2, 3] }),
    });
    const staticDepth = encodeMessage({
      ...depthImage3dExample()[1]!,
      entityPath: "world/other",
      static: true,
    });
    for (const bytes of [depth, pinhole, transform, staticDepth])
      expect(s.publish("p", bytes)).toEqual({ ok: true });
    expect(early.frames).toEqual([depth, pinhole, transform, staticDepth]);

    const latest = withFrame(7);
    s.publish("p", latest);
    const late = viewer("late");
    s.addViewer(late.port);
    const result = s.subscribe("late", undefined);
    expect(result.ok && result.entities.length).toBe(4);
    expect(late.frames.map((f) => readEnvelope(f).entityPath)).toEqual([
      "world/other",
      "world/camera",
      "world/camera",
      "world/camera/depth",
    ]);
    expect(late.frames[3]).toBe(latest);
  });

  it("filters by entity prefix", () => {
    const { s } = session();
    const v = viewer("v");
    s.addViewer(v.port);
    s.addProducer({ id: "p", name: "rig", connectedAt: 0 });
    expect(s.subscribe("v", { entities: ["world/camera/depth"] }).ok).toBe(true);
    s.publish("p", pinhole);
    s.publish("p", depth);
    expect(v.frames).toEqual([depth]);
    expect(s.subscribe("v", { entities: ["/world/cam"] }).ok).toBe(true);
    s.publish("p", depth);
    expect(v.frames).toHaveLength(1);
    expect(s.subscribe("v", { entities: ["../x"] })).toMatchObject({ ok: false, code: ErrorCode.BadMessage });
    expect(s.subscribe("v", { entities: "world" })).toMatchObject({ ok: false, code: ErrorCode.BadMessage });
  });

  it("a stalled viewer holds one pending frame per entity and never delays the others", () => {
    const { s, c } = session();
    const slow = viewer("slow", false);
    const fast = viewer("fast", true, (id, frames) => s.grant(id, frames));
    for (const v of [slow, fast]) {
      s.addViewer(v.port);
      s.subscribe(v.port.id, {});
    }
    s.addProducer({ id: "p", name: "rig", connectedAt: 0 });
    for (let i = 0; i < 100; i++) s.publish("p", withFrame(i));
    expect(fast.frames).toHaveLength(100);
    // Its credit (FRAME_CREDITS) went, then the newest frame waits.
    expect(slow.frames).toHaveLength(FRAME_CREDITS);
    expect(s.pendingFrames).toBe(1);
    expect(c.droppedCount).toBe(100 - FRAME_CREDITS - 1);
    s.grant("slow", 1);
    expect(readEnvelope(slow.frames[FRAME_CREDITS]!).timelines[0]!.value).toBe(99n);
  });

  it("refuses bad input with named codes and keeps going", () => {
    let now = 0;
    const { s, c } = session(
      { maxMessageBytes: 100_000, maxEntitiesPerSession: 2, maxMessagesPerSecond: 10, messageBurst: 5 },
      () => now,
    );
    const v = viewer("v");
    s.addViewer(v.port);
    s.subscribe("v", {});
    s.addProducer({ id: "p", name: "rig", connectedAt: 0 });
    expect(s.publish("p", depth.subarray(0, depth.length - 3))).toMatchObject({
      ok: false,
      code: ErrorCode.BadMessage,
    });
    expect(s.publish("p", new Uint8Array(200_000))).toMatchObject({
      ok: false,
      code: ErrorCode.MessageTooLarge,
    });
    expect(s.publish("p", "text" as unknown as Uint8Array)).toMatchObject({
      ok: false,
      code: ErrorCode.BadMessage,
    });
    expect(s.refusalStreak("p")).toBe(3);
    expect(s.publish("p", pinhole)).toEqual({ ok: true });
    expect(s.refusalStreak("p")).toBe(0);
    expect(s.publish("p", depth)).toEqual({ ok: true });
    const third = encodeMessage({ ...depthImage3dExample()[1]!, entityPath: "world/third" });
    now = 10_000;
    expect(s.publish("p", third)).toMatchObject({ ok: false, code: ErrorCode.TooManyEntities });
    for (let i = 0; i < 4; i++) expect(s.publish("p", depth).ok).toBe(true);
    expect(s.publish("p", depth)).toMatchObject({ ok: false, code: ErrorCode.RateLimited });
    now += 100;
    expect(s.publish("p", depth).ok).toBe(true);
    expect(s.publish("unknown", depth)).toMatchObject({ ok: false, code: ErrorCode.Forbidden });
    expect(c.rejected).toEqual([
      "bad-message",
      "message-too-large",
      "bad-message",
      "too-many-entities",
      "rate-limited",
      "forbidden",
    ]);
    expect(v.frames).toHaveLength(2 + 4 + 1);
  });
});
