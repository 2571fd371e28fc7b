import { getRecordingState } from "@depthroom/schema";
import { fetchLatestAt, listRecordings, recordingAccess, startRecording } from "@depthroom/sdk";
import { describe, expect, it } from "vitest";
import { cleanupsAfterEach } from "./support/cleanups.ts";
import { connectFrames, openDoc, publishStampedFrames, waitFor } from "./support/clients.ts";
import { sampleStream, stampFrame } from "./support/frames.ts";
import { decodeAll, depthOf, timeOf } from "./support/recordings.ts";
import { createSession, type RelayProcess, scratchDir, spawnRelayProcess } from "./support/relay.ts";

// kill -9 of the relay while it records 640x480 RVL frames at 30 Hz: after a restart on the same data
// directory the recording is recovered, listed, and plays up to at most about a second before the kill
// (the relay flushes every second); every frame it still holds is exactly the one that was sent.

describe("recording: crash recovery", () => {
  const cleanups = cleanupsAfterEach();

  it("recovers a recording interrupted by kill -9 and lists it", async () => {
    const dataDir = await scratchDir(cleanups);
    let relay: RelayProcess = await spawnRelayProcess({ dataDir });
    cleanups.push(() => relay.stop("SIGKILL"));
    const session = await createSession(relay.url, { title: "crash" });
    const doc = openDoc(relay.url, session.id, session.tokens.view);
    cleanups.push(() => doc.destroy());
    await doc.synced();

    const sample = sampleStream();
    const { socket } = await connectFrames(relay.url, session.id, session.tokens.publish);
    cleanups.push(() => socket.close());
    socket.emit("publish", sample.pinhole, () => {});
    const edit = recordingAccess(session.links.edit);
    const recording = await startRecording(edit, { by: "crash test" });
    // The red dot: the relay mirrors its state into the session's doc.
    await waitFor(() => getRecordingState(doc.doc)?.active === true, 5000, "the red dot");
    expect(getRecordingState(doc.doc)).toMatchObject({ recordingId: recording.id, by: "crash test" });

    // 30 Hz for about 4 s; remember the capture time of every frame the relay acknowledged.
    const publishing = publishStampedFrames(socket, sample, 30);
    const { acked } = publishing;
    await new Promise((resolve) => setTimeout(resolve, 4000));
    publishing.stop();
    const killedAtNs = BigInt(Date.now()) * 1_000_000n;
    expect(await relay.stop("SIGKILL")).toBe(null);
    socket.close();
    doc.destroy();
    expect(acked.size).toBeGreaterThan(30); // about 120 on a quiet machine

    relay = await spawnRelayProcess({ dataDir });
    expect(relay.output()).toContain("interrupted recording recovered");
    const view = recordingAccess(
      session.links.view.replace(/relay=[^#]+/, `relay=${encodeURIComponent(relay.url)}`),
    );
    const listed = await listRecordings(view);
    expect(listed).toHaveLength(1);
    const recovered = listed[0];
    expect(recovered).toMatchObject({ id: recording.id, status: "stopped", recovered: true });
    const endNs = BigInt(recovered?.endTimeNs as string);
    const lostMs = Number(killedAtNs - endNs) / 1e6;
    // At most about one flush interval (1 s) plus the write in flight is lost.
    expect(lostMs).toBeGreaterThanOrEqual(0);
    expect(lostMs).toBeLessThan(1500);
    console.log(`kill -9: ${recovered?.frames} messages recovered, the last ${lostMs.toFixed(0)} ms lost`);

    // Every recovered frame is the one sent at that time.
    const frames = [...acked.entries()].filter(([, t]) => t <= endNs);
    expect(recovered?.frames).toBe(frames.length + 1); // + the Pinhole
    for (const [n, t] of frames.filter((_, i) => i % 10 === 0 || i === frames.length - 1)) {
      const answer = decodeAll(await fetchLatestAt(view, recording.id, t));
      expect(answer.map((m) => m.archetype.kind)).toEqual(["Pinhole", "DepthImage"]);
      const depth = depthOf(answer, "world/camera/depth");
      expect(depth && timeOf(depth, "frame")).toBe(BigInt(n));
      expect(depth && timeOf(depth, "capture_time")).toBe(t);
    }
    const last = decodeAll(await fetchLatestAt(view, recording.id, killedAtNs));
    expect(timeOf(depthOf(last, "world/camera/depth") as never, "capture_time")).toBe(endNs);

    // The red dot is off after the restart, and names the recovered recording.
    const after = openDoc(relay.url, session.id, session.tokens.view);
    cleanups.push(() => after.destroy());
    await after.synced(10_000);
    await waitFor(() => getRecordingState(after.doc)?.active === false, 5000, "the red dot to go off");
    expect(getRecordingState(after.doc)?.recordingId).toBe(recording.id);
  });

  it("finishes a running recording on SIGTERM: complete after the restart, nothing to recover", async () => {
    const dataDir = await scratchDir(cleanups);
    let relay: RelayProcess = await spawnRelayProcess({ dataDir });
    cleanups.push(() => relay.stop("SIGKILL"));
    const session = await createSession(relay.url);
    const sample = sampleStream();
    const { socket } = await connectFrames(relay.url, session.id, session.tokens.publish);
    cleanups.push(() => socket.close());
    const recording = await startRecording(recordingAccess(session.links.edit));
    for (let i = 0; i < 20; i++) {
      await new Promise((resolve) => socket.emit("publish", stampFrame(sample, i, Date.now()), resolve));
    }
    expect(await relay.stop("SIGTERM")).toBe(0);
    expect(relay.output()).toContain('"msg":"recording stopped"');
    socket.close();

    relay = await spawnRelayProcess({ dataDir });
    expect(relay.output()).not.toContain("interrupted recording");
    const view = recordingAccess(
      session.links.view.replace(/relay=[^#]+/, `relay=${encodeURIComponent(relay.url)}`),
    );
    expect(await listRecordings(view)).toMatchObject([
      { id: recording.id, status: "stopped", recovered: false, frames: 20, problems: [] },
    ]);
  });
});
