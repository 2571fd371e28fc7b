import { listRecordings, recordingAccess, startRecording } from "@depthroom/sdk";
import { describe, expect, it } from "vitest";
import { cleanupsAfterEach } from "./support/cleanups.ts";
import { connectFrames, openDoc, publishStampedFrames, writerAndWitness } from "./support/clients.ts";
import { sampleStream } from "./support/frames.ts";
import { createSession, type RelayProcess, scratchDir, spawnRelayProcess } from "./support/relay.ts";

// kill -9 of the relay in the middle of both a recording and a burst of document edits (issue 12):
// after a restart on the same data directory every document update another client had seen is there,
// and the recording keeps all but at most its last second.
//
// y-websocket has no acknowledgement of persistence: the relay appends an update to the log in the
// same turn it forwards it, and the write lands a few ms later. "Acknowledged" here is "seen by another
// client at least 100 ms before the kill"; updates seen later are counted and printed, not required.

const ACK_MS = 100;

describe("relay kill -9", () => {
  const cleanups = cleanupsAfterEach();

  it("loses no acknowledged doc update and at most the last second of a recording", async () => {
    const dataDir = await scratchDir(cleanups);
    let relay: RelayProcess = await spawnRelayProcess({ dataDir });
    cleanups.push(() => relay.stop("SIGKILL"));
    const session = await createSession(relay.url, { title: "kill -9" });

    const { writer, witness } = await writerAndWitness(cleanups, relay.url, session);
    const seenAt = new Map<string, number>();
    witness.doc.getMap("annotations").observe((event) => {
      for (const key of event.keysChanged) if (!seenAt.has(key)) seenAt.set(key, Date.now());
    });

    const sample = sampleStream();
    const { socket } = await connectFrames(relay.url, session.id, session.tokens.publish);
    cleanups.push(() => socket.close());
    socket.emit("publish", sample.pinhole, () => {});
    const recording = await startRecording(recordingAccess(session.links.edit), { by: "kill test" });

    // 30 frames/s and 50 edits/s for about 3 s, then kill -9 while both are going on.
    const frames = publishStampedFrames(socket, sample, 30);
    const { acked } = frames;
    let edits = 0;
    const editing = setInterval(() => {
      const n = edits++;
      writer.doc.getMap("annotations").set(`a${n}`, { kind: "pin3d", text: `edit ${n}` });
    }, 20);
    await new Promise((resolve) => setTimeout(resolve, 3000));
    const killedAt = Date.now();
    expect(await relay.stop("SIGKILL")).toBe(null);
    frames.stop();
    clearInterval(editing);
    socket.close();
    writer.destroy();
    witness.destroy();
    const acknowledged = [...seenAt].filter(([, at]) => at <= killedAt - ACK_MS).map(([key]) => key);
    const late = [...seenAt].filter(([, at]) => at > killedAt - ACK_MS).map(([key]) => key);
    expect(acknowledged.length).toBeGreaterThan(50);
    expect(acked.size).toBeGreaterThan(30);
    let lastAckedNs = 0n;
    for (const t of acked.values()) if (t > lastAckedNs) lastAckedNs = t;

    relay = await spawnRelayProcess({ dataDir });
    const reader = openDoc(relay.url, session.id, session.tokens.view);
    cleanups.push(() => reader.destroy());
    await reader.synced(10_000);
    const kept = reader.doc.getMap("annotations");
    const missing = acknowledged.filter((key) => !kept.has(key));
    expect(missing).toEqual([]);

    const view = recordingAccess(
      session.links.view.replace(/relay=[^#]+/, `relay=${encodeURIComponent(relay.url)}`),
    );
    const [recovered] = await listRecordings(view);
    expect(recovered).toMatchObject({ id: recording.id, status: "stopped", recovered: true });
    const lostMs = Number(lastAckedNs - BigInt(recovered?.endTimeNs as string)) / 1e6;
    console.log(
      `kill -9: ${acknowledged.length} acknowledged doc updates all kept (${late.filter((k) => kept.has(k)).length} of ${late.length} later ones too); recording: ${recovered?.frames} messages kept, the last ${lostMs.toFixed(0)} ms of acknowledged frames lost`,
    );
    expect(lostMs).toBeGreaterThanOrEqual(0);
    expect(lostMs).toBeLessThanOrEqual(1000);
  });
});
