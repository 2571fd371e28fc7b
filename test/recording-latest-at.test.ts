import { readdirSync } from "node:fs";
import { join } from "node:path";
import type { LogMessage, Pinhole } from "@depthroom/schema";
import { loadPng16 } from "@depthroom/schema/testing";
import { fetchLatestAt, recordingAccess, startRecording, stopRecording } from "@depthroom/sdk";
import { afterEach, describe, expect, it } from "vitest";
import { decodeAll, depthData, depthOf, sameValues, startCli, timeOf } from "./support/recordings.ts";
import { startTestRelay } from "./support/relay.ts";
import { collect, repoRoot, waitUntil } from "./support/sdk.ts";

// Record 20 s of the real sample stream (the six Azure Kinect frames, looped by `depthroom stream` at
// 15 fps, each stamped with its capture time), stop, then ask the relay for the latest message of each
// entity at many times t: the depth frame that answers is exactly the one that was live at t (the
// newest frame a live subscriber had received with capture time <= t), with the PNG's exact values.

const RECORD_SECONDS = 20;
const samples = join(repoRoot, "data/samples/azure-kinect");
const pngs = readdirSync(samples)
  .filter((f) => f.endsWith(".png"))
  .sort()
  .map((f) => loadPng16(join(samples, f)).depth);

describe("recording: latest-at over a recorded sample stream", () => {
  const cleanups: (() => Promise<unknown> | unknown)[] = [];
  afterEach(async () => {
    for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
  });

  it(`answers every time t of a ${RECORD_SECONDS} s recording with the frame live at t`, async () => {
    const relay = await startTestRelay();
    cleanups.push(() => relay.close());
    const session = await relay.createSession({ title: "latest-at" });
    const { messages: live, subscription } = await collect(session.links.view);
    cleanups.push(() => subscription.close());
    const stream = startCli([
      "stream",
      "data/samples/azure-kinect",
      "--link",
      session.links.publish,
      "--fps",
      "15",
      "--loop",
      "--quiet",
      "--fx=252",
      "--fy=252.5",
      "--cx=160",
      "--cy=144",
    ]);
    cleanups.push(() => stream.stop());
    const depths = () => live.filter((m) => m.archetype.kind === "DepthImage");
    await waitUntil(() => depths().length >= 5, 15_000, "the stream to run");

    const edit = recordingAccess(session.links.edit);
    const started = await startRecording(edit, { by: "test" });
    expect(started).toMatchObject({ status: "recording", origin: "live", sessionId: session.id });
    await new Promise((resolve) => setTimeout(resolve, RECORD_SECONDS * 1000));
    const stopped = await stopRecording(edit, started.id);
    const result = await stream.stop();
    expect(result.code).toBe(130);

    expect(stopped).toMatchObject({ status: "stopped", entities: ["world/camera", "world/camera/depth"] });
    const startNs = BigInt(stopped.startTimeNs as string);
    const endNs = BigInt(stopped.endTimeNs as string);
    // Ground truth: what the live subscriber received, in the recorded window (the frame that was live
    // when recording started is recorded too: its capture time is the recording's first log time).
    const truth = depths().filter((m) => {
      const t = timeOf(m, "capture_time") as bigint;
      return t >= startNs && t <= endNs;
    });
    const frames = truth.map((m) => Number(timeOf(m, "frame")));
    // No frame was dropped on the way to the subscriber, so "live at t" is well defined.
    expect(frames).toEqual(frames.map((_, i) => (frames[0] as number) + i));
    expect(truth.length).toBeGreaterThanOrEqual(RECORD_SECONDS * 15 * 0.8);
    expect(stopped.frames).toBe(truth.length + 1); // + the static Pinhole

    const view = recordingAccess(session.links.view);
    const at = async (t: bigint) => decodeAll(await fetchLatestAt(view, started.id, t));
    const expectLive = (answer: LogMessage[], expected: LogMessage, t: bigint) => {
      const pinhole = answer.find((m) => m.archetype.kind === "Pinhole");
      const k = pinhole?.archetype as Pinhole;
      expect([k.fx, k.fy, k.cx, k.cy], `pinhole at ${t}`).toEqual([252, 252.5, 160, 144]);
      const depth = depthOf(answer, "world/camera/depth");
      expect(depth && timeOf(depth, "frame"), `frame at ${t}`).toBe(timeOf(expected, "frame"));
      expect(timeOf(depth as LogMessage, "capture_time")).toBe(timeOf(expected, "capture_time"));
      const data = depthData(depth as LogMessage);
      expect(sameValues(data, depthData(expected)), `depth sent vs recorded at ${t}`).toBe(true);
      expect(sameValues(data, pngs[Number(timeOf(expected, "frame")) % pngs.length]), `PNG at ${t}`).toBe(
        true,
      );
    };

    // Before the first recorded frame: only the static Pinhole.
    const before = await at(startNs - 1n);
    expect(before.map((m) => m.archetype.kind)).toEqual(["Pinhole"]);
    // At each frame's capture time, just before the next one, and halfway between (every other frame).
    let checked = 0;
    const checkStarted = performance.now();
    for (let i = 0; i < truth.length; i++) {
      const frame = truth[i] as LogMessage;
      const t0 = timeOf(frame, "capture_time") as bigint;
      const next = truth[i + 1];
      const times = [t0];
      if (next && i % 2 === 0) {
        const t1 = timeOf(next, "capture_time") as bigint;
        times.push((t0 + t1) / 2n, t1 - 1n);
      }
      for (const t of times) {
        expectLive(await at(t), frame, t);
        checked++;
      }
    }
    // Long after the end: the last frame.
    expectLive(await at(endNs + 60_000_000_000n), truth[truth.length - 1] as LogMessage, endNs);
    expect(checked).toBeGreaterThanOrEqual(truth.length * 2 - 2);
    console.log(`latest-at: ${checked} times checked in ${(performance.now() - checkStarted).toFixed(0)} ms`);
  }, 120_000);
});
