import { readdirSync } from "node:fs";
import { join } from "node:path";
import { DepthImage, type LogMessage, Pinhole } from "@depthroom/schema";
import { loadPng16 } from "@depthroom/schema/testing";
import { connect, fetchLatestAt, recordingAccess, startRecording, stopRecording } from "@depthroom/sdk";
import { describe, expect, it } from "vitest";
import { cleanupsAfterEach } from "./support/cleanups.ts";
import { decodeAll, depthData, depthOf, sameValues, timeOf } from "./support/recordings.ts";
import { relayWithSession } from "./support/relay.ts";
import { repoRoot } from "./support/sdk.ts";

// Record 20 s of the real sample stream (the six Azure Kinect frames, looped at 15 fps by an SDK
// producer, each stamped with its capture time), stop, then ask the relay for the latest message of
// each entity at many times t: the depth frame that answers is exactly the one that was live at t (the
// newest frame sent with capture time <= t), with the PNG's exact values. The producer waits for a
// free slot instead of dropping frames, so every frame it logged reached the relay.

const RECORD_SECONDS = 20;
const FPS = 15;
const samples = join(repoRoot, "data/samples/azure-kinect");
const pngs = readdirSync(samples)
  .filter((f) => f.endsWith(".png"))
  .sort()
  .map((f) => loadPng16(join(samples, f)));

interface Sent {
  readonly frame: number;
  readonly captureNs: bigint;
}

describe("recording: latest-at over a recorded sample stream", () => {
  const cleanups = cleanupsAfterEach();

  it(`answers every time t of a ${RECORD_SECONDS} s recording with the frame live at t`, async () => {
    const { session } = await relayWithSession(cleanups, {}, { title: "latest-at" });
    const rig = await connect({ link: session.links.publish }, { name: "azure loop" });
    cleanups.push(() => rig.close());
    rig.log(
      "world/camera",
      Pinhole.fromIntrinsics({ fx: 252, fy: 252.5, cx: 160, cy: 144, width: 320, height: 288 }),
      {
        static: true,
      },
    );
    const sent: Sent[] = [];
    let lastCapture = 0n;
    const logFrame = async () => {
      await rig.whenSendable();
      const frame = sent.length;
      const now = BigInt(Date.now()) * 1_000_000n;
      const captureNs = now > lastCapture ? now : lastCapture + 1_000_000n;
      lastCapture = captureNs;
      const png = pngs[frame % pngs.length] as (typeof pngs)[number];
      rig.setTime("frame", frame);
      rig.setTime("capture_time", captureNs);
      rig.log(
        "world/camera/depth",
        new DepthImage(png.depth, { width: png.width, height: png.height, meter: 1000 }),
      );
      sent.push({ frame, captureNs });
    };
    const stream = async (seconds: number) => {
      const start = performance.now();
      for (let tick = 1; performance.now() - start < seconds * 1000; tick++) {
        await logFrame();
        const wait = start + (tick * 1000) / FPS - performance.now();
        if (wait > 0) await new Promise((resolve) => setTimeout(resolve, wait));
      }
      await rig.flush(10_000);
    };

    await stream(1);
    const firstRecorded = sent.length - 1; // the relay's latest frame when recording starts
    const edit = recordingAccess(session.links.edit);
    const started = await startRecording(edit, { by: "test" });
    expect(started).toMatchObject({ status: "recording", origin: "live", sessionId: session.id });
    await stream(RECORD_SECONDS);
    const stopped = await stopRecording(edit, started.id);
    expect(rig.stats).toMatchObject({ dropped: 0, rejected: 0 });

    const truth = sent.slice(firstRecorded);
    expect(truth.length).toBeGreaterThanOrEqual(RECORD_SECONDS * FPS * 0.5);
    expect(stopped).toMatchObject({
      status: "stopped",
      entities: ["world/camera", "world/camera/depth"],
      frames: truth.length + 1, // + the static Pinhole
      startTimeNs: String(truth[0]?.captureNs),
      endTimeNs: String(truth[truth.length - 1]?.captureNs),
    });

    const view = recordingAccess(session.links.view);
    const at = async (t: bigint) => decodeAll(await fetchLatestAt(view, started.id, t));
    const expectLive = (answer: LogMessage[], expected: Sent, t: bigint) => {
      const k = answer.find((m) => m.archetype.kind === "Pinhole")?.archetype as Pinhole;
      expect([k.fx, k.fy, k.cx, k.cy], `pinhole at ${t}`).toEqual([252, 252.5, 160, 144]);
      const depth = depthOf(answer, "world/camera/depth") as LogMessage;
      expect(depth && timeOf(depth, "frame"), `frame at ${t}`).toBe(BigInt(expected.frame));
      expect(timeOf(depth, "capture_time")).toBe(expected.captureNs);
      const png = pngs[expected.frame % pngs.length];
      expect(sameValues(depthData(depth), png?.depth), `depth values at ${t}`).toBe(true);
    };

    // Before the first recorded frame: only the static Pinhole.
    expect((await at((truth[0] as Sent).captureNs - 1n)).map((m) => m.archetype.kind)).toEqual(["Pinhole"]);
    // At each frame's capture time; halfway to the next one and just before it (every other frame).
    const checkStarted = performance.now();
    let checked = 0;
    for (let i = 0; i < truth.length; i++) {
      const frame = truth[i] as Sent;
      const next = truth[i + 1];
      const times = [frame.captureNs];
      if (next && i % 2 === 0) times.push((frame.captureNs + next.captureNs) / 2n, next.captureNs - 1n);
      for (const t of times) {
        expectLive(await at(t), frame, t);
        checked++;
      }
    }
    // Long after the end: the last frame.
    const last = truth[truth.length - 1] as Sent;
    expectLive(await at(last.captureNs + 60_000_000_000n), last, last.captureNs);
    expect(checked).toBeGreaterThanOrEqual(truth.length * 2 - 2);
    console.log(
      `latest-at: ${truth.length} frames recorded, ${checked} times checked in ${(performance.now() - checkStarted).toFixed(0)} ms`,
    );
  }, 120_000);
});
