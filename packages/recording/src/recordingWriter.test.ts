import { decodeMessage, encodeMessage, Pinhole } from "@depthroom/schema";
import { McapIndexedReader } from "@mcap/core";
import { beforeAll, describe, expect, it } from "vitest";
import { expectedLatestAt, type SentMessage, sampleStream, T0 } from "../testing/fixtures.ts";
import { decompressHandlers } from "./compression.ts";
import { RecordingError } from "./errors.ts";
import { METADATA_END, METADATA_START, WIRE_MESSAGE_ENCODING, WIRE_SCHEMA_NAME } from "./format.ts";
import { bytesSource, memorySink, type RecordingSource } from "./io.ts";
import { openRecording } from "./recordingReader.ts";
import { createRecordingWriter, type RecordingWriterOptions } from "./recordingWriter.ts";

async function record(sent: readonly SentMessage[], options: RecordingWriterOptions = {}) {
  const sink = memorySink();
  const writer = createRecordingWriter(sink, {
    recordingId: "rec-1",
    sessionId: "sess-1",
    startedAtNs: T0,
    ...options,
  });
  for (const m of sent) writer.append(m.bytes, m.receiveTimeNs);
  const stats = await writer.close(T0 + 10_000_000_000n);
  return { bytes: sink.bytes(), stats };
}

/** A source that counts the bytes read through it. */
function countingSource(bytes: Uint8Array): RecordingSource & { bytesRead: number } {
  const inner = bytesSource(bytes);
  const counter = {
    bytesRead: 0,
    size: () => inner.size(),
    read: async (offset: bigint, size: bigint) => {
      counter.bytesRead += Number(size);
      return inner.read(offset, size);
    },
  };
  return counter;
}

