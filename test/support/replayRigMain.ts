import {
  DepthImage,
  encodeMessage,
  type LogMessage,
  Pinhole,
  type PublishResult,
  Transform3D,
} from "@depthroom/schema";
import { type DemoCamera, renderDemoDepth } from "@depthroom/sdk";
import { connectFrames } from "./clients.ts";

/*
 * A heavy rig in its own process (the point-budget browser test, issue 21), so that encoding many
 * megapixels never starves the test process:
 *   replayRigMain.ts <relay url> <session> <publish token> <fps> <seconds> <W>x<H>[,<W>x<H>...]
 * One camera per size, side by side on one rig, looking at the demo scene. Each camera's depth is
 * rendered and RVL-encoded once for FRAMES distinct times; those wire bytes are then published again
 * and again at <fps>, so the rig costs little CPU whatever the resolution. Latest wins per camera: a
 * tick whose camera still has a publish unacknowledged skips that camera (counted as `skipped`).
 * Prints `{"ready":true,...}` once the cameras' Pinhole and Transform3D are acknowledged, then one JSON
 * line of counts and CPU use per second.
 */
const FRAMES = 3;

const [url, session, token, fpsText, secondsText, sizesText] = process.argv.slice(2);
const fps = Number(fpsText);
const seconds = Number(secondsText);
const sizes = (sizesText ?? "").split(",").map((text) => {
  const match = /^(\d+)x(\d+)$/.exec(text);
  if (!match) throw new Error(`bad camera size "${text}" (want WxH)`);
  return { width: Number(match[1]), height: Number(match[2]) };
});
if (!url || !session || !token || !(fps > 0) || !(seconds > 0) || sizes.length === 0) {
  throw new Error(
    "usage: replayRigMain.ts <relay url> <session> <publish token> <fps> <seconds> <WxH>[,...]",
  );
}

/** Camera i of the rig: 0.4 m apart along x, all looking forward at the demo scene. */
function camera(i: number, width: number, height: number): DemoCamera {
  const f = width * 0.8;
  return {
    entity: `world/rig/cam${i}`,
    translation: [(i - (sizes.length - 1) / 2) * 0.4, 0, 0],
    rotation: [0, 0, 0, 1],
    width,
    height,
    fx: f,
    fy: f,
    cx: width / 2 - 0.5,
    cy: height / 2 - 0.5,
  };
}

const cameras = sizes.map(({ width, height }, i) => camera(i, width, height));
const statics: Uint8Array[] = [];
const frames: Uint8Array[][] = [];
const encodeStarted = performance.now();
for (const c of cameras) {
  const at = (archetype: LogMessage["archetype"], entityPath: string, frame?: number): Uint8Array =>
    encodeMessage({
      entityPath,
      timelines: frame === undefined ? [] : [{ timeline: "frame", kind: "sequence", value: BigInt(frame) }],
      static: frame === undefined,
      archetype,
    });
  statics.push(at(new Transform3D({ translation: [...c.translation], rotation: [...c.rotation] }), c.entity));
  statics.push(at(Pinhole.fromIntrinsics(c), c.entity));
  const own: Uint8Array[] = [];
  for (let f = 0; f < FRAMES; f++) {
    const depth = renderDemoDepth(c, f * 0.25);
    own.push(
      at(new DepthImage(depth, { width: c.width, height: c.height, meter: 1000 }), `${c.entity}/depth`, f),
    );
  }
  frames.push(own);
}
const encodeMs = performance.now() - encodeStarted;

const { socket } = await connectFrames(url, session, token, { name: "replay rig" });
const publish = (bytes: Uint8Array) =>
  new Promise<PublishResult>((resolve) => socket.emit("publish", bytes, (result) => resolve(result)));
for (const bytes of statics) {
  const result = await publish(bytes);
  if (!result.ok) throw new Error(`the relay refused the rig's cameras: ${result.code}: ${result.message}`);
}
const out = (line: object) => process.stdout.write(`${JSON.stringify(line)}\n`);
out({
  ready: true,
  encodeMs: Math.round(encodeMs),
  frameBytes: frames.map((own) => Math.round(own.reduce((sum, b) => sum + b.byteLength, 0) / own.length)),
});

const inFlight = cameras.map(() => false);
let published = 0;
let acked = 0;
let refused = 0;
let skipped = 0;
let tick = 0;
const cpuStart = process.cpuUsage();
const started = performance.now();
const ticker = setInterval(() => {
  const f = tick++ % FRAMES;
  cameras.forEach((_, i) => {
    if (inFlight[i]) {
      skipped++;
      return;
    }
    inFlight[i] = true;
    published++;
    void publish(frames[i]![f]!).then((result) => {
      inFlight[i] = false;
      if (result.ok) acked++;
      else refused++;
    });
  });
}, 1000 / fps);
const report = setInterval(() => {
  const cpu = process.cpuUsage(cpuStart);
  const wallMs = performance.now() - started;
  out({
    t: Math.round(wallMs),
    ticks: tick,
    published,
    acked,
    refused,
    skipped,
    cpu: (cpu.user + cpu.system) / 1000 / wallMs,
  });
}, 1000);
setTimeout(() => {
  clearInterval(ticker);
  clearInterval(report);
  socket.close();
  process.exit(0);
}, seconds * 1000);
