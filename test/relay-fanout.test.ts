import { depthImage3dExample, encodeMessage, RELAY_PROTOCOL_VERSION, readEnvelope } from "@depthroom/schema";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import {
  collectFrames,
  connectFrames,
  type FrameSocket,
  publish,
  subscribe,
  waitFor,
} from "./support/clients.ts";
import { startTestRelay, type TestRelay } from "./support/relay.ts";

// A producer logs Rerun's depth_image_3d example; three viewers receive byte-identical messages; a
// fourth viewer joining afterwards receives the Pinhole and the latest DepthImage at once.
describe("relay fan-out", () => {
  let relay: TestRelay;
  const sockets: FrameSocket[] = [];

  beforeEach(async () => {
    relay = await startTestRelay();
  });
  afterEach(async () => {
    for (const socket of sockets.splice(0)) socket.close();
    await relay.close();
  });

  it("delivers the same bytes to every viewer and the latest of each entity to a late joiner", async () => {
    const session = await relay.createSession({ title: "fan-out" });
    const viewers = await Promise.all(
      [1, 2, 3].map((i) =>
        connectFrames(relay.url, session.id, session.tokens.view, { name: `viewer ${i}` }),
      ),
    );
    const received = viewers.map(({ socket }) => {
      sockets.push(socket);
      return collectFrames(socket);
    });
    for (const { socket } of viewers)
      expect(await subscribe(socket)).toMatchObject({ ok: true, entities: [] });

    const producerEvents: unknown[] = [];
    viewers[0]!.socket.on("producer", (event) => producerEvents.push(event));
    const { socket: producer, welcome } = await connectFrames(relay.url, session.id, session.tokens.publish, {
      name: "rig",
    });
    sockets.push(producer);
    expect(welcome).toMatchObject({
      role: "publish",
      session: session.id,
      protocolVersion: RELAY_PROTOCOL_VERSION,
    });

    const messages = depthImage3dExample().map((m) => encodeMessage(m));
    for (const bytes of messages) expect(await publish(producer, bytes)).toEqual({ ok: true });

    await waitFor(() => received.every((frames) => frames.length === messages.length), 5000, "three viewers");
    for (const frames of received) {
      expect(frames.map((f) => Buffer.from(f.bytes).toString("hex"))).toEqual(
        messages.map((m) => Buffer.from(m).toString("hex")),
      );
    }
    expect(producerEvents).toMatchObject([
      { type: "joined", producer: { name: "rig", id: welcome.connectionId } },
    ]);

    // A second depth frame replaces the first as the entity's latest.
    const depth = depthImage3dExample()[1]!;
    const later = encodeMessage({
      ...depth,
      timelines: [{ timeline: "frame", kind: "sequence", value: 2n }],
    });
    expect(await publish(producer, later)).toEqual({ ok: true });
    await waitFor(() => received.every((frames) => frames.length === 3), 5000, "the second depth frame");

    const late = await connectFrames(relay.url, session.id, session.tokens.edit, { name: "late" });
    sockets.push(late.socket);
    expect(late.welcome.producers).toMatchObject([{ name: "rig" }]);
    const lateFrames = collectFrames(late.socket);
    const result = await subscribe(late.socket);
    expect(result.ok).toBe(true);
    if (!result.ok) return;
    expect(result.entities.map((e) => [e.entityPath, e.kind, e.messages])).toEqual([
      ["world/camera", "Pinhole", 1],
      ["world/camera/depth", "DepthImage", 2],
    ]);
    await waitFor(() => lateFrames.length === 2, 2000, "the late joiner's frames");
    expect(readEnvelope(lateFrames[0]!.bytes).kind).toBe("Pinhole");
    expect(Buffer.from(lateFrames[0]!.bytes).equals(Buffer.from(messages[0]!))).toBe(true);
    expect(Buffer.from(lateFrames[1]!.bytes).equals(Buffer.from(later))).toBe(true);

    // The session description names entities, producers and viewers.
    const description = await fetch(`${relay.url}/api/sessions/${session.id}`, {
      headers: { Authorization: `Bearer ${session.tokens.view}` },
    }).then((r) => r.json());
    expect(description).toMatchObject({
      id: session.id,
      title: "fan-out",
      viewers: 4,
      producers: [{ name: "rig" }],
    });

    producer.close();
    await waitFor(() => producerEvents.length === 2, 2000, "the producer's leaving");
    expect(producerEvents[1]).toMatchObject({ type: "left", producer: { name: "rig" } });
  });
});
