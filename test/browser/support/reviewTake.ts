import { DepthImage, Pinhole, type RecordingDescription } from "@depthroom/schema";
import { loadSampleSets } from "@depthroom/schema/testing";
import {
  describeRecording,
  type RecordingStream,
  recordingAccess,
  startRecording,
  stopRecording,
} from "@depthroom/sdk";
import type { Page } from "playwright-core";
import { expect } from "vitest";
import { waitInPage } from "./session.ts";
import type { BrowserSuite } from "./suite.ts";

/*
 * A recorded take for the review-room tests: the real TUM sample stream at half resolution, each frame
 * stamped with its sequence in its first 8 pixels (1000 + seq units), so a frame's identity can be read
 * from the depth values a page uploaded.
 */

export const TAKE_ENTITY = "world/camera/depth";

/** A sent frame: its sequence, log time (capture_time, ns) and pixels. */
export interface Sent {
  readonly seq: number;
  readonly timeNs: bigint;
  readonly width: number;
  readonly depth: Uint16Array;
}

/** TUM frame `seq` at 320x240 (lighter for SwiftShader), stamped with 1000 + seq in row 0, u 0..7. */
export function stampedSampleFrame(seq: number): { width: number; height: number; depth: Uint16Array } {
  const tum = loadSampleSets()[0]!;
  const sample = tum.frames[seq % tum.frames.length]!;
  const width = sample.width / 2;
  const height = sample.height / 2;
  const depth = new Uint16Array(width * height);
  for (let v = 0; v < height; v++)
    for (let u = 0; u < width; u++) depth[v * width + u] = sample.depth[2 * v * sample.width + 2 * u]!;
  for (let u = 0; u < 8; u++) depth[u] = 1000 + seq;
  return { width, height, depth };
}

/** The frame live at time t: the last one sent at or before it. */
export function liveAt(sent: readonly Sent[], t: bigint): Sent {
  let found = sent[0]!;
  for (const s of sent) if (s.timeNs <= t) found = s;
  return found;
}

export interface TakeOptions {
  /** The file's suite: the take is made in a new session on its relay; the rig is closed with it. */
  readonly suite: BrowserSuite;
  readonly title: string;
  readonly frames: number;
  readonly fps: number;
  /** A second depth image (80x60, no pinhole) that starts at frame `fromSeq`: nothing of it before. */
  readonly late?: { readonly entity: string; readonly fromSeq: number };
  /** Log times exactly 1 / fps apart from the first frame's (the rig still paces them by the wall clock). */
  readonly exactTimes?: boolean;
  /** Draw more into each frame's depth before it is sent (a stamp a picture of the view shows). */
  readonly stamp?: (frame: { width: number; height: number; depth: Uint16Array }, seq: number) => void;
}

export interface Take {
  readonly rig: RecordingStream;
  readonly recording: RecordingDescription;
  readonly sent: readonly Sent[];
  /** Log time of the late entity's first frame (ns), when there is one. */
  readonly lateFirstNs?: bigint;
}

/** Record `frames` stamped frames at `fps` (paced by the wall clock) in a new session; the rig stays open. */
export async function recordStampedTake(options: TakeOptions): Promise<Take> {
  const { suite, frames, fps, late } = options;
  const session = await suite.newSession({ title: options.title });
  const rig = await suite.connectRig(session.links.publish);
  const first = stampedSampleFrame(0);
  rig.log(
    "world/camera",
    Pinhole.fromIntrinsics({ fx: 262.5, fy: 262.5, cx: 159.75, cy: 119.75, ...first }),
    { static: true },
  );
  await rig.flush();
  const edit = recordingAccess(session.links.edit);
  const started = await startRecording(edit, { title: options.title, by: "test" });
  const sent: Sent[] = [];
  let lateFirstNs: bigint | undefined;
  const frameMs = 1000 / fps;
  const t0 = performance.now();
  for (let seq = 0; seq < frames; seq++) {
    const wait = t0 + seq * frameMs - performance.now();
    if (wait > 0) await new Promise((r) => setTimeout(r, wait));
    await rig.whenSendable();
    const frame = stampedSampleFrame(seq);
    options.stamp?.(frame, seq);
    const timeNs =
      options.exactTimes && sent[0]
        ? sent[0].timeNs + BigInt(seq) * BigInt(Math.round(1e9 / fps))
        : BigInt(Date.now()) * 1_000_000n;
    rig.setTime("frame", seq);
    rig.setTime("capture_time", timeNs);
    rig.log(
      TAKE_ENTITY,
      new DepthImage(frame.depth, { width: frame.width, height: frame.height, meter: 5000 }),
    );
    sent.push({ seq, timeNs, width: frame.width, depth: frame.depth });
    if (late && seq >= late.fromSeq) {
      lateFirstNs ??= timeNs;
      rig.log(
        late.entity,
        new DepthImage(new Uint16Array(80 * 60).fill(2000 + seq), { width: 80, height: 60 }),
      );
    }
  }
  await rig.flush();
  expect(rig.stats.dropped).toBe(0);
  await stopRecording(edit, started.id);
  const recording = await describeRecording(edit, started.id);
  return { rig, recording, sent, ...(lateFirstNs !== undefined ? { lateFirstNs } : {}) };
}

/** Wait until a page shows frame `seq` of `entity`. */
export function waitForFrame(
  page: Page,
  seq: number,
  entity = TAKE_ENTITY,
  timeoutMs = 15_000,
): Promise<void> {
  return waitInPage(
    page,
    ({ entity, seq }) => window.__depthroom?.stats().find((s) => s.entity === entity)?.frame === seq,
    { entity, seq },
    timeoutMs,
  );
}

/** Wait until a page's review room is playing (or paused, with `playing` false). */
export function waitForPlaying(page: Page, playing: boolean, timeoutMs = 5000): Promise<void> {
  return waitInPage(page, (p) => window.__depthroom!.playback()!.state()?.playing === p, playing, timeoutMs);
}

/** The frame of `entity` a page shows: its sequence, and the stamp read at pixel (0, 0) (1000 + seq). */
export function shownFrame(
  page: Page,
  entity = TAKE_ENTITY,
): Promise<{ frame: number | undefined; first: number | null }> {
  return page.evaluate((e) => {
    const hooks = window.__depthroom!;
    return {
      frame: hooks.stats().find((s) => s.entity === e)?.frame,
      first: hooks.readout(e, 0, 0)?.value ?? null,
    };
  }, entity);
}