describe("recording writer", () => {
  let sent: SentMessage[];
  let file: Uint8Array;
  let stats: Awaited<ReturnType<typeof record>>["stats"];
  beforeAll(async () => {
    sent = sampleStream({ seconds: 6 });
    ({ bytes: file, stats } = await record(sent));
  });

  it("writes a valid indexed MCAP: one schema, a channel per entity and kind, metadata, verbatim bytes", async () => {
    const reader = await McapIndexedReader.Initialize({ readable: bytesSource(file), decompressHandlers });
    expect(reader.header.profile).toBe("depthroom");
    expect([...reader.schemasById.values()].map((s) => s.name)).toEqual([WIRE_SCHEMA_NAME]);
    const channels = [...reader.channelsById.values()].map(
      (c) => `${c.topic} ${c.metadata.get("kind")} static=${c.metadata.get("static")} ${c.messageEncoding}`,
    );
    expect(channels.sort()).toEqual([
      `world/azure Pinhole static=true ${WIRE_MESSAGE_ENCODING}`,
      `world/azure/depth DepthImage static=false ${WIRE_MESSAGE_ENCODING}`,
      `world/tum Pinhole static=false ${WIRE_MESSAGE_ENCODING}`,
      `world/tum Transform3D static=false ${WIRE_MESSAGE_ENCODING}`,
      `world/tum/depth DepthImage static=false ${WIRE_MESSAGE_ENCODING}`,
    ]);
    const metadata = new Map<string, ReadonlyMap<string, string>>();
    for await (const m of reader.readMetadata()) metadata.set(m.name, m.metadata);
    expect(metadata.get(METADATA_START)?.get("recordingId")).toBe("rec-1");
    expect(metadata.get(METADATA_START)?.get("sessionId")).toBe("sess-1");
    expect(metadata.get(METADATA_START)?.get("startedAtNs")).toBe(String(T0));
    expect(metadata.get(METADATA_END)?.get("stoppedAtNs")).toBe(String(T0 + 10_000_000_000n));
    expect(metadata.get(METADATA_END)?.get("frames")).toBe(String(sent.length));

    // Log time = capture time (receive time for static), publish time = receive time, bytes verbatim.
    const stored = [];
    for await (const m of reader.readMessages()) stored.push(m);
    expect(stored).toHaveLength(sent.length);
    const byKey = new Map(sent.map((m) => [`${m.receiveTimeNs}`, m]));
    for (const m of stored) {
      const original = byKey.get(`${m.publishTime}`) as SentMessage;
      expect(m.logTime).toBe(original.captureTimeNs ?? original.receiveTimeNs);
      expect(Buffer.compare(m.data, original.bytes)).toBe(0);
    }
  });

  it("chunks about once a second and reports its figures", () => {
    expect(stats.frames).toBe(sent.length);
    expect(stats.bytes).toBe(sent.reduce((n, m) => n + m.bytes.byteLength, 0));
    expect(stats.entities).toEqual(["world/azure", "world/azure/depth", "world/tum", "world/tum/depth"]);
    expect(stats.startTimeNs).toBe(T0);
    expect(stats.chunks).toBeGreaterThanOrEqual(5);
    expect(stats.chunks).toBeLessThanOrEqual(7);
  });

  it("closes chunks by size too", async () => {
    const { stats: small } = await record(sent.slice(0, 40), { chunkBytes: 100_000 });
    expect(small.chunks).toBeGreaterThan(5);
  });

  it("latestAt returns exactly the message live at any time, reading only the chunks it needs", async () => {
    const source = countingSource(file);
    const reader = await openRecording(source);
    expect(reader.complete).toBe(true);
    const afterOpen = source.bytesRead;
    const times = new Set<bigint>([T0 - 1n, T0, T0 + 1n]);
    for (const m of sent) {
      if (m.captureTimeNs === undefined) continue;
      times
        .add(m.captureTimeNs - 1n)
        .add(m.captureTimeNs)
        .add(m.captureTimeNs + 1n);
    }
    let seeks = 0;
    for (const t of times) {
      const got = await reader.latestAt(t);
      const expected = expectedLatestAt(sent, t);
      expect(new Set(got.map((g) => `${g.entityPath}#${g.kind}`))).toEqual(new Set(expected.keys()));
      for (const g of got) {
        const want = expected.get(`${g.entityPath}#${g.kind}`) as Uint8Array;
        expect(Buffer.compare(g.bytes, want), `${g.entityPath} ${g.kind} at ${t}`).toBe(0);
      }
      seeks++;
    }
    // Static first, then parents before children.
    const order = (await reader.latestAt(T0 + 3_000_000_000n)).map((g) => g.entityPath);
    expect(order[0]).toBe("world/azure");
    expect(order.indexOf("world/tum")).toBeLessThan(order.indexOf("world/tum/depth"));
    // One seek reads a few messages (and each chunk's message index once), never the whole file.
    const perSeek = (source.bytesRead - afterOpen) / seeks;
    expect(perSeek).toBeLessThan(file.byteLength / 10);
  });

  it("the time range covers temporal messages only: a static Pinhole received earlier does not stretch it (writer, reader, recovery)", async () => {
    // A recording begins with the static Pinhole the rig sent once, stamped with the time recording
    // began, seconds before the first frame: the timeline starts at the first frame regardless.
    const pinhole = encodeMessage({
      entityPath: "world/early",
      timelines: [],
      static: true,
      archetype: Pinhole.fromFocalLength({ width: 4, height: 4, focalLength: 2 }),
    });
    const temporal = sent.filter((m) => m.captureTimeNs !== undefined);
    const times = temporal.map((m) => m.captureTimeNs as bigint).sort((x, y) => (x < y ? -1 : x > y ? 1 : 0));
    const first = times[0] as bigint;
    const last = times[times.length - 1] as bigint;
    const late = encodeMessage({
      entityPath: "world/late",
      timelines: [],
      static: true,
      archetype: Pinhole.fromFocalLength({ width: 4, height: 4, focalLength: 2 }),
    });
    const early = [
      { bytes: pinhole, receiveTimeNs: first - 5_000_000_000n },
      ...sent,
      { bytes: late, receiveTimeNs: last + 5_000_000_000n },
    ];
    const sink = memorySink();
    const writer = createRecordingWriter(sink, { startedAtNs: first - 5_000_000_000n });
    for (const m of early) writer.append(m.bytes, m.receiveTimeNs);
    expect(writer.stats()).toMatchObject({ startTimeNs: first, endTimeNs: last });
    await writer.flush();
    // Crashed here (no summary): recovery scans and finds the same range.
    const crashed = sink.bytes().slice();
    const closed = await writer.close();
    expect(closed).toMatchObject({ startTimeNs: first, endTimeNs: last });
    const reader = await openRecording(bytesSource(sink.bytes()));
    expect(reader.stats).toMatchObject({ startTimeNs: first, endTimeNs: last });
    expect(reader.timeRange()).toEqual({ startNs: first, endNs: last });
    const recovered = await openRecording(bytesSource(crashed));
    expect(recovered.complete).toBe(false);
    expect(recovered.timeRange()).toEqual({ startNs: first, endNs: last });
    // A recording of static messages only has no timeline.
    const onlyStatic = memorySink();
    const staticWriter = createRecordingWriter(onlyStatic);
    staticWriter.append(pinhole, 5n);
    expect(await staticWriter.close()).toMatchObject({ startTimeNs: undefined, endTimeNs: undefined });
    expect((await openRecording(bytesSource(onlyStatic.bytes()))).timeRange()).toBeUndefined();
  });

  it("lists entities and the time range; messagesInRange yields temporal messages in time order", async () => {
    const reader = await openRecording(bytesSource(file));
    expect(reader.entities().map((e) => `${e.entityPath} ${e.kind} ${e.static} ${e.messages}`)).toEqual([
      "world/azure Pinhole true 1",
      "world/azure/depth DepthImage false 180",
      "world/tum Pinhole false 1",
      "world/tum Transform3D false 6",
      "world/tum/depth DepthImage false 60",
    ]);
    const range = reader.timeRange();
    expect(range?.startNs).toBe(T0);
    expect(range?.endNs).toBe(
      sent.reduce(
        (max, m) => (m.captureTimeNs !== undefined && m.captureTimeNs > max ? m.captureTimeNs : max),
        0n,
      ),
    );
    const t0 = T0 + 1_500_000_000n;
    const t1 = T0 + 2_500_000_000n;
    const want = sent
      .filter((m) => m.captureTimeNs !== undefined && m.captureTimeNs >= t0 && m.captureTimeNs <= t1)
      .sort((a, b) => Number((a.captureTimeNs as bigint) - (b.captureTimeNs as bigint)));
    const got = [];
    for await (const m of reader.messagesInRange(t0, t1)) got.push(m);
    expect(got.map((m) => m.logTimeNs)).toEqual(want.map((m) => m.captureTimeNs));
    for (const [i, m] of got.entries()) {
      expect(Buffer.compare(m.bytes, (want[i] as SentMessage).bytes)).toBe(0);
    }
    expect(decodeMessage(got[0]?.bytes as Uint8Array).entityPath).toBe(want[0]?.entityPath);
  });

  it("writes lz4 chunks when asked, and reads them back", async () => {
    const few = sent.slice(0, 30);
    const { bytes } = await record(few, { compression: "lz4" });
    const mcap = await McapIndexedReader.Initialize({ readable: bytesSource(bytes), decompressHandlers });
    expect(mcap.chunkIndexes.every((c) => c.compression === "lz4")).toBe(true);
    const reader = await openRecording(bytesSource(bytes));
    const last = few[few.length - 1] as SentMessage;
    const got = await reader.latestAt(last.captureTimeNs as bigint);
    const depth = got.find((g) => g.entityPath === last.entityPath && g.kind === last.message.archetype.kind);
    expect(Buffer.compare(depth?.bytes as Uint8Array, last.bytes)).toBe(0);
  });

  it("refuses bytes that are not a wire message, and use after close", async () => {
    const writer = createRecordingWriter(memorySink());
    const bad = () => writer.append(new Uint8Array([1, 2, 3]), 1n);
    expect(bad).toThrow(RecordingError);
    expect(() => bad()).toThrow(/not a wire message/);
    const pinhole = encodeMessage({
      entityPath: "cam",
      timelines: [],
      archetype: Pinhole.fromFocalLength({ width: 4, height: 4, focalLength: 2 }),
    });
    writer.append(pinhole, 5n);
    await writer.close();
    try {
      writer.append(pinhole, 6n);
      expect.unreachable();
    } catch (error) {
      expect((error as RecordingError).code).toBe("closed");
    }
  });

  it("reports a failing sink as an io error", async () => {
    const writer = createRecordingWriter({
      write: () => {
        throw new Error("disk full");
      },
    });
    await expect(writer.flush()).rejects.toMatchObject({ code: "io", message: /disk full/ });
  });
});
