import { DepthImage, decodeMessage, type Envelope, type LogMessage, Pinhole } from "@depthroom/schema";
import { connect, type ProducerEvent, subscribe } from "@depthroom/sdk";
import { describe, expect, it } from "vitest";
import { cleanupsAfterEach } from "./support/cleanups.ts";
import { relayWithSession } from "./support/relay.ts";
import { waitUntil } from "./support/sdk.ts";

// The headless subscriber: the async-iterator form, entity filters, connection state and producer
// events, and the latest of every entity for a late joiner.
describe("SDK subscriber", () => {
  const cleanups = cleanupsAfterEach();

  async function setup() {
    const { links } = await relayWithSession(cleanups);
    return links;
  }
  const image = (value: number) => new DepthImage(new Uint16Array(16).fill(value), { width: 4, height: 4 });

  it("yields decoded messages with for await, in order, and stops cleanly on break", async () => {
    const links = await setup();
    const states: string[] = [];
    const subscription = subscribe({ link: links.view });
    subscription.on("state", (state) => states.push(state));
    cleanups.push(() => subscription.close());
    await subscription.ready;
    const rec = await connect({ link: links.publish });
    cleanups.push(() => rec.close());

    const values: number[] = [];
    const consumed = (async () => {
      for await (const message of subscription) {
        values.push((message.archetype as DepthImage).data[0] as number);
        if (values.length === 5) break;
      }
      return values;
    })();
    // One frame at a time (the relay would give a slower reader the newest frame: latest wins).
    for (let i = 1; i <= 5; i++) {
      rec.setTime("frame", i);
      rec.log("world/camera/depth", image(i * 100));
      await waitUntil(() => values.length === i, 3000, `frame ${i}`);
    }
    expect(await consumed).toEqual([100, 200, 300, 400, 500]);
    expect(states).toEqual(["connected"]);
    subscription.close();
    expect(states).toEqual(["connected", "closed"]);
    // After close the iterator is done.
    expect(await subscription[Symbol.asyncIterator]().next()).toEqual({ done: true, value: undefined });
  });

  it("filters by entity, reports producers, and hands a late joiner the latest of each entity", async () => {
    const links = await setup();
    const rec = await connect({ link: links.publish }, { name: "rig-a" });
    cleanups.push(() => rec.close());
    rec.log("world/a", Pinhole.fromFocalLength({ width: 4, height: 4, focalLength: 2 }), { static: true });
    rec.log("world/a/depth", image(1));
    rec.log("world/b/depth", image(2));
    await rec.flush();

    const only: LogMessage[] = [];
    const filtered = subscribe(
      { link: links.view },
      (m) => {
        only.push(m);
      },
      { entities: ["world/a"] },
    );
    cleanups.push(() => filtered.close());
    await filtered.ready;
    expect(filtered.producers.map((p) => p.name)).toEqual(["rig-a"]);
    expect(filtered.entities.map((e) => e.entityPath).sort()).toEqual([
      "world/a",
      "world/a/depth",
      "world/b/depth",
    ]);
    await waitUntil(() => only.length === 2, 3000, "the latest of world/a and world/a/depth");
    expect(only.map((m) => `${m.entityPath}:${m.archetype.kind}`).sort()).toEqual([
      "world/a/depth:DepthImage",
      "world/a:Pinhole",
    ]);

    const events: ProducerEvent[] = [];
    filtered.on("producer", (event) => events.push(event));
    const second = await connect({ link: links.publish }, { name: "rig-b" });
    await waitUntil(() => events.length === 1, 3000, "rig-b joined");
    await second.close();
    await waitUntil(() => events.length === 2, 3000, "rig-b left");
    expect(events.map((e) => `${e.type} ${e.producer.name}`)).toEqual(["joined rig-b", "left rig-b"]);

    rec.log("world/b/depth", image(3));
    rec.log("world/a/depth", image(4));
    await waitUntil(() => only.length === 3, 3000, "the live world/a frame");
    expect((only[2]!.archetype as DepthImage).data[0]).toBe(4);
  });

  it("lazy frames: envelopes and wire bytes undecoded; a frame held by its callback holds no other entity's frames", async () => {
    const links = await setup();
    const envelopes: Envelope[] = [];
    const bytes: Uint8Array[] = [];
    const decodeMs: number[] = [];
    let release: () => void = () => {};
    const held = new Promise<void>((resolve) => {
      release = resolve;
    });
    const onMessage = (): void => {
      throw new Error("onMessage is not called with onEnvelope");
    };
    const subscription = subscribe({ link: links.view }, onMessage, {
      onEnvelope: (envelope, wire, info) => {
        envelopes.push(envelope);
        bytes.push(wire);
        decodeMs.push(info.decodeMs);
        // The first frame of world/a is held, its ack with it.
        return envelopes.length === 1 ? held : undefined;
      },
    });
    cleanups.push(() => subscription.close());
    await subscription.ready;
    const rec = await connect({ link: links.publish });
    cleanups.push(() => rec.close());
    const seen = (entity: string) =>
      envelopes.filter((e) => e.entityPath === entity).map((e) => Number(e.timelines[0]?.value));
    for (let i = 1; i <= 4; i++) {
      rec.setTime("frame", i);
      rec.log("world/a/depth", image(i * 100));
      if (i === 1) await waitUntil(() => envelopes.length === 1, 3000, "world/a frame 1");
      rec.log("world/b/depth", image(i));
      // world/b is not held behind world/a: each of its frames comes (one in flight at a time).
      await waitUntil(() => seen("world/b/depth").length === i, 3000, `world/b frame ${i}`);
    }
    await rec.flush();
    release();
    // How many of world/a's frames came while one was held is the relay's pacing; its newest comes.
    await waitUntil(() => seen("world/a/depth").at(-1) === 4, 3000, "world/a's newest");
    expect(seen("world/a/depth")[0]).toBe(1);
    expect(seen("world/b/depth")).toEqual([1, 2, 3, 4]);
    expect(envelopes.every((e) => e.kind === "DepthImage")).toBe(true);
    expect(decodeMs.every((ms) => ms === 0)).toBe(true);
    // The bytes are the wire message, decoded on demand.
    const decoded = bytes.map((b) => decodeMessage(b));
    expect(decoded.map((m) => m.entityPath)).toEqual(envelopes.map((e) => e.entityPath));
    const values = decoded.map((m) => `${m.entityPath} ${(m.archetype as DepthImage).data[0]}`);
    expect(values).toContain("world/a/depth 400");
    expect(values).toContain("world/b/depth 4");
    expect(subscription.stats.received).toBe(envelopes.length);
  });
});
